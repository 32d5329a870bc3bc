"""Reminders into Slack: `chat.postMessage` to channels and direct messages.

Paced to about one message a second per channel (Slack's limit for posting); a 429 becomes
`RateLimited` with Slack's `Retry-After`, which the reminder service turns into a later retry of
that one delivery, so one busy channel never holds up the others or the chat commands. The
messenger runs in the reminder service's worker thread, never on the event loop.
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
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.min_interval = min_interval
        self.monotonic = monotonic
        self.sleep = sleep
        self._last_post: dict[str, float] = {}
        self._dm_channels: dict[str, str] = {}
        self._lock = threading.Lock()

    def send(self, target: Target, reply: Reply) -> None:
        channel = self._dm_channel(target.address) if target.kind == "person" else target.address
        for payload in reply_messages(reply):
            self._pace(channel)
            try:
                self._post(channel, payload)
            finally:
                self._posted(channel)

    def _post(self, channel: str, payload: dict[str, Any]) -> None:
        self._call(lambda: self.client.chat_postMessage(channel=channel, **payload))

    def _pace(self, channel: str) -> None:
        with self._lock:
            wait = self._last_post.get(channel, -1e9) + self.min_interval - self.monotonic()
        if wait > 0:
            self.sleep(wait)

    def _posted(self, channel: str) -> None:
        # Counted from when Slack had answered the last one: it arrived before that, so the
        # next, which leaves after the wait, cannot land within one interval of it.
        with self._lock:
            self._last_post[channel] = self.monotonic()

    def _dm_channel(self, user_id: str) -> str:
        cached = self._dm_channels.get(user_id)
        if cached:
            return cached
        response = self._call(lambda: self.client.conversations_open(users=user_id))
        channel = str(response["channel"]["id"])
        self._dm_channels[user_id] = channel
        return channel

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
