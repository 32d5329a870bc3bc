"""The workspace: with `SLACK_TEAM_ID` set, only requests from that workspace are served.

A request that names another workspace (`team_id`, `team.id`, the acting user's `team_id`) is
acknowledged, so that Slack does not retry it or show an error, and then ignored: nothing is
answered, stored or asked of Slack (no e-mail lookup, so no Slack id of another workspace is
linked to a configured person). One INFO line says so.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from bot.runtime import Runtime, build_runtime
from domain.config import Config
from storage.sync import sync_config
from tests.bot.slack.support import (
    ACK_LIMIT,
    GORAN,
    GORAN_EMAIL,
    LINNEA,
    Answer,
    Slack,
    button,
    drive,
    home_opened,
    row_counts,
    slack_settings,
    texts,
)
from tests.fakes.slack_api import TEAM_ID, FakeSlackApi

OTHER = "T0ANNAN01"


@pytest.fixture
def served(database_url: str, fake: FakeSlackApi, example_config: Config) -> Iterator[Runtime]:
    """The installation, serving its own workspace and a second one of the same region."""

    runtime = build_runtime(slack_settings(database_url, fake,
                                           slack_team_id=f"{TEAM_ID}, T0SJUHARAD"))
    with Session(runtime.engine) as session:
        sync_config(session, example_config)
        session.commit()
    yield runtime
    runtime.close()


def foreign(payload: dict[str, Any]) -> dict[str, Any]:
    """An interaction payload from the other workspace."""

    return {**payload, "team": {"id": OTHER, "domain": "annan"},
            "user": {**payload["user"], "team_id": OTHER}}


def test_requests_from_another_workspace_are_acknowledged_and_ignored(
    served: Runtime, fake: FakeSlackApi, production_logging: pytest.LogCaptureFixture
) -> None:
    fake.seed_user(GORAN, GORAN_EMAIL)  # configured by e-mail: would be linked on first use
    before = row_counts(served.engine)

    async def scenario(slack: Slack) -> list[Answer]:
        answers = [
            await slack.command(GORAN, "vem", name="vem", team=OTHER),
            await slack.command(LINNEA, "rapportera VIP-1 pågår Från fel arbetsyta",
                                name="rapport", team=OTHER),
            await slack.interaction(foreign(button(LINNEA, "report.open", "arbetsgrupp"))),
            await slack.event(home_opened(LINNEA), "Ev0OTHER001", team=OTHER),
        ]
        await asyncio.sleep(0.5)  # time for work that must not happen
        return answers

    answers = drive(served, fake, scenario)
    for answer in answers:
        assert (answer.status, answer.text) == (200, "") and answer.seconds < ACK_LIMIT
    assert set(fake.counts()) <= {"auth.test"} and fake.responses() == []
    assert row_counts(served.engine) == before
    assert served.dispatcher.knows("slack", GORAN) is False
    ignored = [(r.levelno, r.kind, r.team)  # type: ignore[attr-defined]
               for r in production_logging.records
               if r.getMessage() == "slack request from another workspace ignored"]
    assert ignored == [(logging.INFO, "command", OTHER), (logging.INFO, "command", OTHER),
                       (logging.INFO, "block_actions", OTHER),
                       (logging.INFO, "event_callback/app_home_opened", OTHER)]


def test_a_user_of_another_workspace_in_a_shared_channel_is_ignored(
    served: Runtime, fake: FakeSlackApi
) -> None:
    """Slack Connect: the installation's workspace, but the person acting is someone else's."""

    fake.seed_user(GORAN, GORAN_EMAIL)
    payload = button(GORAN, "report.open", "arbetsgrupp")
    payload["user"]["team_id"] = OTHER

    async def scenario(slack: Slack) -> Answer:
        answer = await slack.interaction(payload)
        await asyncio.sleep(0.5)
        return answer

    assert drive(served, fake, scenario).status == 200
    assert set(fake.counts()) <= {"auth.test"}
    assert served.dispatcher.knows("slack", GORAN) is False


def test_the_configured_workspaces_are_served_and_link_by_email(
    served: Runtime, fake: FakeSlackApi
) -> None:
    fake.seed_user(GORAN, GORAN_EMAIL)

    async def scenario(slack: Slack) -> list[dict[str, Any]]:
        await slack.command(GORAN, "vem", name="here")
        await slack.command(LINNEA, "hjälp", name="there", team="T0SJUHARAD")
        return [await slack.answer("here"), await slack.answer("there")]

    here, there = drive(served, fake, scenario)
    assert "Göran Ivarsson" in texts(here["blocks"])
    assert "rapportera" in texts(there["blocks"])
    assert served.dispatcher.knows("slack", GORAN) is True


def test_without_the_setting_any_workspace_the_token_reaches_is_served(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    async def scenario(slack: Slack) -> dict[str, Any]:
        await slack.command(LINNEA, "hjälp", name="any", team=OTHER)
        return await slack.answer("any")

    assert "rapportera" in texts(drive(runtime, fake, scenario)["blocks"])
