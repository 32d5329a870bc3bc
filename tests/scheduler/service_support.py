"""What the reminder service's tests share: the times, a service on a recorder, the checks."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

from app.i18n import translator
from app.messages import Reply
from scheduler.messenger import (
    Messenger,
)
from scheduler.reminders import ReminderService, RunReport
from storage.repositories import StoreFactory
from tests.conftest import FixedClock
from tests.scheduler.support import (
    FlakyStores,
    Recorder,
    local,
)

SV = translator("sv")
EN = translator("en")
THU = local("2026-09-03T09:00:00+02:00")
MON = local("2026-09-07T09:00:00+02:00")
NOV25 = local("2026-11-25T09:00:00+01:00")
ADMINS = {"johan.wikstrom", "malin.hedlund"}
ARBETS_MEETING = "manadsmote:2026-09-08"
HOUR = timedelta(hours=1)


def make(stores: StoreFactory | FlakyStores, *messengers: Messenger,
         **kwargs: object) -> ReminderService:
    return ReminderService(
        stores,  # type: ignore[arg-type]
        {m.platform: m for m in messengers},
        stores.clock,
        **kwargs,  # type: ignore[arg-type]
    )


def due_keys(service: ReminderService, at: datetime) -> set[str]:
    """The deliveries that fall due exactly at `at` (not the older ones in the lookback)."""

    return {d.key for d in service.due(at) if d.reminder.due_at == at}


def run_at(service: ReminderService, clock: FixedClock, at: datetime):  # type: ignore[no-untyped-def]
    clock.now = at
    return service.run_once()


def assert_once_each(recorder: Recorder, expected: int) -> None:
    counts = recorder.identities()
    assert [i for i, n in counts.items() if n > 1] == []
    assert len(recorder.sent) == expected


def is_alert(sent_reply: Reply) -> bool:
    text = sent_reply.plain_text()
    return "samverkan reminders log" in text


def run_at_once(services: Sequence[ReminderService], at: datetime) -> list[RunReport]:
    """Each service's `run_once(at)` on a thread of its own, started at the same moment (two
    instances racing for the same deliveries); an error in any thread is raised here."""

    barrier = threading.Barrier(len(services), timeout=30)
    reports: list[RunReport] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(service: ReminderService) -> None:
        try:
            barrier.wait()
            report = service.run_once(at)
            with lock:
                reports.append(report)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(service,)) for service in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a run did not end"
    if errors:
        raise errors[0]
    return reports
