"""Reminders follow the schedule and the people: cancelled and moved meetings, reminders
turned off, those who have reported, the longest lead times.

Runs on SQLite, and on PostgreSQL where it answers. Times and helpers: service_support.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.dispatch import Dispatcher
from app.messages import Command, Reply
from domain.config import Config, load_config_text
from domain.schedule import ScheduleChange
from handlers.commands import COMMANDS
from scheduler.messenger import (
    RateLimited,
    Target,
)
from storage.repositories import StoreFactory
from storage.sync import sync_config
from tests.conftest import EXAMPLE, FixedClock
from tests.scheduler.service_support import (
    ARBETS_MEETING,
    MON,
    SV,
    THU,
    make,
    run_at,
)
from tests.scheduler.support import (
    Recorder,
    local,
    statuses,
)

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
