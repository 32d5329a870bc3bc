"""The reminder service over the real storage: once, on time, through restarts and faults.

Runs on SQLite, and on PostgreSQL where it answers (`synced_engine`, the example configuration).
The clock is fixed and moved by hand; the messenger is a recorder written here. Times used:

- Thu 2026-09-03 09:00: Arbetsgruppen's update requests for Tue 8 Sep (channel, nine DMs,
  convener Malin Hedlund) — 11 deliveries;
- Mon 2026-09-07 09:00: the day-before reminder in Arbetsgruppen's channel and the nudges for
  Arbetsgruppen (Tue 8 Sep) and KF-gruppen (Wed 9 Sep) — 17 deliveries;
- Wed 2026-11-25 09:00 (winter time): day-before in Chefsgruppen's channel and two update
  requests in KF-gruppen's channel, plus DMs.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import logging
import threading
import time as time_module
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.dispatch import Dispatcher
from app.i18n import translator
from app.messages import Command, Reply
from domain.config import Config, load_config_text
from domain.schedule import ScheduleChange
from handlers.commands import COMMANDS
from scheduler.messenger import (
    ConsoleMessenger,
    LogMessenger,
    Messenger,
    PermanentSendError,
    RateLimited,
    Target,
    TransientSendError,
)
from scheduler.reminders import STALE_CLAIM, ReminderService
from scheduler.runner import Ticker
from storage.db import create_db_engine
from storage.models_reminders import OutboxDelivery
from storage.repositories import StoreFactory
from storage.sync import sync_config
from tests.conftest import EXAMPLE, FixedClock
from tests.scheduler.support import (
    SOMMARTID_CONFIG,
    FlakyStores,
    Recorder,
    Sent,
    clear_outbox,
    local,
    outbox,
    statuses,
    sync_text,
)

SV = translator("sv")
EN = translator("en")
THU = local("2026-09-03T09:00:00+02:00")
MON = local("2026-09-07T09:00:00+02:00")
NOV25 = local("2026-11-25T09:00:00+01:00")
ADMINS = {"johan.wikstrom", "malin.hedlund"}
ARBETS_MEETING = "manadsmote:2026-09-08"
HOUR = timedelta(hours=1)


@pytest.fixture
def stores(synced_engine: Engine, clock: FixedClock) -> StoreFactory:
    return StoreFactory(synced_engine, clock)


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


# --- exactly once ---------------------------------------------------------------------------


def test_each_delivery_is_sent_once_across_repeated_runs(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine
) -> None:
    recorder = Recorder()
    service = make(stores, recorder)
    expected = due_keys(service, MON)
    assert len(expected) == 17
    assert {k.split("|")[1] for k in expected} == {"day_before", "nudge_dm"}
    # Nothing is sent early.
    assert run_at(service, clock, MON - timedelta(seconds=1)).sent == []
    reports = [
        run_at(service, clock, at)
        for at in (MON, MON, MON + timedelta(seconds=20), MON + timedelta(hours=1),
                   MON + timedelta(hours=5), MON + timedelta(hours=23))
    ]
    assert set(reports[0].sent) == expected
    assert all(report.sent == [] for report in reports[1:])
    assert set(reports[1].skipped) >= expected
    assert_once_each(recorder, 17)
    assert statuses(synced_engine) == dict.fromkeys(expected, "sent")
    # The claim was made before sending, by this instance, at the tick's time.
    rows = outbox(synced_engine)
    assert {r.claimed_by for r in rows.values()} == {service.instance_id}
    assert {r.claimed_at for r in rows.values()} == {MON}


def test_two_instances_taking_turns_send_each_once(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine, database_url: str
) -> None:
    other_engine = create_db_engine(database_url)
    try:
        recorder = Recorder()
        a = make(stores, recorder, instance_id="bot-a")
        b = make(StoreFactory(other_engine, clock), recorder, instance_id="bot-b")
        expected = due_keys(a, THU) | due_keys(a, MON)
        sent: list[str] = []
        for at in (THU, THU + timedelta(seconds=10), MON, MON + timedelta(seconds=10),
                   MON + timedelta(seconds=20)):
            for service in (b, a) if at.second else (a, b):
                sent += run_at(service, clock, at).sent
        assert Counter(sent) == Counter(expected)
        assert_once_each(recorder, len(expected))
        wed = due_keys(a, local("2026-09-02T09:00:00+02:00"))  # a day old at THU: missed
        assert statuses(synced_engine) == {**dict.fromkeys(expected, "sent"),
                                           **dict.fromkeys(wed, "missed")}
    finally:
        other_engine.dispose()


def test_two_instances_running_at_the_same_time_send_each_once(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine, database_url: str
) -> None:
    other_engine = create_db_engine(database_url)
    try:
        slow = Recorder(behaviour=lambda _t, _r: time_module.sleep(0.002))
        services = [
            make(stores, slow, instance_id="bot-a"),
            make(StoreFactory(other_engine, clock), slow, instance_id="bot-b"),
        ]
        expected: set[str] = set()
        sent: list[str] = []
        missed: list[str] = []
        for at in (THU, MON, NOV25):
            clock.now = at
            expected |= due_keys(services[0], at)
            barrier = threading.Barrier(2, timeout=30)
            errors: list[BaseException] = []
            lock = threading.Lock()

            def work(service: ReminderService, at: datetime = at,
                     barrier: threading.Barrier = barrier,
                     errors: list[BaseException] = errors,
                     lock: threading.Lock = lock) -> None:
                try:
                    barrier.wait()
                    report = service.run_once(at)
                    with lock:
                        sent.extend(report.sent)
                        missed.extend(report.missed)
                except BaseException as error:
                    errors.append(error)

            threads = [threading.Thread(target=work, args=(s,)) for s in services]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert not any(thread.is_alive() for thread in threads)
            assert errors == []
        assert Counter(sent) == Counter(expected)
        assert_once_each(slow, len(expected))
        assert len(missed) == len(set(missed)) > 0
        assert statuses(synced_engine) == {**dict.fromkeys(expected, "sent"),
                                           **dict.fromkeys(missed, "missed")}
        # Both instances did part of the work (neither simply ran after the other).
        assert {r.claimed_by for r in outbox(synced_engine).values()} <= {"bot-a", "bot-b"}
    finally:
        other_engine.dispose()


def test_two_instances_at_once_keep_the_pace_of_each_channel(
    stores: StoreFactory, clock: FixedClock, database_url: str
) -> None:
    # KF-gruppen's channel gets two reminders at NOV25. An instance that finds a delivery
    # claimed by the other leaves that destination to it, so the channel's pace (one message
    # per `min_interval`) holds across instances, not only within one.
    arrivals: dict[str, list[float]] = {}
    lock = threading.Lock()

    def platform(target: Target, _reply: Reply) -> None:
        with lock:
            arrivals.setdefault(target.address, []).append(time_module.monotonic())
        time_module.sleep(0.01)

    paced = Recorder(behaviour=platform)
    paced.min_interval = 0.3  # type: ignore[attr-defined]
    other_engine = create_db_engine(database_url)
    try:
        services = [make(stores, paced, instance_id="bot-a"),
                    make(StoreFactory(other_engine, clock), paced, instance_id="bot-b")]
        clock.now = NOV25
        expected = due_keys(services[0], NOV25)
        barrier = threading.Barrier(2, timeout=30)
        sent: list[str] = []

        def work(service: ReminderService) -> None:
            barrier.wait()
            report = service.run_once(NOV25)
            with lock:
                sent.extend(report.sent)

        threads = [threading.Thread(target=work, args=(s,)) for s in services]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        other_engine.dispose()
    assert Counter(sent) == Counter(expected)
    assert_once_each(paced, len(expected))
    kf = arrivals["kf-arbetsgrupp"]
    assert len(kf) == 2 and kf[1] - kf[0] >= 0.3


def test_a_restart_sends_nothing_again(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine
) -> None:
    first = Recorder()
    sent = run_at(make(stores, first), clock, THU).sent
    assert len(sent) == 11
    before = statuses(synced_engine)
    # A new process: new service, new store factory, new messenger, same database.
    again = Recorder()
    restarted = make(StoreFactory(synced_engine, clock), again)
    for at in (THU + timedelta(minutes=1), THU + timedelta(minutes=11), THU + timedelta(hours=5)):
        report = run_at(restarted, clock, at)
        assert report.sent == [] and report.interrupted == [] and report.missed == []
    assert again.sent == []
    assert statuses(synced_engine) == before


# --- downtime and grace ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grace", "down_for", "outcome"),
    [
        (None, timedelta(hours=5, minutes=59), "sent"),
        (None, timedelta(hours=6, minutes=1), "missed"),
        (timedelta(hours=1), timedelta(minutes=59), "sent"),
        (timedelta(hours=1), timedelta(hours=1, minutes=1), "missed"),
    ],
)
def test_after_downtime_a_reminder_is_sent_within_grace_else_recorded_missed(
    stores: StoreFactory,
    clock: FixedClock,
    synced_engine: Engine,
    caplog: pytest.LogCaptureFixture,
    grace: timedelta | None,
    down_for: timedelta,
    outcome: str,
) -> None:
    # The bot ran until an hour before the update requests fell due, then was down.
    kwargs = {"grace": grace} if grace else {}
    run_at(make(stores, Recorder(), **kwargs), clock, THU - timedelta(hours=1))
    recorder = Recorder()
    restarted = make(StoreFactory(synced_engine, clock), recorder, **kwargs)
    expected = due_keys(restarted, THU)
    caplog.set_level(logging.WARNING, logger="scheduler.reminders")
    caplog.clear()
    first = run_at(restarted, clock, THU + down_for)
    if outcome == "sent":
        assert set(first.sent) == expected and first.missed == []
        assert_once_each(recorder, 11)
    else:
        assert set(first.missed) == expected and first.sent == []
        assert recorder.sent == []
        assert sum(r.getMessage() == "reminder missed" for r in caplog.records) == 11
    rows = {k: r for k, r in outbox(synced_engine).items() if k in expected}
    assert {k: r.status for k, r in rows.items()} == dict.fromkeys(expected, outcome)
    assert {r.finished_at for r in rows.values()} == {THU + down_for}
    # Later ticks change nothing: a missed reminder is never sent late.
    later = run_at(restarted, clock, THU + down_for + timedelta(minutes=20))
    assert later.sent == [] and later.missed == []
    assert len(recorder.sent) == (11 if outcome == "sent" else 0)
    with stores() as store:
        assert {row.status for row in store.outbox.log() if row.key in expected} == {outcome}


def test_a_long_downtime_sends_the_recent_and_records_the_older_as_missed(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine
) -> None:
    # Down from Tuesday 1 Sep evening until Thursday 3 Sep 13:00 (after 09:00, within grace).
    recorder = Recorder()
    service = make(stores, recorder)
    wed = local("2026-09-02T09:00:00+02:00")
    older, recent = due_keys(service, wed), due_keys(service, THU)
    assert older and recent
    report = run_at(service, clock, local("2026-09-03T13:00:00+02:00"))
    assert set(report.sent) == recent
    assert set(report.missed) == older
    assert_once_each(recorder, len(recent))
    assert statuses(synced_engine) == {**dict.fromkeys(older, "missed"),
                                       **dict.fromkeys(recent, "sent")}


# --- crashes -------------------------------------------------------------------------------


class Crash(BaseException):
    """What a kill looks like from inside: nothing after it runs."""


@pytest.mark.parametrize(
    "how",
    ["in_send_before_arrival", "in_send_after_arrival", "after_send_before_mark",
     "keyboard_interrupt", "system_exit"],
)
def test_a_crash_between_claim_and_mark_leads_to_at_most_one_message(
    stores: StoreFactory,
    clock: FixedClock,
    synced_engine: Engine,
    caplog: pytest.LogCaptureFixture,
    how: str,
) -> None:
    channel = Recorder()  # everything that reaches people, across both "processes"
    crashed: list[tuple[str, str, str]] = []

    def crash_in_send(target: Target, reply: Reply) -> None:
        if crashed:
            return
        identity = (target.kind, target.address, reply.plain_text())
        crashed.append(identity)
        if how in ("in_send_after_arrival", "keyboard_interrupt", "system_exit"):
            channel.sent.append(Sent(target, reply))
        raise {"keyboard_interrupt": KeyboardInterrupt, "system_exit": SystemExit}.get(
            how, Crash)()

    first = Recorder(behaviour=None if how == "after_send_before_mark" else crash_in_send)
    # One sending thread: exactly one delivery is between claim and mark when it dies (with
    # more, up to `claim_capacity` are; test_a_crash_with_concurrent_sending covers that).
    service = make(stores, first, workers=1)
    if how == "after_send_before_mark":
        def finish_then_die(*_args: object, **_kwargs: object) -> None:
            # The mark of the first delivery sent: the process dies there (the loop tries
            # the mark once more as it unwinds, which dies the same way).
            if not crashed:
                crashed.append(first.sent[-1].identity)
            raise Crash()

        service._mark_sent = finish_then_die  # type: ignore[method-assign]
    clock.now = MON
    expected = due_keys(service, MON)
    with pytest.raises((Crash, KeyboardInterrupt, SystemExit)):
        service.run_once()
    channel.sent.extend(first.sent)
    [victim] = [k for k, s in statuses(synced_engine).items() if s == "sending"]
    assert len(crashed) == 1

    # Restart a minute later: everything else goes out; the cut-off delivery does not.
    after = Recorder()
    restarted = make(StoreFactory(synced_engine, clock), after)
    report = run_at(restarted, clock, MON + timedelta(minutes=1))
    assert victim not in report.sent and victim in report.skipped
    assert statuses(synced_engine)[victim] == "sending"
    # Once the claim is older than STALE_CLAIM, the log says what happened; still no resend.
    caplog.set_level(logging.WARNING, logger="scheduler.reminders")
    assert run_at(restarted, clock, MON + STALE_CLAIM).interrupted == []
    late = run_at(restarted, clock, MON + STALE_CLAIM + timedelta(minutes=1))
    assert late.interrupted == [victim] and late.sent == []
    assert [r.getMessage() for r in caplog.records] == [
        "reminder delivery interrupted; not sent again"
    ]
    row = outbox(synced_engine)[victim]
    assert row.status == "interrupted" and row.last_error
    with stores() as store:
        assert {r.key: r.status for r in store.outbox.log()}[victim] == "interrupted"
    run_at(restarted, clock, MON + timedelta(hours=2))
    channel.sent.extend(after.sent)
    counts = channel.identities()
    assert counts[crashed[0]] <= 1
    assert [i for i, n in counts.items() if n > 1] == []
    arrived = 1 if how != "in_send_before_arrival" else 0
    assert len(channel.sent) == len(expected) - 1 + arrived
    assert set(statuses(synced_engine).values()) == {"sent", "interrupted"}


def test_a_killed_process_leaves_a_sending_row_that_becomes_interrupted(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = Recorder()
    service = make(stores, recorder, instance_id="bot-b")
    victim = next(d for d in service.due(MON) if d.reminder.recipient == "channel")
    r = victim.reminder
    # What a process killed right after its claim leaves behind.
    with Session(synced_engine) as session:
        session.add(OutboxDelivery(
            key=victim.key, reminder_key=r.key, rule=r.rule, group_id=r.group_id,
            series_id=r.series_id, meeting_id=r.meeting_id, meeting_start=r.meeting_start,
            recipient=r.recipient, platform=victim.platform, due_at=r.due_at,
            status="sending", attempts=0, claimed_by="bot-a", claimed_at=MON, last_error="",
        ))
        session.commit()
    caplog.set_level(logging.WARNING, logger="scheduler.reminders")
    first = run_at(service, clock, MON + timedelta(seconds=20))
    assert victim.key in first.skipped and len(first.sent) == 16
    assert run_at(service, clock, MON + STALE_CLAIM).interrupted == []
    assert statuses(synced_engine)[victim.key] == "sending"
    late = run_at(service, clock, MON + STALE_CLAIM + timedelta(seconds=1))
    assert late.interrupted == [victim.key] and late.sent == []
    assert statuses(synced_engine)[victim.key] == "interrupted"
    assert "reminder delivery interrupted; not sent again" in caplog.messages
    assert recorder.to("arbetsgrupp") == []
    assert_once_each(recorder, 16)


# --- platform errors ------------------------------------------------------------------------


def test_rate_limited_is_retried_after_retry_after_and_sent_once(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine
) -> None:
    answered_429 = []

    def limit_channel_once(target: Target, _reply: Reply) -> None:
        if target.kind == "channel" and not answered_429:
            answered_429.append(clock.now)
            raise RateLimited(retry_after=30)

    recorder = Recorder(behaviour=limit_channel_once)
    service = make(stores, recorder)
    first = run_at(service, clock, MON)
    [key] = first.retrying
    assert len(first.sent) == 16  # the DMs were not held up
    row = outbox(synced_engine)[key]
    assert (row.status, row.attempts) == ("retry", 0)
    assert row.next_attempt_at == MON + timedelta(seconds=30)
    assert row.last_error == "rate_limited"
    for at in (MON + timedelta(seconds=1), MON + timedelta(seconds=29)):
        assert run_at(service, clock, at).sent == []
    assert len([a for a in recorder.attempts if a.target.kind == "channel"]) == 1
    assert run_at(service, clock, MON + timedelta(seconds=30)).sent == [key]
    assert run_at(service, clock, MON + timedelta(seconds=60)).sent == []
    assert len(recorder.to("arbetsgrupp")) == 1
    assert statuses(synced_engine)[key] == "sent"
    assert_once_each(recorder, 17)


def test_rate_limit_on_one_channel_does_not_hold_up_other_channels(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The platform limits KF-gruppen's channel for 45 s; Chefsgruppen's is fine.
    limited_until = {"kf-arbetsgrupp": NOV25 + timedelta(seconds=45)}

    def platform(target: Target, _reply: Reply) -> None:
        until = limited_until.get(target.address)
        if until and clock.now < until:
            raise RateLimited(retry_after=(until - clock.now).total_seconds())

    def no_sleeping(_seconds: float) -> None:
        raise AssertionError("the reminder service must not sleep on a 429")

    monkeypatch.setattr(time_module, "sleep", no_sleeping)
    recorder = Recorder(behaviour=platform)
    service = make(stores, recorder)
    expected = due_keys(service, NOV25)
    first = run_at(service, clock, NOV25)
    kf = {k for k in expected if k.startswith(("varannan-vecka", "med-forbundscheferna"))
          and "|channel|" in k}
    assert len(kf) == 2 and set(first.retrying) == kf
    assert set(first.sent) == expected - kf
    assert len(recorder.to("chefsgrupp")) == 1
    assert recorder.to("kf-arbetsgrupp") == []
    rows = outbox(synced_engine)
    assert {rows[k].next_attempt_at for k in kf} == {NOV25 + timedelta(seconds=45)}

    def kf_attempts() -> int:
        return len([a for a in recorder.attempts if a.target.address == "kf-arbetsgrupp"])

    tried = kf_attempts()
    assert tried == 2
    for seconds in (10, 30, 44):
        assert run_at(service, clock, NOV25 + timedelta(seconds=seconds)).sent == []
    assert kf_attempts() == tried  # Retry-After was honoured: no knocking before 45 s
    assert set(run_at(service, clock, NOV25 + timedelta(seconds=45)).sent) == kf
    assert len(recorder.to("kf-arbetsgrupp")) == 2
    assert_once_each(recorder, len(expected))


def test_a_short_rate_limit_is_waited_out_within_the_tick_in_order_and_once(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine
) -> None:
    # KF-gruppen's channel gets two update requests; the platform answers the first with
    # 429 (Retry-After 0.2 s) twice. Short waits are waited out inside the tick: both go out
    # in the planned order, nothing is left for a later tick, nothing twice.
    refusals = []

    def platform(target: Target, _reply: Reply) -> None:
        if target.address == "kf-arbetsgrupp" and len(refusals) < 2:
            refusals.append(time_module.monotonic())
            raise RateLimited(retry_after=0.2)

    recorder = Recorder(behaviour=platform)
    service = make(stores, recorder)
    expected = due_keys(service, NOV25)
    planned = [d.key for d in service.due(NOV25) if "|channel|" in d.key
               and d.key.startswith(("varannan-vecka", "med-forbundscheferna"))]
    report = run_at(service, clock, NOV25)
    assert report.retrying == [] and set(report.sent) == expected
    kf = [a for a in recorder.attempts if a.target.address == "kf-arbetsgrupp"]
    assert len(kf) == 4
    assert kf[0].reply.plain_text() == kf[1].reply.plain_text() == kf[2].reply.plain_text()
    assert [s.reply.plain_text() for s in recorder.to("kf-arbetsgrupp")] == [
        kf[2].reply.plain_text(), kf[3].reply.plain_text()]
    assert refusals[1] - refusals[0] >= 0.2  # Retry-After was honoured
    assert {statuses(synced_engine)[k] for k in planned} == {"sent"}
    assert_once_each(recorder, len(expected))


def test_a_rate_limit_that_persists_in_the_tick_is_left_to_the_retries(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine
) -> None:
    def platform(target: Target, _reply: Reply) -> None:
        if target.address == "kf-arbetsgrupp":
            raise RateLimited(retry_after=0.05)

    recorder = Recorder(behaviour=platform)
    service = make(stores, recorder)
    report = run_at(service, clock, NOV25)
    assert len(report.retrying) == 2
    kf = [a for a in recorder.attempts if a.target.address == "kf-arbetsgrupp"]
    # Each is tried once and held three times in the tick (MAX_INLINE_TRIES), then recorded.
    assert len(kf) == 2 * 4
    rows = outbox(synced_engine)
    assert {rows[k].status for k in report.retrying} == {"retry"}


@pytest.mark.parametrize("max_attempts", [5, 2])
def test_transient_errors_back_off_then_fail_and_every_administrator_is_told(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine, max_attempts: int
) -> None:
    def channel_down(target: Target, _reply: Reply) -> None:
        if target.kind == "channel":
            raise TransientSendError("timeout")

    recorder = Recorder(behaviour=channel_down)
    service = make(stores, recorder, max_attempts=max_attempts)
    clock.now = MON
    [key] = [k for k in due_keys(service, MON) if "|channel|" in k]

    def channel_attempts() -> int:
        return len([a for a in recorder.attempts if a.target.kind == "channel"])

    run_at(service, clock, MON)
    tried_at = [MON]
    for _ in range(max_attempts + 2):
        row = outbox(synced_engine)[key]
        if row.status != "retry":
            break
        assert row.attempts == len(tried_at) and row.next_attempt_at is not None
        # A tick a second early does not try again; the tick at the time does.
        run_at(service, clock, row.next_attempt_at - timedelta(seconds=1))
        assert channel_attempts() == len(tried_at)
        run_at(service, clock, row.next_attempt_at)
        tried_at.append(row.next_attempt_at)
        assert channel_attempts() == len(tried_at)
    for extra in (timedelta(minutes=30), timedelta(hours=5)):
        run_at(service, clock, MON + extra)
    assert channel_attempts() == max_attempts == len(tried_at)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(tried_at)]
    assert gaps == [30, 60, 120, 240][: max_attempts - 1]
    row = outbox(synced_engine)[key]
    assert (row.status, row.attempts, row.last_error) == ("failed", max_attempts, "timeout")
    alerts = [s for s in recorder.sent if s.target.kind == "person" and is_alert(s.reply)]
    assert {s.target.person_id for s in alerts} == ADMINS
    assert len(alerts) == len(ADMINS)
    assert alerts[0].reply.plain_text() == SV(
        "reminder.failed_alert",
        group="Länsgemensam arbetsgrupp psykisk hälsa och suicidprevention",
        rule=SV("reminder.rule.day_before"),
        code="timeout",
    )
    assert recorder.to("arbetsgrupp") == []


def test_a_permanent_error_fails_at_once_and_tells_the_administrators(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine
) -> None:
    def bot_removed(target: Target, _reply: Reply) -> None:
        if target.kind == "channel":
            raise PermanentSendError("channel_not_found")

    recorder = Recorder(behaviour=bot_removed)
    service = make(stores, recorder)
    report = run_at(service, clock, MON)
    [key] = report.failed
    assert "|channel|" in key and len(report.sent) == 16
    row = outbox(synced_engine)[key]
    assert (row.status, row.last_error) == ("failed", "channel_not_found")
    for at in (MON + timedelta(minutes=1), MON + timedelta(hours=1)):
        run_at(service, clock, at)
    assert len([a for a in recorder.attempts if a.target.kind == "channel"]) == 1
    alerts = [s for s in recorder.sent if is_alert(s.reply)]
    assert sorted(s.target.person_id or "" for s in alerts) == sorted(ADMINS)
    assert all("channel_not_found" in s.reply.plain_text() for s in alerts)


def test_an_alert_that_cannot_be_delivered_crashes_nothing(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine
) -> None:
    def nothing_works(_target: Target, _reply: Reply) -> None:
        raise PermanentSendError("bot_removed")

    service = make(stores, Recorder(behaviour=nothing_works))
    report = run_at(service, clock, MON)
    assert len(report.failed) == 17
    assert set(statuses(synced_engine).values()) == {"failed"}


# --- the database away ------------------------------------------------------------------------


def test_an_unreachable_database_claims_nothing_and_the_reminders_go_out_once_it_is_back(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    down = [True]
    flaky = FlakyStores(stores, lambda _n: "enter" if down[0] else None)
    recorder = Recorder()
    service = make(flaky, recorder)
    expected = due_keys(make(stores, Recorder()), THU)
    # While it is away, from before the reminders fell due until two hours after: every tick
    # fails as a whole and nothing is claimed or sent.
    for minutes in range(-10, 121, 10):
        clock.now = THU + timedelta(minutes=minutes)
        with pytest.raises(OperationalError):
            service.run_once()
    # The scheduler's tick survives it (and logs it).
    caplog.set_level(logging.ERROR, logger="scheduler.runner")
    asyncio.run(Ticker([service.run_once], 20).tick())
    assert "tick work failed" in caplog.messages
    assert outbox(synced_engine) == {} and recorder.attempts == []
    down[0] = False
    report = run_at(service, clock, THU + timedelta(hours=2, minutes=10))
    assert set(report.sent) == expected
    run_at(service, clock, THU + timedelta(hours=2, minutes=30))
    assert_once_each(recorder, len(expected))
    wed = due_keys(service, local("2026-09-02T09:00:00+02:00"))  # more than 6 h late by now
    assert statuses(synced_engine) == {**dict.fromkeys(expected, "sent"),
                                       **dict.fromkeys(wed, "missed")}


def test_a_database_outage_mid_tick_leaves_nothing_claimed_for_good(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine
) -> None:
    """Claims are made ahead in batches and marks are written in batches: when the database
    goes away after a batch was claimed, the claims not yet sent and the sends not yet marked
    are settled by the same service's next tick, so every reminder goes out once and none is
    left "interrupted" (that is only for a process that died)."""

    down = threading.Event()
    flaky = FlakyStores(stores, lambda _n: "enter" if down.is_set() else None)

    class OutageAfterSecondClaim(ReminderService):
        claims = 0

        def _claim(self, deliveries, now):  # type: ignore[no-untyped-def]
            won = super()._claim(deliveries, now)
            OutageAfterSecondClaim.claims += 1
            if OutageAfterSecondClaim.claims == 2:
                down.set()
            return won

    recorder = Recorder(behaviour=lambda _t, _r: time_module.sleep(0.05))
    recorder.min_interval = 0.5  # type: ignore[attr-defined]  # paced like Slack, faster
    service = OutageAfterSecondClaim(flaky, {"log": recorder}, clock, workers=4)  # type: ignore[arg-type]
    expected = due_keys(service, MON)
    clock.now = MON
    with pytest.raises(OperationalError):
        service.run_once()
    # Left "claimed" (claims not yet sent) or "sending" (sends not yet marked): which of the
    # two depends on how far the sending threads got before the database failed a write; both
    # are settled by the next tick.
    assert {"claimed", "sending"} & set(statuses(synced_engine).values())
    down.clear()
    after = run_at(service, clock, MON + timedelta(minutes=1))
    assert after.failed == [] and after.interrupted == []
    assert run_at(service, clock, MON + STALE_CLAIM + timedelta(minutes=2)).interrupted == []
    assert set(statuses(synced_engine).values()) == {"sent"}
    assert set(statuses(synced_engine)) == expected
    assert_once_each(recorder, len(expected))


@pytest.mark.parametrize("scenario", ["first_send", "retry"])
def test_the_database_failing_at_any_single_step_duplicates_nothing_and_loses_nothing(
    engine: Engine, clock: FixedClock, scenario: str
) -> None:
    """Fault injection: the database fails at call k of a tick (before its work, or at its
    commit), for every k; the next ticks (within grace) must finish the job, once.

    "retry": the channel answered 429 on the first tick; the faults hit the tick that retries.
    """

    sync_text(engine, SOMMARTID_CONFIG)
    stores = StoreFactory(engine, clock)
    start = local("2026-03-30T09:00:00+02:00")  # the day-before (channel) and the convener
    at = start + timedelta(seconds=30) if scenario == "retry" else start

    def platform(target: Target, _reply: Reply) -> None:
        if scenario == "retry" and target.kind == "channel" and clock.now < at:
            raise RateLimited(retry_after=30)

    def setup() -> Recorder:
        clear_outbox(engine)
        recorder = Recorder(behaviour=platform)
        if scenario == "retry":
            assert len(run_at(make(stores, recorder, lookback=HOUR), clock, start).retrying) == 1
        return recorder

    counting = FlakyStores(stores, lambda _n: None)
    recorder = setup()
    run_at(make(counting, recorder, lookback=HOUR), clock, at)
    calls = counting.calls
    expected = set(statuses(engine))
    assert len(expected) == 2 and len(recorder.identities()) == 2
    assert set(statuses(engine).values()) == {"sent"}
    for mode in ("enter", "exit"):
        for k in range(1, calls + 1):
            recorder = setup()
            flaky = FlakyStores(stores, lambda n, k=k, mode=mode: mode if n == k else None)
            with pytest.raises(OperationalError):
                run_at(make(flaky, recorder, lookback=HOUR), clock, at)
            restarted = make(stores, recorder, lookback=HOUR)
            run_at(restarted, clock, at + timedelta(minutes=1))
            run_at(restarted, clock, at + STALE_CLAIM + timedelta(minutes=1))
            counts = recorder.identities()
            assert len(counts) == len(expected), (mode, k, statuses(engine))
            assert set(counts.values()) == {1}, (mode, k)
            assert set(statuses(engine)) == expected
            assert set(statuses(engine).values()) <= {"sent", "interrupted"}


# --- the schedule changes ----------------------------------------------------------------------


def change(stores: StoreFactory, kind: str, new_start: datetime | None = None) -> None:
    with stores() as store:
        store.calendar.add_change(
            "arbetsgrupp",
            ScheduleChange(kind=kind, meeting=ARBETS_MEETING, new_start=new_start),  # type: ignore[arg-type]
            actor_id="johan.wikstrom",
            reason="test",
        )


def arbets_keys(keys: list[str] | set[str]) -> set[str]:
    return {k for k in keys if k.startswith(ARBETS_MEETING)}


def test_a_cancelled_meeting_cancels_its_reminders(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine
) -> None:
    recorder = Recorder()
    service = make(stores, recorder)
    assert len(arbets_keys(run_at(service, clock, THU).sent)) == 11
    change(stores, "cancel")
    sent: list[str] = []
    for at in (MON, local("2026-09-08T10:30:00+02:00"), local("2026-09-08T12:00:00+02:00")):
        sent += run_at(service, clock, at).sent
    assert arbets_keys(sent) == set()
    assert len([k for k in sent if k.startswith("varannan-vecka:")]) == 8  # KF-gruppen's go out
    # Only the update request of before the cancellation reached Arbetsgruppen's channel.
    assert len(recorder.to("arbetsgrupp")) == 1
    assert not [k for k in statuses(synced_engine) if k.startswith(ARBETS_MEETING)
                and "|update_request" not in k and "|convener_prepare|" not in k]


def test_a_moved_meeting_moves_its_reminders(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine
) -> None:
    recorder = Recorder()
    service = make(stores, recorder)
    run_at(service, clock, THU)
    new_start = local("2026-09-15T10:00:00+02:00")
    change(stores, "move", new_start)
    assert arbets_keys(run_at(service, clock, MON).sent) == set()  # the old day-before: gone
    thu = run_at(service, clock, local("2026-09-10T09:00:00+02:00")).sent
    mon = run_at(service, clock, local("2026-09-14T09:00:00+02:00")).sent
    after = run_at(service, clock, local("2026-09-15T11:00:00+02:00")).sent
    moved = [k for k in thu + mon + after if k.startswith(ARBETS_MEETING)]
    assert moved and all(k.startswith(f"{ARBETS_MEETING}@2026-09-15|") for k in moved)
    assert {k.split("|")[1] for k in thu if k.startswith(ARBETS_MEETING)} == {
        "update_request", "update_request_dm", "convener_prepare"}
    assert {k.split("|")[1] for k in mon if k.startswith(ARBETS_MEETING)} == {
        "day_before", "nudge_dm"}
    assert [k.split("|")[1] for k in after if k.startswith(ARBETS_MEETING)] == ["after_meeting"]
    day_before = [s for s in recorder.to("arbetsgrupp") if "I morgon" in s.reply.plain_text()]
    assert len(day_before) == 1 and "15 sep" in day_before[0].reply.plain_text().lower()


@pytest.mark.parametrize("kind", ["cancel", "move"])
def test_a_retry_waiting_for_a_meeting_that_is_cancelled_or_moved_is_not_sent(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine, kind: str
) -> None:
    def limited(target: Target, _reply: Reply) -> None:
        if target.kind == "channel" and clock.now < MON + timedelta(seconds=30):
            raise RateLimited(retry_after=30)

    recorder = Recorder(behaviour=limited)
    service = make(stores, recorder)
    [key] = run_at(service, clock, MON).retrying
    change(stores, kind, local("2026-09-15T10:00:00+02:00") if kind == "move" else None)
    run_at(service, clock, MON + timedelta(seconds=30))
    # The channel hears of the change (the announcement), not the reminder for the old date.
    assert [s.reply.plain_text().startswith("📣") for s in recorder.to("arbetsgrupp")] == [True]
    assert statuses(synced_engine)[key] != "sent"


# --- people's own choice -----------------------------------------------------------------------


def test_reminders_off_through_the_dispatcher_stops_direct_messages_for_that_person(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine
) -> None:
    dispatcher = Dispatcher(stores, clock, COMMANDS)
    reply = dispatcher.handle(Command(platform="console", user_id="henrik.sjoberg",
                                      text="påminnelser av"))
    assert reply.plain_text() == SV("reminder.settings.off")
    recorder = Recorder()
    service = make(stores, recorder)
    thu = run_at(service, clock, THU).sent
    assert len(thu) == 10
    mon = run_at(service, clock, MON).sent
    assert len(mon) == 15
    assert [s for s in recorder.sent if s.target.person_id == "henrik.sjoberg"] == []
    assert not [k for k in statuses(synced_engine) if "henrik.sjoberg" in k]
    # Others still get theirs, and so does the channel.
    assert {s.target.person_id for s in recorder.sent} >= {"sofia.marklund", "emma.falk", None}
    # On again: the next reminders reach him.
    reply = dispatcher.handle(Command(platform="console", user_id="henrik.sjoberg",
                                      text="påminnelser på"))
    assert reply.plain_text() == SV("reminder.settings.on")
    nudges = run_at(service, clock, local("2026-09-21T09:00:00+02:00")).sent
    assert [k for k in nudges if "henrik.sjoberg" in k] == [
        "varannan-vecka:2026-09-23@2026-09-23|nudge_dm|person:henrik.sjoberg|log"]


def test_members_who_have_reported_since_the_last_meeting_get_no_request(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine
) -> None:
    from storage.models_updates import Update

    def update(uid: str, author: str, at: str, *, withdrawn: bool = False) -> Update:
        when = local(at)
        return Update(uid=uid, activity_code="VIP-1", group_id="arbetsgrupp", author_id=author,
                      created_at=when, updated_at=when, status="pagar", summary="Införande",
                      withdrawn=withdrawn)

    # Arbetsgruppen last met on Tue 9 June 2026.
    with Session(synced_engine) as session:
        session.add_all([
            update("u1", "therese.lund", "2026-09-01T10:00:00+02:00"),
            update("u2", "emma.falk", "2026-09-01T10:00:00+02:00", withdrawn=True),
            update("u3", "amir.haddad", "2026-06-01T10:00:00+02:00"),  # before that meeting
        ])
        session.commit()
    recorder = Recorder()
    sent = run_at(make(stores, recorder), clock, THU).sent
    dms = {k.split("|")[2] for k in sent if "|update_request_dm|" in k}
    assert "person:therese.lund" not in dms
    assert {"person:emma.falk", "person:amir.haddad"} <= dms
    assert len(dms) == 8


# --- long lead times ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "meeting_day", "rule", "recipient"),
    [
        ("update_request_days_before = 60", "2026-11-10", "update_request", "channel"),
        ("convener_working_days_before = 30", "2027-01-12", "convener_prepare",
         "person:amir.haddad"),
    ],
)
def test_reminders_with_the_longest_lead_times_the_configuration_allows_go_out(
    engine: Engine, clock: FixedClock, setting: str, meeting_day: str, rule: str,
    recipient: str,
) -> None:
    text = EXAMPLE.read_text("utf-8")
    key_name = setting.split(" =")[0]
    old = next(line for line in text.splitlines() if line.startswith(f"{key_name} ="))
    loaded = load_config_text(text.replace(old, setting, 1))
    assert loaded.config is not None, loaded.problems
    config: Config = loaded.config
    with Session(engine) as session:
        sync_config(session, config)
        session.commit()
    from app.schedule_text import schedule_of
    from domain.reminders import ReminderRules, due_at

    stores = StoreFactory(engine, clock)
    with stores() as store:
        [meeting] = [m for m in schedule_of(store, "arbetsgrupp")
                     if m.local_date.isoformat() == meeting_day]
        rules = store.reminders.rules("arbetsgrupp")["manadsmote"]
    assert isinstance(rules, ReminderRules)
    when = due_at(meeting, rule, rules)  # type: ignore[arg-type]
    assert when is not None and meeting.start - when > timedelta(days=45)
    recorder = Recorder()
    report = run_at(make(stores, recorder), clock, when)
    assert f"{meeting.id}@{meeting_day}|{rule}|{recipient}|log" in report.sent


# --- the doors ---------------------------------------------------------------------------------


def test_the_console_messenger_prints_each_reminder_once_in_the_readers_language(
    stores: StoreFactory, clock: FixedClock
) -> None:
    out = io.StringIO()
    service = make(stores, ConsoleMessenger(out))
    assert len(run_at(service, clock, THU).sent) == 11
    assert run_at(service, clock, THU + timedelta(minutes=1)).sent == []
    printed = out.getvalue()
    assert printed.count("[#Arbetsgruppen]") == 1
    assert SV("reminder.update_request.title", short="Arbetsgruppen") in printed
    assert printed.count(f"[{'Sofia Marklund'}]") == 1
    assert EN("reminder.update_request_dm.title", short="Arbetsgruppen") in printed
    assert printed.count(SV("reminder.update_request_dm.title", short="Arbetsgruppen")) == 8
    assert SV("reminder.convener_prepare.title", short="Arbetsgruppen") in printed


def test_the_log_messenger_records_without_content_or_personal_data(
    stores: StoreFactory, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    messenger = LogMessenger()
    caplog.set_level(logging.INFO, logger="scheduler.messenger")
    run_at(make(stores, messenger), clock, THU)
    assert len(messenger.sent) == 11
    records = [r for r in caplog.records if r.name == "scheduler.messenger"]
    assert len(records) == 11
    for record in records:
        text = record.getMessage() + repr(record.__dict__)
        for secret in ("Malin", "Hedlund", "malin.hedlund", "lägesrapport", "U0SKA0002"):
            assert secret not in text
    assert {r.__dict__["target_kind"] for r in records} == {"channel", "person"}


def test_a_tick_with_a_stubborn_platform_does_not_block_chat(
    stores: StoreFactory, clock: FixedClock
) -> None:
    """The tick runs off the event loop: a chat command is answered while a send hangs."""

    started, release = threading.Event(), threading.Event()
    on_the_loop: list[bool] = []

    def hanging(_target: Target, _reply: Reply) -> None:
        if started.is_set():
            return
        try:
            asyncio.get_running_loop()
            on_the_loop.append(True)
        except RuntimeError:
            pass
        started.set()
        release.wait(timeout=5)

    service = make(stores, Recorder(behaviour=hanging))
    clock.now = THU
    dispatcher = Dispatcher(stores, clock, COMMANDS)

    async def scenario() -> tuple[str, bool]:
        tick = asyncio.create_task(Ticker([service.run_once], 20).tick())
        for _ in range(1000):
            if started.is_set():
                break
            await asyncio.sleep(0.01)
        answer = dispatcher.handle(Command(platform="console", user_id="johan.wikstrom",
                                           text="påminnelser"))
        answered_while_hanging = not release.is_set()
        release.set()
        await asyncio.wait_for(tick, timeout=30)
        return answer.plain_text(), answered_while_hanging

    answer, answered_while_hanging = asyncio.run(scenario())
    assert answer == SV("reminder.settings.state_on")
    assert on_the_loop == [] and answered_while_hanging


def test_a_channel_still_rate_limited_after_the_grace_period_fails_and_is_reported(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine
) -> None:
    def always_limited(target: Target, _reply: Reply) -> None:
        if target.kind == "channel":
            raise RateLimited(retry_after=3600)

    recorder = Recorder(behaviour=always_limited)
    service = make(stores, recorder)
    [key] = run_at(service, clock, MON).retrying
    for hours in range(1, 6):
        assert run_at(service, clock, MON + timedelta(hours=hours)).retrying == [key]
    late = run_at(service, clock, MON + timedelta(hours=7))
    assert late.failed == [key]
    assert statuses(synced_engine)[key] == "failed"
    alerts = [s for s in recorder.sent if "kunde inte skickas" in s.reply.plain_text()
              or "could not be sent" in s.reply.plain_text()]
    assert alerts, "the administrators are told"
    assert run_at(service, clock, MON + timedelta(hours=8)).retrying == []


def test_an_unexpected_messenger_error_is_retried_not_left_hanging(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine
) -> None:
    calls = []

    def broken_once(target: Target, _reply: Reply) -> None:
        if target.kind == "channel" and not calls:
            calls.append(target)
            raise ValueError("a bug in a door")

    recorder = Recorder(behaviour=broken_once)
    service = make(stores, recorder)
    [key] = run_at(service, clock, MON).retrying
    assert outbox(synced_engine)[key].last_error == "ValueError"
    assert run_at(service, clock, MON + timedelta(seconds=30)).sent == [key]
    assert len(recorder.to("arbetsgrupp")) == 1
