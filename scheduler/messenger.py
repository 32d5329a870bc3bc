"""The `Messenger` port: how a reminder leaves the bot, one implementation per door.

A messenger works in two steps, so that the reminder service can record the moment a message
is handed to the platform: `prepare(target)` does everything before that (opening a direct
conversation, looking up where a channel lives) and answers the target with its `route` filled
in; `send(prepared, reply)` is then the one call that delivers the message. Both say how it went
by returning or by raising one of the errors below; the reminder service decides about
retries, so every door gets the same guarantees. `min_interval` is the platform's pace per
destination (seconds between two messages to one channel or person; 0: none), which the
service's delivery loop keeps: messengers do not pace reminders themselves. Messengers are
called from a worker thread, never on the event loop.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol, TextIO

from app.messages import Reply

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    kind: Literal["channel", "person"]
    platform: str
    # The platform's address: a channel id, a user id, a conversation reference key.
    address: str
    group_id: str | None = None
    person_id: str | None = None
    # A human label for the console ("#Arbetsgruppen", "Anna Berg"); never logged.
    label: str = ""
    # Where exactly the message goes, as the messenger's `prepare` found it (a Slack DM
    # channel, a Teams conversation reference); None until prepared.
    route: object = field(default=None, compare=False, repr=False)

    def routed(self, route: object) -> Target:
        return replace(self, route=route)


class SendError(Exception):
    """A delivery failed; `code` is safe to log (no message text, no personal data)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class RateLimited(SendError):
    def __init__(self, retry_after: float, code: str = "rate_limited") -> None:
        super().__init__(code)
        self.retry_after = retry_after


class TransientSendError(SendError):
    """Worth trying again later: timeouts, 5xx, connection errors."""


class PermanentSendError(SendError):
    """Trying again will not help: unknown channel, bot removed, bad request."""


class Messenger(Protocol):
    platform: str
    # Seconds between two messages to one destination (0: no limit).
    min_interval: float

    def prepare(self, target: Target) -> Target: ...

    def send(self, target: Target, reply: Reply) -> None: ...


class LocalMessenger:
    """What the local messengers share: nothing to prepare, no pace."""

    platform = "local"
    min_interval = 0.0

    def prepare(self, target: Target) -> Target:
        return target.routed(target.address)


class ConsoleMessenger(LocalMessenger):
    """Prints reminders in the terminal (the demo)."""

    platform = "console"

    def __init__(self, out: TextIO, heading: str = "") -> None:
        self.out = out
        self.heading = heading
        self._lock = threading.Lock()

    def send(self, target: Target, reply: Reply) -> None:
        with self._lock:
            print(f"\n[{target.label or target.address}] {self.heading}".rstrip(), file=self.out)
            print(reply.plain_text() + "\n", file=self.out, flush=True)


class LogMessenger(LocalMessenger):
    """Records what would be sent, without content or personal data (dry runs, cron checks)."""

    platform = "log"

    def __init__(self) -> None:
        self.sent: list[tuple[Target, Reply]] = []

    def send(self, target: Target, reply: Reply) -> None:
        self.sent.append((target, reply))
        log.info(
            "reminder delivered to log",
            extra={"target_kind": target.kind, "group": target.group_id},
        )
