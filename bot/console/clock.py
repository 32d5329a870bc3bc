"""The demo's own clock and the reminders it shows, so a whole meeting cycle fits in minutes."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TextIO

from app.i18n import Translator
from app.messages import Reply
from bot.console.render import render
from bot.runtime import Runtime
from domain.calendar import STOCKHOLM
from domain.dates import DateParseError, format_date_en, format_date_sv, parse_datetime
from scheduler.messenger import LocalMessenger, Target
from scheduler.reminders import ReminderService

_STEP = re.compile(r"^\+(\d{1,4})\s*(m|min|h|t|d|v|w)$")
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "t": "hours", "d": "days",
          "v": "weeks", "w": "weeks"}


@dataclass
class DemoClock:
    """Real time plus an offset the user moves forward; never backwards."""

    offset: timedelta = field(default_factory=timedelta)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self.offset

    def set(self, moment: datetime) -> None:
        with self._lock:
            self.offset = moment - datetime.now(UTC)

    def advance_to(self, moment: datetime) -> None:
        with self._lock:
            self.offset = max(self.offset, moment - datetime.now(UTC))


def parse_start(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=STOCKHOLM)


def parse_jump(text: str, now: datetime) -> datetime | None:
    """`+7d`, `+3h`, `+30m`, `+2v`, or a Swedish date and time (`2026-12-07 09:00`)."""

    text = text.strip().lower()
    step = _STEP.match(text)
    if step:
        return now + timedelta(**{_UNITS[step.group(2)]: int(step.group(1))})
    try:
        day, at = parse_datetime(text, today=now.astimezone(STOCKHOLM).date())
    except DateParseError:
        return None
    moment = datetime.combine(day, at or datetime.min.time(), tzinfo=STOCKHOLM)
    return moment if moment > now else None


class DemoMessenger(LocalMessenger):
    """Shows the demo person's own reminders and their groups' channel posts.

    Reminders to other people count as delivered (they are, to the demo's nobody) and are
    summed up in one line, so the terminal stays readable.
    """

    platform = "console"

    def __init__(self, out: TextIO, person_id: str, group_ids: set[str]) -> None:
        self.out = out
        self.person_id = person_id
        self.group_ids = group_ids
        self.others = 0
        self._lock = threading.Lock()

    def send(self, target: Target, reply: Reply) -> None:
        mine = target.person_id == self.person_id if target.kind == "person" else (
            target.group_id in self.group_ids
        )
        with self._lock:
            if not mine:
                self.others += 1
                return
            print(f"\n🔔 [{target.label}]", file=self.out)
            print(render(reply), file=self.out, flush=True)

    def take_others(self) -> int:
        with self._lock:
            count, self.others = self.others, 0
            return count


class DemoReminders:
    def __init__(self, runtime: Runtime, clock: DemoClock, messenger: DemoMessenger,
                 out: TextIO, t: Translator) -> None:
        self.runtime = runtime
        self.clock = clock
        self.messenger = messenger
        self.out = out
        self.t = t
        self._lock = threading.Lock()

    def _service(self, span: timedelta) -> ReminderService:
        # Jumping the clock is not downtime: everything due on the way is delivered.
        margin = span + timedelta(hours=1)
        return ReminderService(
            self.runtime.stores, {"console": self.messenger}, self.clock,
            grace=max(margin, timedelta(hours=6)), lookback=max(margin, timedelta(days=3)),
            default_language=self.runtime.settings.default_language, instance_id="demo",
        )

    def tick(self, span: timedelta = timedelta(0)) -> None:
        with self._lock:
            self._service(span).run_once(self.clock())
            others = self.messenger.take_others()
        if others:
            print(self.t("demo.others", count=others), file=self.out, flush=True)

    def jump(self, text: str) -> None:
        before = self.clock()
        target = parse_jump(text, before)
        if target is None:
            print(self.t("demo.clock.usage"), file=self.out, flush=True)
            return
        self.clock.advance_to(target)
        self.tick(target - before)
        print(self.t("demo.clock", now=self.now_text()), file=self.out, flush=True)

    def now_text(self) -> str:
        """The demo clock's time as the person reads it: `tis 8 dec 2026 09:30`."""

        local = self.clock().astimezone(STOCKHOLM)
        day = format_date_sv(local.date()) if self.t.language == "sv" else format_date_en(
            local.date()
        )
        return f"{day} {local:%H:%M}"
