"""One arbetsgrupp meeting, start to end: the request for updates, the items proposed and
accepted, a question raised to the chefsgrupp, the convener's reminder that counts them, the
day-before reminder's attendance buttons, the summary, the meeting's decisions and next steps,
the minutes, and the chefsgrupp's answer reported back to arbetsgruppen's channel.

Everything goes through the real dispatcher, the real reminder service (a recording
messenger standing in for Slack) and the real storage, on the test's own clock. Arbetsgruppen
meets Tuesday 8 September 2026 09:00 (convener Skaraborg: Malin Hedlund); the chefsgrupp
Thursday 24 September 13:00 (Fyrbodal: Mattias Gustavsson).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from app.agenda import ATTEND_ACTION, attend_command
from app.dispatch import Dispatcher
from app.i18n import translator
from app.messages import Buttons, Command, Reply
from handlers.commands import COMMANDS
from scheduler.reminders import ReminderService
from storage.repositories import StoreFactory
from tests.conftest import FixedClock
from tests.scheduler.support import Recorder

SV = translator("sv")
ARBETS = "C0ARBETS01"
MALIN, AMIR, THERESE, LINNEA = "malin.hedlund", "amir.haddad", "therese.lund", "linnea.ek"
MATTIAS = "mattias.gustavsson"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_one_arbetsgrupp_meeting_from_the_request_for_updates_to_the_answered_question(
    synced_engine: Engine,
) -> None:
    clock = FixedClock(at("2026-09-03T09:00:00+02:00"))
    stores = StoreFactory(synced_engine, clock)
    dispatcher = Dispatcher(stores, clock, COMMANDS)
    slack = Recorder("slack")
    service = ReminderService(stores, {"slack": slack}, clock)

    def say(person: str, text: str) -> Reply:
        reply = dispatcher.handle(Command("console", person, text))
        assert not reply.is_error, (text, reply.plain_text())
        return reply

    def tick(when: str) -> list[Reply]:
        clock.now = at(when)
        before = len(slack.sent)
        service.run_once()
        return [s.reply for s in slack.sent[before:]]

    def one(replies: list[Reply], heading_start: str) -> Reply:
        found = [r for r in replies if r.heading.startswith(heading_start)]
        assert found, [r.heading for r in replies]
        return found[0]

    # 1. Before the reminders: items for the meeting, and a question to the chefsgrupp.
    clock.now = at("2026-09-02T10:00:00+02:00")
    say(AMIR, "punkt --grupp arbetsgrupp Gemensam utbildningsdag i mars")
    say(LINNEA, "punkt --grupp arbetsgrupp Ny mötestid")
    say(THERESE, "lyft Behöver vi ett gemensamt beslut om uppföljningsindikatorerna?")

    # 2. The request for updates in the channel (5 days before) and the convener's reminder
    # (3 working days before), which counts the items.
    sent = tick("2026-09-03T09:00:00+02:00")
    request = one(sent, SV("reminder.update_request.title", group="", short="Arbetsgruppen",
                           when="").split("–")[0])
    assert any(isinstance(b, Buttons) for b in request.blocks)
    [prepare] = [s.reply for s in slack.sent if s.target.person_id == MALIN
                 and s.reply.plain_text().count(SV("reminder.convener_prepare.summary_hint",
                                                   group="arbetsgrupp"))]
    assert SV("agenda.reminder.items", count=2, group="arbetsgrupp") in prepare.plain_text()
    say(AMIR, "rapportera VIP-1 pågår Utbildningsdag planerad till mars")
    say(LINNEA, "rapportera SP-1 risk Samordnare saknas")

    # 3. The convener decides the items.
    say(MALIN, "punkt godkänn 1")
    say(MALIN, "punkt flytta 2")

    # 4. The day before: the channel's reminder carries the attendance buttons.
    sent = tick("2026-09-07T09:00:00+02:00")
    day_before = one(sent, SV("reminder.day_before.title", group="", short="Arbetsgruppen",
                              when="").split("Arbetsgruppen")[0])
    [buttons] = [b for b in day_before.blocks if isinstance(b, Buttons)]
    assert {b.action for b in buttons.items} == {ATTEND_ACTION}
    by_answer = {b.value.split("|")[0]: b.value for b in buttons.items}
    say(AMIR, attend_command(by_answer["yes"]))
    say(THERESE, attend_command(by_answer["no"]))
    say(LINNEA, attend_command(by_answer["stand_in"]))
    say(MALIN, attend_command(by_answer["yes"]))

    # 5. The convener's summary: the accepted item with its organisation, who comes.
    summary = say(MALIN, "sammanfattning arbetsgrupp").plain_text()
    agenda = summary[summary.index(SV("reports.summary.agenda")):]
    assert agenda.index(SV("reports.agenda.checkin")) < agenda.index(
        "Gemensam utbildningsdag i mars (GR)") < agenda.index(SV("reports.agenda.next_steps"))
    assert "Ny mötestid" not in agenda  # moved to October
    assert "GR · " + SV("agenda.attendance.coming", people="Amir Haddad") in summary
    assert "Fyrbodal · " + SV("agenda.attendance.stand_in", people="Linnéa Ek") in summary

    # 6. After the meeting: the convener is asked for decisions, and pointed to the minutes.
    sent = tick("2026-09-08T10:00:00+02:00")
    after = [r for r in sent if SV("agenda.reminder.minutes", group="arbetsgrupp")
             in r.plain_text()]
    assert len(after) == 1
    say(MALIN, "beslut --grupp arbetsgrupp Utbildningsdagen hålls i mars")
    say(MALIN, "nästa-steg --grupp arbetsgrupp Boka lokal ansvarig GR senast 1/10")

    # 7. The chefsgrupp: its convener's reminder counts the question; the answer after.
    tick("2026-09-17T09:00:00+02:00")  # 5 working days before
    mattias = [s.reply for s in slack.sent if s.target.person_id == MATTIAS]
    assert any(SV("agenda.reminder.questions", count=1) in r.plain_text() for r in mattias)
    clock.now = at("2026-09-24T15:30:00+02:00")
    answered = say(MATTIAS, "beslut Ja: arbetsgruppen tar fram ett förslag till november "
                   "--svar 3")
    assert SV("agenda.answer.noted", number=3, group="Arbetsgruppen") in answered.plain_text()
    sent = tick("2026-09-24T15:31:00+02:00")
    answer = one(sent, SV("agenda.answer.title", group="Chefsgruppen", number=3))
    assert [s.target.address for s in slack.sent if s.reply == answer] == [ARBETS]
    tick("2026-09-24T15:40:00+02:00")
    assert [s.reply for s in slack.sent].count(answer) == 1

    # 8. The minutes: date, convener, present, agenda as held, decisions, next steps, the
    # updates presented, the question raised and its answer.
    minutes = say(THERESE, "anteckningar arbetsgrupp 8/9")
    assert minutes.shareable
    text = minutes.plain_text()
    for part in ("tis 8 sep 2026 09:00", "Skaraborg (Malin Hedlund)",
                 f"{SV('agenda.minutes.present')}  Fyrbodal, GR, Skaraborg",
                 "Gemensam utbildningsdag i mars (GR)", "Utbildningsdagen hålls i mars",
                 "Boka lokal", "2026-10-01", "VIP-1", "Utbildningsdag planerad till mars",
                 "SP-1", "Behöver vi ett gemensamt beslut om uppföljningsindikatorerna?",
                 "Ja: arbetsgruppen tar fram ett förslag till november"):
        assert part in text, part
    assert "Ny mötestid" not in text
