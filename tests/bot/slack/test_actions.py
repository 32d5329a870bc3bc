"""Buttons (`block_actions`) and a select's options (`block_suggestion`)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.runtime import Runtime
from tests.bot.slack.support import (
    ACK_LIMIT,
    ARBETS,
    LEGACY_TOKEN,
    LINNEA,
    Answer,
    Slack,
    button,
    drive,
    row_counts,
    texts,
)
from tests.fakes.slack_api import APP_ID, TEAM_ID, FakeSlackApi


def test_the_report_button_opens_the_modal(runtime: Runtime, fake: FakeSlackApi) -> None:
    async def scenario(slack: Slack) -> Answer:
        ack = await slack.interaction(button(LINNEA, "report.open", "arbetsgrupp",
                                             response_url=fake.response_url("button")))
        await fake.until(lambda: fake.count("views.open") == 1, "views.open")
        return ack

    ack = drive(runtime, fake, scenario)
    assert ack.status == 200 and ack.seconds < ACK_LIMIT
    call = fake.calls_to("views.open")[0]
    assert call.ok, call.error
    assert call.body["trigger_id"] == "trigger.button.report.open"
    assert call.body["view"]["callback_id"] == "samverkan.form"
    assert fake.count("chat.postEphemeral") == 0 and fake.count("chat.postMessage") == 0




def test_a_button_the_bot_no_longer_has_is_acknowledged_and_nothing_happens(
    runtime: Runtime, fake: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    """An old message's button (an action id of an earlier version), pressed today."""

    before = row_counts(runtime.engine)

    async def scenario(slack: Slack) -> Answer:
        return await slack.interaction(button(LINNEA, "agenda.vote", "3",
                                              response_url=fake.response_url("old")))

    with caplog.at_level(logging.DEBUG, logger="bot.slack"):
        ack = drive(runtime, fake, scenario)
    assert (ack.status, ack.text) == (200, "") and ack.seconds < ACK_LIMIT
    assert set(fake.counts()) <= {"auth.test"} and fake.responses() == []
    assert row_counts(runtime.engine) == before
    assert [(r.levelno, r.kind) for r in caplog.records  # type: ignore[attr-defined]
            if r.getMessage() == "slack request not used"] == [(logging.DEBUG, "block_actions")]


def test_an_options_request_for_a_select_is_acknowledged(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    """`block_suggestion`, as Slack sends it for an external select's typed characters."""

    payload = {
        "type": "block_suggestion",
        "user": {"id": LINNEA, "username": "linnea", "team_id": TEAM_ID},
        "container": {"type": "message", "message_ts": "1780000000.000100"},
        "api_app_id": APP_ID, "token": LEGACY_TOKEN,
        "action_id": "activity.search", "block_id": "b1", "value": "VIP",
        "team": {"id": TEAM_ID, "domain": "samverkan-test"},
        "channel": {"id": ARBETS, "name": "arbetsgruppen"},
    }

    async def scenario(slack: Slack) -> Answer:
        return await slack.interaction(payload)

    ack = drive(runtime, fake, scenario)
    assert ack.status == 200 and ack.seconds < ACK_LIMIT
    assert set(fake.counts()) <= {"auth.test"}


def test_sharing_a_summary_posts_it_to_the_channel_once_however_often_slack_sends_the_click(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    async def scenario(slack: Slack) -> None:
        share = button(LINNEA, "samverkan.share", "sammanfattning arbetsgrupp",
                       response_url=fake.response_url("shared"))
        for _ in range(3):
            assert (await slack.interaction(share)).status == 200
        await fake.until(lambda: bool(fake.responses("shared")), "the confirmation")
        await asyncio.sleep(0.5)  # time for a second post that must not come

    drive(runtime, fake, scenario)
    assert len(fake.posted(ARBETS)) == 1
    assert "Länsgemensam arbetsgrupp" in texts(fake.posted(ARBETS)[0].body["blocks"])
    assert len(fake.responses("shared")) == 1
