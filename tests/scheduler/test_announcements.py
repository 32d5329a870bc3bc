"""Announcements and absence through the real dispatcher, storage and reminder outbox.

The same guarantees as the reminders (test_reminder_service, test_processes): each delivery
once across repeated ticks, two instances and a killed process; paced per channel; a 429
honoured. Runs on SQLite, and on PostgreSQL where it answers; the example configuration and
its invented people.

Times: an administrator (Johan Wikström) changes Arbetsgruppen's schedule on Tue 1 Sep 2026
at 10:00; Arbetsgruppen meets Tue 8 Sep, convened (HT 2026) by Skaraborg: Malin Hedlund,
who has no stand-in. GR's contact is Amir Haddad, stand-in Therese Lund.
"""

from __future__ import annotations

import time as time_module
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.dispatch import Dispatcher
from app.i18n import translator
from app.messages import Command, Reply
from handlers.commands import COMMANDS
from scheduler.messenger import RateLimited, Target
from scheduler.reminders import STALE_CLAIM, ReminderService
from storage.db import create_db_engine
from storage.repositories import StoreFactory
from tests.conftest import FixedClock
from tests.scheduler.service_support import run_at_once
from tests.scheduler.support import Recorder, local, outbox, statuses
from tests.scheduler.test_processes import finish, kill_when_hanging, lines, start_worker

SV = translator("sv")
TUE1 = local("2026-09-01T10:00:00+02:00")
THU = local("2026-09-03T09:00:00+02:00")
ADMIN = "johan.wikstrom"


@pytest.fixture
def stores(synced_engine: Engine, clock: FixedClock) -> StoreFactory:
    clock.now = TUE1
    return StoreFactory(synced_engine, clock)


def make(stores: StoreFactory, recorder: Recorder, **kwargs: object) -> ReminderService:
    return ReminderService(stores, {"log": recorder}, stores.clock, **kwargs)  # type: ignore[arg-type]


def say(stores: StoreFactory, person: str, text: str, language: str = "sv") -> Reply:
    dispatcher = Dispatcher(stores, stores.clock, COMMANDS)
    return dispatcher.handle(Command(platform="console", user_id=person, text=text,
                                     locale=language))


def announcements(keys: list[str] | set[str]) -> set[str]:
    return {k for k in keys if "|announce_change|" in k}


def test_a_cancellation_is_announced_once_in_the_channel_and_to_the_convener(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine
) -> None:
    recorder = Recorder()
    service = make(stores, recorder)
    service.run_once()  # what was due before the change
    reply = say(stores, ADMIN, "möte ställ-in 8/9 --grupp arbetsgrupp krockar med länsdagen")
    assert "inställt" in reply.plain_text()
    due = {d.key: d.reminder for d in service.due(TUE1) if d.reminder.rule == "announce_change"}
    assert {r.recipient for r in due.values()} == {"channel", "person:malin.hedlund"}
    sent = run(service, clock, TUE1 + timedelta(seconds=30))
    assert announcements(sent) == set(due)
    (channel,) = [s for s in recorder.sent if s.target.kind == "channel"]
    text = channel.reply.plain_text()
    assert text.startswith("📣 Arbetsgruppen: mötet tis 8 sep 2026") and "inställt" in text
    assert "krockar med länsdagen" in text
    (direct,) = [s for s in recorder.sent if s.target.person_id == "malin.hedlund"]
    assert SV("cycle.change.personal") in direct.reply.plain_text()
    # Once: later ticks (and a restart: a new service) send nothing again.
    for at in (TUE1 + timedelta(minutes=1), TUE1 + timedelta(hours=5)):
        assert announcements(run(service, clock, at)) == set()
    assert announcements(run(make(stores, recorder), clock, TUE1 + timedelta(hours=6))) == set()
    assert len(recorder.sent) == 2
    assert {statuses(synced_engine)[k] for k in due} == {"sent"}


def run(service: ReminderService, clock: FixedClock, at) -> list[str]:  # type: ignore[no-untyped-def]
    clock.now = at
    return service.run_once().sent


def test_a_new_convener_and_the_old_are_told_and_a_refused_change_announces_nothing(
    stores: StoreFactory, clock: FixedClock
) -> None:
    recorder = Recorder()
    service = make(stores, recorder)
    service.run_once()
    refused = say(stores, "linnea.ek", "sammankallande sätt 8/9 gr --grupp arbetsgrupp")
    assert refused.is_error
    assert [d for d in service.due(TUE1) if d.reminder.rule.startswith("announce")] == []
    say(stores, ADMIN, "sammankallande sätt 8/9 gr --grupp arbetsgrupp")
    recipients = {d.reminder.recipient for d in service.due(TUE1)
                  if d.reminder.rule == "announce_change"}
    assert recipients == {"channel", "person:malin.hedlund", "person:amir.haddad",
                          "person:therese.lund"}
    run(service, clock, TUE1 + timedelta(seconds=10))
    (channel,) = [s for s in recorder.sent if s.target.kind == "channel"]
    assert "GR är sammankallande tis 8 sep 2026" in channel.reply.plain_text()


def test_an_announcement_waits_out_a_429_and_goes_once(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine
) -> None:
    limited: list[object] = []

    def limit_channel_once(target: Target, _reply: Reply) -> None:
        if target.kind == "channel" and not limited:
            limited.append(clock.now)
            raise RateLimited(retry_after=30)

    recorder = Recorder(behaviour=limit_channel_once)
    service = make(stores, recorder)
    service.run_once()
    say(stores, ADMIN, "möte ställ-in 8/9 --grupp arbetsgrupp")
    at = TUE1 + timedelta(seconds=5)
    clock.now = at
    first = service.run_once()
    [key] = first.retrying
    assert "|announce_change|channel|" in key
    assert outbox(synced_engine)[key].next_attempt_at == at + timedelta(seconds=30)
    assert run(service, clock, at + timedelta(seconds=29)) == []
    assert run(service, clock, at + timedelta(seconds=30)) == [key]
    assert run(service, clock, at + timedelta(seconds=90)) == []
    assert len([s for s in recorder.sent if s.target.kind == "channel"]) == 1


def test_announcements_are_paced_per_channel(
    stores: StoreFactory, clock: FixedClock
) -> None:
    arrivals: list[float] = []

    def platform(target: Target, _reply: Reply) -> None:
        if target.kind == "channel":
            arrivals.append(time_module.monotonic())

    paced = Recorder(behaviour=platform)
    paced.min_interval = 0.3  # type: ignore[attr-defined]
    service = make(stores, paced)
    service.run_once()
    say(stores, ADMIN, "möte ställ-in 8/9 --grupp arbetsgrupp")
    say(stores, ADMIN, "möte ställ-in 13/10 --grupp arbetsgrupp")
    run(service, clock, TUE1 + timedelta(seconds=5))
    assert len(arrivals) == 2 and arrivals[1] - arrivals[0] >= 0.3


def test_two_instances_at_once_send_each_announcement_once(
    stores: StoreFactory, clock: FixedClock, database_url: str, synced_engine: Engine
) -> None:
    slow = Recorder(behaviour=lambda _t, _r: time_module.sleep(0.002))
    other = create_db_engine(database_url)
    try:
        services = [make(stores, slow, instance_id="bot-a"),
                    make(StoreFactory(other, clock), slow, instance_id="bot-b")]
        services[0].run_once()
        say(stores, ADMIN, "sammankallande sätt 8/9 gr --grupp arbetsgrupp")
        say(stores, ADMIN, "möte flytta 13/10 14/10 --grupp arbetsgrupp")
        at = TUE1 + timedelta(seconds=5)
        expected = {d.key for d in services[0].due(at)} - set(statuses(synced_engine))
        assert len(announcements(expected)) >= 6
        sent = [key for report in run_at_once(services, at) for key in report.sent]
    finally:
        other.dispose()
    assert Counter(sent) == Counter(expected)
    assert [i for i, n in slow.identities().items() if n > 1] == []


def test_a_bot_killed_while_announcing_sends_nothing_twice(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine, database_url: str,
    tmp_path: Path,
) -> None:
    make(stores, Recorder()).run_once()
    say(stores, ADMIN, "sammankallande sätt 8/9 gr --grupp arbetsgrupp")
    at = TUE1 + timedelta(seconds=5)
    to_send = {d.key for d in make(stores, Recorder()).due(at)} - set(statuses(synced_engine))
    assert len(announcements(to_send)) == 4
    out = tmp_path / "channel.txt"
    kill_when_hanging(start_worker(database_url, at, out, "bot-a", "--hang-after-first"), out)
    victim = Path(f"{out}.hanging").read_text("utf-8")
    at_kill = statuses(synced_engine)
    # The one in its send is "sending"; those claimed ahead and never handed over "claimed".
    assert [k for k, s in at_kill.items() if s == "sending"] == [victim]
    claimed = {k for k, s in at_kill.items() if s == "claimed"}
    restarted = finish(start_worker(database_url, at + timedelta(minutes=1), out, "bot-b"))
    assert set(restarted["sent"]) == to_send - claimed - {victim}
    later = finish(start_worker(database_url, at + STALE_CLAIM + timedelta(minutes=1), out,
                                "bot-c"))
    # Claims that never reached the platform go now; the one cut off in its send never again.
    assert later["interrupted"] == [victim] and set(later["sent"]) == claimed
    written = Counter(lines(out))
    assert set(written) == to_send and set(written.values()) == {1}


# --- absence -----------------------------------------------------------------------------------


def test_an_absent_convener_s_reminders_go_to_the_stand_in_who_is_told(
    stores: StoreFactory, clock: FixedClock
) -> None:
    recorder = Recorder()
    service = make(stores, recorder)
    say(stores, ADMIN, "sammankallande sätt 8/9 gr --grupp arbetsgrupp")
    service.run_once()
    clock.now = TUE1 + timedelta(minutes=5)
    reply = say(stores, "amir.haddad", "frånvaro 7/9 9/9")
    text = reply.plain_text()
    assert "Therese Lund är sammankallande i ditt ställe" in text
    notice = [d.reminder for d in service.due(clock.now) if d.reminder.rule == "absence_stand_in"]
    assert [r.recipient for r in notice] == ["person:therese.lund"]
    service.run_once()
    told = [s for s in recorder.sent if s.target.person_id == "therese.lund"
            and "frånvarande" in s.reply.plain_text()]
    assert len(told) == 1
    # Thursday: the convener's reminder is the stand-in's; Amir gets no reminder while away.
    thu = {d.reminder.rule + "|" + d.reminder.recipient for d in service.due(THU)
           if d.reminder.meeting_id == "manadsmote:2026-09-08" and d.reminder.due_at == THU}
    assert "convener_prepare|person:therese.lund" in thu
    assert not [k for k in thu if k.startswith("convener_prepare|person:amir")]
    later = [d.reminder for d in service.due(local("2026-09-08T10:00:00+02:00"))
             if d.reminder.rule == "after_meeting"
             and d.reminder.meeting_id == "manadsmote:2026-09-08"]
    assert [r.recipient for r in later] == ["person:therese.lund"]
    # Ended early: the reminders are his again.
    say(stores, "amir.haddad", "frånvaro av")
    thu = {d.reminder.recipient for d in service.due(THU)
           if d.reminder.rule == "convener_prepare"
           and d.reminder.meeting_id == "manadsmote:2026-09-08"}
    assert thu == {"person:amir.haddad"}


def test_without_a_stand_in_the_administrators_are_told_and_the_away_get_nothing(
    stores: StoreFactory, clock: FixedClock
) -> None:
    recorder = Recorder()
    service = make(stores, recorder)
    service.run_once()
    reply = say(stores, "malin.hedlund", "frånvaro 2/9 9/9")
    assert "Skaraborg har ingen ersättare" in reply.plain_text()
    # Five working days before Tue 8 Sep is Tue 1 Sep, passed: the administrators now.
    alerts = {d.reminder.recipient for d in service.due(clock.now)
              if d.reminder.rule == "absence_no_stand_in"}
    assert alerts == {"person:johan.wikstrom", "person:malin.hedlund"}
    run(service, clock, TUE1 + timedelta(seconds=5))
    (alert,) = [s for s in recorder.sent if s.target.person_id == ADMIN]
    assert "sammankallande sätt 8/9" not in alert.reply.plain_text()
    assert "sammankallande sätt tis 8 sep 2026" in alert.reply.plain_text()
    thu = [d.reminder for d in service.due(THU) if d.reminder.due_at == THU]
    assert not [r for r in thu if r.recipient == "person:malin.hedlund"]
    assert not [r for r in thu if r.rule == "convener_prepare"
                and r.meeting_id == "manadsmote:2026-09-08"]
