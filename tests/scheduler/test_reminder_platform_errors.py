"""The reminder service and the platforms' errors: 429s, transient and permanent failures,
the administrators told, a stubborn platform that must not block chat.

Runs on SQLite, and on PostgreSQL where it answers. Times and helpers: service_support.py.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import logging
import threading
import time as time_module
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from app.dispatch import Dispatcher
from app.messages import Command, Reply
from handlers.commands import COMMANDS
from scheduler.messenger import (
    ConsoleMessenger,
    LogMessenger,
    PermanentSendError,
    RateLimited,
    Target,
    TransientSendError,
)
from scheduler.runner import Ticker
from storage.repositories import StoreFactory
from tests.conftest import FixedClock
from tests.scheduler.service_support import (
    ADMINS,
    EN,
    MON,
    NOV25,
    SV,
    THU,
    assert_once_each,
    due_keys,
    is_alert,
    make,
    run_at,
)
from tests.scheduler.support import (
    Recorder,
    outbox,
    statuses,
)

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
