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
import logging
import threading
import time as time_module
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.messages import Reply
from scheduler.messenger import (
    RateLimited,
    Target,
)
from scheduler.reminders import STALE_CLAIM, ReminderService
from scheduler.runner import Ticker
from storage.db import create_db_engine
from storage.models_reminders import OutboxDelivery
from storage.repositories import StoreFactory
from tests.conftest import FixedClock
from tests.scheduler.service_support import (
    HOUR,
    MON,
    NOV25,
    THU,
    assert_once_each,
    due_keys,
    make,
    run_at,
    run_at_once,
)
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
            for report in run_at_once(services, at):
                sent.extend(report.sent)
                missed.extend(report.missed)
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
        sent = [key for report in run_at_once(services, NOV25) for key in report.sent]
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
