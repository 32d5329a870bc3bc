"""What the reminder tests share: a recording messenger, a flaky database, outbox reading."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.messages import Reply
from scheduler.messenger import Target
from storage.models_reminders import OutboxDelivery
from storage.repositories import SqlStore, StoreFactory

# Raises to simulate what the platform answers; called before the message "arrives".
Behaviour = Callable[[Target, Reply], None]


@dataclass(frozen=True)
class Sent:
    target: Target
    reply: Reply

    @property
    def identity(self) -> tuple[str, str, str]:
        """What a person in the channel would see as one message."""

        return (self.target.kind, self.target.address, self.reply.plain_text())


class Recorder:
    """A `Messenger` that remembers what arrived (and what was only attempted)."""

    min_interval = 0.0

    def __init__(self, platform: str = "log", behaviour: Behaviour | None = None) -> None:
        self.platform = platform
        self.behaviour = behaviour
        self.attempts: list[Sent] = []
        self.sent: list[Sent] = []
        self._lock = threading.Lock()

    def prepare(self, target: Target) -> Target:
        return target.routed(target.address)

    def send(self, target: Target, reply: Reply) -> None:
        with self._lock:
            self.attempts.append(Sent(target, reply))
        if self.behaviour is not None:
            self.behaviour(target, reply)
        with self._lock:
            self.sent.append(Sent(target, reply))

    def identities(self) -> Counter[tuple[str, str, str]]:
        return Counter(s.identity for s in self.sent)

    def to(self, address: str) -> list[Sent]:
        return [s for s in self.sent if s.target.address == address]


def unreachable() -> OperationalError:
    return OperationalError(
        "SELECT 1", {}, ConnectionRefusedError("connection to 127.0.0.1:5432 refused")
    )


class FlakyStores:
    """A `StoreFactory` whose database cannot be reached on the calls `fails` picks.

    `fails(n)` gets the 1-based number of the call and answers None (works), "enter" (the
    connection fails before anything is done) or "exit" (the work is done but the commit
    fails, so it is rolled back).
    """

    def __init__(self, inner: StoreFactory, fails: Callable[[int], str | None]) -> None:
        self.inner = inner
        self.engine = inner.engine
        self.clock = inner.clock
        self.fails = fails
        self.calls = 0

    @contextmanager
    def __call__(self) -> Iterator[SqlStore]:
        self.calls += 1
        mode = self.fails(self.calls)
        if mode == "enter":
            raise unreachable()
        with self.inner() as store:
            yield store
            if mode == "exit":
                raise unreachable()


def outbox(engine: Engine) -> dict[str, OutboxDelivery]:
    with Session(engine, expire_on_commit=False) as session:
        rows = session.scalars(select(OutboxDelivery).order_by(OutboxDelivery.id)).all()
        session.expunge_all()
    return {row.key: row for row in rows}


def statuses(engine: Engine) -> dict[str, str]:
    return {key: row.status for key, row in outbox(engine).items()}


def clear_outbox(engine: Engine) -> None:
    with Session(engine) as session:
        session.query(OutboxDelivery).delete()
        session.commit()


def local(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    assert parsed.tzinfo is not None
    return parsed


# One small group whose meetings sit next to the summer-time changes of 2026 and 2027, with the
# example's invented people. Its reminders (4, 2 and 1 working day before) fall on the working
# days around each change; see test_dst_ticks for the times, worked out by hand.
SOMMARTID_CONFIG = """\
administrators = ["johan.wikstrom"]

[[organisations]]
id = "vgr"
name = "Västra Götalandsregionen"
short_name = "VGR"

[[people]]
id = "johan.wikstrom"
name = "Johan Wikström"
organisation = "vgr"
email = "johan.wikstrom@vgregion.example"

[[people]]
id = "sofia.marklund"
name = "Sofia Marklund"
organisation = "vgr"
email = "sofia.marklund@vgregion.example"
language = "en"

[[people]]
id = "cecilia.akerblom"
name = "Cecilia Åkerblom"
organisation = "vgr"
email = "cecilia.akerblom@vgregion.example"

[[terms]]
id = "vt2026"
kind = "vt"
start = 2026-01-12
end = 2026-06-12

[[terms]]
id = "ht2026"
kind = "ht"
start = 2026-08-17
end = 2026-12-18

[[terms]]
id = "vt2027"
kind = "vt"
start = 2027-01-11
end = 2027-06-11

[[terms]]
id = "ht2027"
kind = "ht"
start = 2027-08-16
end = 2027-12-17

[[groups]]
id = "sommartid"
name = "Arbetsgruppen kring sommartiden"
short_name = "Sommartid"
members = [
    { person = "johan.wikstrom" },
    { person = "sofia.marklund" },
    { person = "cecilia.akerblom", role = "chef" },
]

[groups.channels]
slack = "C0SOMMAR01"

[[groups.series]]
id = "kring-omstallningen"
dates = [2026-03-31, 2026-10-27, 2027-03-30, 2027-03-31, 2027-11-02]
start_time = "10:00"
duration_minutes = 60
location = "Rum 1"

[groups.series.reminders]
update_request_days_before = 4
nudge_days_before = 2
convener_working_days_before = 1

[groups.rotation]
per = "term"
order = ["vgr"]
representatives = [{ organisation = "vgr", person = "johan.wikstrom" }]

[plan]
title = "Plan"
year = 2026
goal_areas = [{ code = "GS", title = "Genomförande" }]
"""


def sync_text(engine: Engine, text: str) -> None:
    from domain.config import load_config_text
    from storage.sync import sync_config

    loaded = load_config_text(text)
    assert loaded.config is not None, loaded.problems
    with Session(engine) as session:
        sync_config(session, loaded.config)
        session.commit()
