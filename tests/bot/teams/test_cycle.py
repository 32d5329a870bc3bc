"""The meeting cycle through the Teams door: `away` in English and `frånvaro` in Swedish are
answered, bad input stores nothing; a change made in Teams is announced in the group's
channel through the Teams messenger, once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.i18n import translator
from bot.runtime import Runtime, build_runtime
from domain.config import Config
from storage.models_cycle import Absence
from storage.sync import sync_config
from tests.bot.teams.support import (
    ARBETS,
    Teams,
    drive,
    install_in,
    reminder_service,
    teams_messenger,
    teams_settings,
)
from tests.conftest import FixedClock
from tests.fakes import VirtualTime
from tests.fakes.bf_connector import FakeBotFramework
from tests.scheduler.support import local

EN = translator("en")
JOHAN = "00000000-0000-4000-8000-000000000102"  # an administrator
SOFIA = "00000000-0000-4000-8000-000000000103"  # writes in English
TUE1 = local("2026-09-01T10:00:00+02:00")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TUE1)


@pytest.fixture
def timed(database_url: str, example_config: Config, clock: FixedClock) -> Iterator[Runtime]:
    runtime = build_runtime(teams_settings(database_url), clock=clock)
    with Session(runtime.engine) as session:
        sync_config(session, example_config)
        session.commit()
    yield runtime
    runtime.close()


def absences(runtime: Runtime) -> int:
    with Session(runtime.engine) as session:
        return int(session.scalar(select(func.count()).select_from(Absence)) or 0)


def test_away_in_english_and_bad_input_in_swedish(
    timed: Runtime, fake: FakeBotFramework
) -> None:
    async def scenario(teams: Teams) -> None:
        assert (await teams.say("frånvaro 7/9"))[0].status == 200
        assert (await teams.say("away 7/9 9/9", user=SOFIA, member="29:1sofia-marklund")
                )[0].status == 200

    drive(timed, fake, scenario)
    bad, good = fake.messages()
    assert "till exempel ”frånvaro 14/12 18/12”" in bad.text
    assert "You are away Mon 7 Sep 2026 – Wed 9 Sep 2026" in good.text
    assert absences(timed) == 1


def test_a_change_made_in_teams_is_announced_in_the_channel_once(
    timed: Runtime, fake: FakeBotFramework, clock: FixedClock
) -> None:
    install_in(timed, fake, ARBETS)
    virtual = VirtualTime()
    service = reminder_service(timed, teams_messenger(timed, fake, virtual), clock)
    service.run_once()
    fake.calls.clear()

    async def scenario(teams: Teams) -> None:
        said = await teams.say("möte ställ-in 8/9 --grupp arbetsgrupp", user=JOHAN,
                               member="29:1johan-wikstrom")
        assert said[0].status == 200

    drive(timed, fake, scenario)
    fake.calls.clear()
    clock.now = TUE1 + timedelta(seconds=5)
    sent = service.run_once().sent
    assert [k for k in sent if "|announce_change|channel|teams" in k]
    clock.now = TUE1 + timedelta(minutes=5)
    assert service.run_once().sent == []
    (posted,) = fake.messages(ARBETS)
    assert "📣 Arbetsgruppen: mötet tis 8 sep 2026" in posted.text
