"""Shortcuts: global ones (`shortcut`) and message shortcuts (`message_action`).

The bot defines none, but an administrator may add one to the app, or an old one may still be
in a person's menu: Slack shows an error to whoever used it unless it gets a 200 within three
seconds. Payloads shaped as in Slack's documentation and bolt-python's scenario tests.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.runtime import Runtime
from tests.bot.slack.support import (
    ACK_LIMIT,
    ARBETS,
    LEGACY_TOKEN,
    LINNEA,
    Answer,
    Slack,
    drive,
    row_counts,
)
from tests.fakes.slack_api import APP_ID, TEAM_ID, FakeSlackApi

TEAM = {"id": TEAM_ID, "domain": "samverkan-test"}

SHORTCUTS: dict[str, dict[str, Any]] = {
    "shortcut": {
        "type": "shortcut", "token": LEGACY_TOKEN, "action_ts": "1780000000.000500",
        "team": TEAM, "user": {"id": LINNEA, "username": "linnea", "team_id": TEAM_ID},
        "api_app_id": APP_ID, "callback_id": "samverkan.new_report",
        "trigger_id": "trigger.shortcut.1",
    },
    "message_action": {
        "type": "message_action", "token": LEGACY_TOKEN, "action_ts": "1780000000.000600",
        "team": TEAM, "user": {"id": LINNEA, "name": "linnea"}, "api_app_id": APP_ID,
        "channel": {"id": ARBETS, "name": "arbetsgruppen"},
        "callback_id": "samverkan.save_as_decision", "trigger_id": "trigger.shortcut.2",
        "message_ts": "1780000000.000300",
        "message": {"type": "message", "text": "Vi beslutar att anta indikatorerna.",
                    "user": "U0VGR0001", "ts": "1780000000.000300", "team": TEAM_ID},
        "response_url": "",
    },
}


@pytest.mark.parametrize("kind", list(SHORTCUTS))
def test_a_shortcut_is_acknowledged_and_nothing_happens(
    runtime: Runtime, fake: FakeSlackApi, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    before = row_counts(runtime.engine)

    async def scenario(slack: Slack) -> Answer:
        return await slack.interaction(SHORTCUTS[kind])

    with caplog.at_level(logging.DEBUG, logger="bot.slack"):
        ack = drive(runtime, fake, scenario)
    assert (ack.status, ack.text) == (200, "") and ack.seconds < ACK_LIMIT
    assert set(fake.counts()) <= {"auth.test"}
    assert row_counts(runtime.engine) == before
    assert [(r.levelno, r.kind) for r in caplog.records  # type: ignore[attr-defined]
            if r.getMessage() == "slack request not used"] == [(logging.DEBUG, kind)]
