"""Reminders into Slack: `chat.postMessage` to channels and direct messages.

`prepare` opens a person's direct-message channel (`conversations.open`); `send` is the one
`chat.postMessage` that delivers the reminder, which the reminder service marks "sending" just
before. `min_interval` is Slack's pace, about one message a second per channel, which the
reminder service's delivery loop keeps. A 429 becomes `RateLimited` with Slack's
`Retry-After`, which the reminder service turns into a later retry of that one delivery, so one
busy channel never holds up the others or the chat commands. The messenger runs in the
reminder service's worker thread, never on the event loop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from app.messages import Reply
from bot.slack.blocks import reply_messages
from scheduler.messenger import PermanentSendError, RateLimited, Target, TransientSendError

# Slack allows about one message a second per channel (counted from the end of the last one).
SLACK_CHANNEL_INTERVAL = 1.0

TRANSIENT_ERRORS = {"ratelimited", "service_unavailable", "fatal_error", "internal_error",
                    "request_timeout"}


class SlackMessenger:
    platform = "slack"

    def __init__(
        self,
        client: WebClient,
        *,
        min_interval: float = SLACK_CHANNEL_INTERVAL,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.min_interval = min_interval
        self.sleep = sleep
        self._dm_channels: dict[str, str] = {}
        self._lock = threading.Lock()

    def prepare(self, target: Target) -> Target:
        """The channel to post in: a person's direct-message channel is opened here
        (`conversations.open`, remembered), so that `send` is the post alone."""

        if target.kind != "person":
            return target.routed(target.address)
        with self._lock:
            cached = self._dm_channels.get(target.address)
        if cached:
            return target.routed(cached)
        response = self._call(lambda: self.client.conversations_open(users=target.address))
        channel = str(response["channel"]["id"])
        with self._lock:
            self._dm_channels[target.address] = channel
        return target.routed(channel)

    def send(self, target: Target, reply: Reply) -> None:
        """`chat.postMessage`: one call for a reminder. A reply too long for one Slack message
        goes in parts, `min_interval` apart (the parts of one delivery; the pace between
        deliveries is the reminder service's)."""

        prepared = target if isinstance(target.route, str) else self.prepare(target)
        channel = str(prepared.route)
        for number, payload in enumerate(reply_messages(reply)):
            if number:
                self.sleep(self.min_interval)
            self._post(channel, payload)

    def _post(self, channel: str, payload: dict[str, Any]) -> None:
        self._call(lambda: self.client.chat_postMessage(channel=channel, **payload))

    @staticmethod
    def _call(request: Callable[[], Any]) -> Any:
        try:
            return request()
        except SlackApiError as error:
            status = error.response.status_code
            code = str(error.response.get("error", "unknown")) if error.response else "unknown"
            if status == 429:
                retry_after = float(error.response.headers.get("Retry-After", "1") or 1)
                raise RateLimited(retry_after, "slack_429") from None
            if status >= 500 or code in TRANSIENT_ERRORS:
                raise TransientSendError(f"slack_{code}") from None
            raise PermanentSendError(f"slack_{code}") from None
        except (OSError, TimeoutError) as error:
            raise TransientSendError(f"slack_{type(error).__name__}") from None
