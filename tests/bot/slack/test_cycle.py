"""The meeting cycle through the Slack door: a change an administrator makes with the slash
command is announced in the group's channel through Slack, once, after a 429; `frånvaro` is
answered privately, and bad input stores nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.runtime import Runtime, build_runtime
from domain.config import Config
from storage.models_cycle import Absence
from storage.sync import sync_config
from tests.bot.slack.support import (
    ARBETS,
    LINNEA,
    SV,
    Slack,
    drive,
    reminder_service,
    slack_messenger,
    slack_settings,
    texts,
)
from tests.conftest import FixedClock
from tests.fakes import VirtualTime
from tests.fakes.slack_api import FakeSlackApi
from tests.scheduler.support import local, statuses

JOHAN = "U0VGR0002"  # an administrator
TUE1 = local("2026-09-01T10:00:00+02:00")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TUE1)


@pytest.fixture
def timed(database_url: str, fake: FakeSlackApi, example_config: Config,
          clock: FixedClock) -> Iterator[Runtime]:
    runtime = build_runtime(slack_settings(database_url, fake), clock=clock)
    with Session(runtime.engine) as session:
        sync_config(session, example_config)
        session.commit()
    yield runtime
    runtime.close()


def absences(runtime: Runtime) -> int:
    with Session(runtime.engine) as session:
        return int(session.scalar(select(func.count()).select_from(Absence)) or 0)


def test_a_cancellation_made_in_slack_is_announced_in_the_channel_once(
    timed: Runtime, fake: FakeSlackApi, clock: FixedClock
) -> None:
    virtual = VirtualTime()
    fake.clock = virtual.monotonic
    service = reminder_service(timed, slack_messenger(fake, virtual), clock)
    service.run_once()  # what was due before

    async def scenario(slack: Slack) -> dict[str, Any]:
        await slack.command(JOHAN, "möte ställ-in 8/9 --grupp arbetsgrupp", name="cancel")
        return await slack.answer("cancel")

    body = drive(timed, fake, scenario)
    assert "inställt" in texts(body["blocks"])
    fake.fail_next("chat.postMessage", status=429, retry_after=30, channel=ARBETS)
    clock.now = TUE1 + timedelta(seconds=5)
    first = service.run_once()
    [key] = first.retrying
    assert "|announce_change|channel|slack" in key
    clock.now = TUE1 + timedelta(seconds=36)
    assert service.run_once().sent == [key]
    clock.now = TUE1 + timedelta(minutes=5)
    assert service.run_once().sent == []
    (posted,) = fake.posted(ARBETS)
    assert texts(posted.body["blocks"]).startswith("📣 Arbetsgruppen: mötet tis 8 sep 2026")
    assert statuses(timed.engine)[key] == "sent"


def test_absence_in_slack_is_answered_privately_and_bad_input_stores_nothing(
    timed: Runtime, fake: FakeSlackApi
) -> None:
    async def scenario(slack: Slack) -> tuple[dict[str, Any], dict[str, Any]]:
        await slack.command(LINNEA, "frånvaro 9/9 7/9", name="bad")
        bad = await slack.answer("bad")
        await slack.command(LINNEA, "frånvaro 7/9 9/9", name="good")
        return bad, await slack.answer("good")

    bad, good = drive(timed, fake, scenario)
    assert bad["response_type"] == "ephemeral"
    assert SV("absence.end_before_start", start="ons 9 sep 2026",
              end="mån 7 sep 2026") in texts(bad["blocks"])
    assert good["response_type"] == "ephemeral"
    assert "Du är frånvarande mån 7 sep 2026 – ons 9 sep 2026" in texts(good["blocks"])
    assert absences(timed) == 1
