"""The Events API: `url_verification`, and events the bot does not use, acknowledged all the same.

Slack expects 200 within three seconds for every event it delivers; otherwise it retries, and
after enough failures it switches the app's event subscription off. The bot subscribes to
`app_home_opened` only (the Home tab: test_home.py), but a workspace administrator may add
others, and Slack sends some whatever the subscription (`app_uninstalled`, `tokens_revoked`).
The events are shaped as in Slack's Events API reference.
"""

from __future__ import annotations

import json
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
    home_opened,
    row_counts,
)
from tests.fakes.slack_api import BOT_USER_ID, TEAM_ID, FakeSlackApi

TS = "1780000000.000400"

UNUSED_EVENTS: dict[str, dict[str, Any]] = {
    "app_mention": {"type": "app_mention", "user": LINNEA, "text": f"<@{BOT_USER_ID}> status",
                    "ts": TS, "channel": ARBETS, "event_ts": TS},
    "message.im": {"type": "message", "channel": "D0FYR0002", "user": LINNEA,
                   "text": "hej, vilka möten har vi?", "ts": TS, "event_ts": TS,
                   "channel_type": "im"},
    "member_joined_channel": {"type": "member_joined_channel", "user": LINNEA,
                              "channel": ARBETS, "channel_type": "C", "team": TEAM_ID,
                              "inviter": "U0VGR0001", "event_ts": TS},
    "app_uninstalled": {"type": "app_uninstalled", "event_ts": TS},
    "tokens_revoked": {"type": "tokens_revoked",
                       "tokens": {"oauth": [LINNEA], "bot": [BOT_USER_ID]}, "event_ts": TS},
    "reaction_added": {"type": "reaction_added", "user": LINNEA, "reaction": "thumbsup",
                       "item_user": "U0VGR0001",
                       "item": {"type": "message", "channel": ARBETS, "ts": TS},
                       "event_ts": TS},
    "app_home_opened (messages tab)": {**home_opened(LINNEA), "tab": "messages"},
}


@pytest.mark.parametrize("name", list(UNUSED_EVENTS))
def test_an_event_the_bot_does_not_use_is_acknowledged_and_nothing_happens(
    runtime: Runtime, fake: FakeSlackApi, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    before = row_counts(runtime.engine)
    event = UNUSED_EVENTS[name]

    async def scenario(slack: Slack) -> tuple[Answer, Answer]:
        first = await slack.event(event, "Ev0UNUSED01")
        again = await slack.event(event, "Ev0UNUSED01", **{"X-Slack-Retry-Num": "1",
                                                           "X-Slack-Retry-Reason": "http_error"})
        return first, again

    with caplog.at_level(logging.DEBUG, logger="bot.slack"):
        first, again = drive(runtime, fake, scenario)
    for answer in (first, again):
        assert (answer.status, answer.text) == (200, "") and answer.seconds < ACK_LIMIT
    assert set(fake.counts()) <= {"auth.test"}  # nothing asked of Slack, nothing posted
    assert row_counts(runtime.engine) == before
    if event["type"] != "app_home_opened":
        noted = [r for r in caplog.records if r.getMessage() == "slack request not used"]
        assert [(r.levelno, r.kind) for r in noted] == [  # type: ignore[attr-defined]
            (logging.DEBUG, f"event_callback/{event['type']}")] * 2
        logged = "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
        assert "hej, vilka möten" not in logged and LINNEA not in logged


def test_the_request_url_is_verified_with_its_challenge(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    """What Slack sends when the request URL is entered in the app's settings."""

    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    body = json.dumps({"token": LEGACY_TOKEN, "challenge": challenge,
                       "type": "url_verification"})

    async def scenario(slack: Slack) -> Answer:
        return await slack.signed_post(body, "application/json")

    answer = drive(runtime, fake, scenario)
    assert answer.status == 200 and answer.json() == {"challenge": challenge}
