"""Agenda items, questions raised to the chefsgrupp, attendance and minutes, through the real
`Dispatcher` and the real storage.

The clock starts on Tuesday 1 September 2026, 09:00 in Stockholm. Arbetsgruppen's next meeting
is Tuesday 8 September 09:00 (convened by Skaraborg, Malin Hedlund, an administrator); the
chefsgrupp's next is Thursday 24 September 13:00 (Fyrbodal: Mattias Gustavsson, stand-in
Linnéa Ek), then 26 November. Arbetsgruppen reports to the chefsgrupp (`reports_to`).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.dispatch import Dispatcher
from app.i18n import translator
from app.messages import Reply, Table, Text
from storage import models as m
from storage import models_agenda as ma
from storage.repositories import StoreFactory
from tests.conftest import FixedClock
from tests.handlers.support import AMIR, JOHAN, LINNEA, MATTIAS, SOFIA, export_file, say
from tests.handlers.test_notes import row_counts

SV = translator("sv")
EN = translator("en")
MALIN = "malin.hedlund"  # Skaraborg; administrator; arbetsgrupp and kf-arbetsgrupp
GORAN = "goran.ivarsson"  # Skaraborg; chefsgrupp only
INGRID = "ingrid.svard"  # Sjuhärad; chefsgrupp only
THERESE = "therese.lund"  # GR; arbetsgrupp and kf-arbetsgrupp
PNR = "19121212-1212"
SEP8 = date(2026, 9, 8)
SEP24 = date(2026, 9, 24)
NOV26 = date(2026, 11, 26)


def items(engine: Engine) -> list[ma.AgendaItem]:
    with Session(engine) as session:
        return list(session.scalars(select(ma.AgendaItem).order_by(ma.AgendaItem.id)))


def attendance(engine: Engine) -> list[tuple[str, date, str]]:
    with Session(engine) as session:
        return [(a.person_id, a.meeting_date, a.answer)
                for a in session.scalars(select(ma.AttendanceAnswer)
                                         .order_by(ma.AttendanceAnswer.id))]


def audit(engine: Engine) -> list[tuple[str | None, str, str]]:
    with Session(engine) as session:
        return [(e.actor_id, e.action, e.outcome)
                for e in session.scalars(select(m.AuditLog).order_by(m.AuditLog.id))]


def day(d: date, t: Any = SV) -> str:
    from app.schedule_text import format_day

    return format_day(t, d)


def text_of(reply: Reply) -> str:
    return reply.plain_text()


def ok(reply: Reply) -> Reply:
    assert not reply.is_error, reply.plain_text()
    return reply


def refused(reply: Reply) -> str:
    assert reply.is_error, reply.plain_text()
    assert len(reply.blocks) == 1 and isinstance(reply.blocks[0], Text)
    return reply.blocks[0].text


# --- punkt ------------------------------------------------------------------------------------


def test_an_item_is_proposed_for_the_groups_next_meeting_and_listed(
    dispatcher: Dispatcher, synced_engine: Engine, clock: FixedClock
) -> None:
    reply = ok(say(dispatcher, "punkt --grupp arbetsgrupp Gemensam utbildningsdag i vår",
                   AMIR))
    meeting = SV("agenda.meeting", group="Arbetsgruppen", date=day(SEP8))
    assert reply.heading == SV("agenda.item.saved", number=1, meeting=meeting)
    [row] = items(synced_engine)
    assert (row.group_id, row.kind, row.text, row.proposer_id, row.organisation_id, row.status,
            row.meeting_date, row.meeting_id, row.from_group_id, row.created_at) == (
        "arbetsgrupp", "item", "Gemensam utbildningsdag i vår", AMIR, "gr", "proposed", SEP8,
        "manadsmote:2026-09-08", None, clock.now)
    listed = ok(say(dispatcher, "punkt --grupp arbetsgrupp", THERESE))
    assert listed.heading == SV("agenda.list.title", meeting=meeting)
    table = next(b for b in listed.blocks if isinstance(b, Table))
    assert table.rows == (("#1", SV("agenda.kind.item"), "Gemensam utbildningsdag i vår", "GR",
                           SV("agenda.status.proposed")),)


def test_the_channel_tells_the_group_and_a_first_word_stays_text(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    # "Arbetsgrupp" as the first word is the item's text, not the group.
    ok(say(dispatcher, "punkt Arbetsgrupp för samsjuklighet?", "U0SJU0003", platform="slack",
           channel_id="C0KFGRUPP1"))
    [row] = items(synced_engine)
    assert (row.group_id, row.text) == ("kf-arbetsgrupp", "Arbetsgrupp för samsjuklighet?")


def test_the_proposer_withdraws_and_nobody_else_may(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    ok(say(dispatcher, "punkt --grupp arbetsgrupp Fråga om budget", AMIR))
    assert refused(say(dispatcher, "punkt dra-tillbaka 1", LINNEA)) == SV(
        "agenda.error.not_proposer", number=1)
    assert items(synced_engine)[0].status == "proposed"
    assert (LINNEA, "agenda.withdraw", "denied") in audit(synced_engine)
    assert ok(say(dispatcher, "punkt dra-tillbaka #1", AMIR)).heading == SV(
        "agenda.changed.withdrawn", number=1, date=day(SEP8))
    assert items(synced_engine)[0].status == "withdrawn"
    assert refused(say(dispatcher, "punkt godkänn 1", MALIN)) == SV(
        "agenda.error.closed", number=1, status=SV("agenda.status.withdrawn"))


def test_only_the_meetings_convener_accepts_declines_or_moves(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    ok(say(dispatcher, "punkt Uppföljning av planen", GORAN))  # chefsgrupp, 24 September
    ok(say(dispatcher, "punkt Budget 2027", INGRID))
    ok(say(dispatcher, "punkt Samverkan med SRO", GORAN))
    before = row_counts(synced_engine)
    denied = refused(say(dispatcher, "punkt godkänn 1", GORAN))
    assert denied.startswith(SV("agenda.error.not_convener", number=1, convener="X")
                             .split("X")[0])
    assert row_counts(synced_engine)["agenda_items"] == before["agenda_items"]
    assert items(synced_engine)[0].status == "proposed"
    assert ok(say(dispatcher, "punkt godkänn 1", MATTIAS)).heading == SV(
        "agenda.changed.accepted", number=1, date=day(SEP24))
    # The convening organisation's stand-in may too.
    ok(say(dispatcher, "punkt avslå 2", LINNEA))
    assert ok(say(dispatcher, "punkt flytta 3", MATTIAS)).heading == SV(
        "agenda.changed.moved", number=3, date=day(NOV26))
    assert [(i.status, i.meeting_date, i.decided_by) for i in items(synced_engine)] == [
        ("accepted", SEP24, MATTIAS), ("declined", SEP24, LINNEA), ("proposed", NOV26, MATTIAS)]
    # Moved to 26 November: that meeting's convener (Sjuhärad) decides it now.
    assert refused(say(dispatcher, "punkt godkänn 3", MATTIAS)).startswith(
        SV("agenda.error.not_convener", number=3, convener="X").split("X")[0])
    assert ok(say(dispatcher, "punkt godkänn 3", INGRID)).heading == SV(
        "agenda.changed.accepted", number=3, date=day(NOV26))


def test_moving_to_a_date_needs_a_later_meeting_of_the_group(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    ok(say(dispatcher, "punkt --grupp arbetsgrupp Indikatorer", AMIR))
    assert refused(say(dispatcher, "punkt flytta 1 9/10", MALIN)) == SV(
        "agenda.error.no_later_meeting", date=day(date(2026, 10, 9)), group="Arbetsgruppen")
    assert refused(say(dispatcher, "punkt flytta 1 1/9", MALIN)) == SV(
        "agenda.error.no_later_meeting", date=day(date(2026, 9, 1)), group="Arbetsgruppen")
    assert items(synced_engine)[0].meeting_date == SEP8
    ok(say(dispatcher, "punkt flytta 1 13 okt", MALIN))
    assert items(synced_engine)[0].meeting_date == date(2026, 10, 13)


def test_an_item_of_a_meeting_held_can_no_longer_be_changed(
    dispatcher: Dispatcher, synced_engine: Engine, clock: FixedClock
) -> None:
    ok(say(dispatcher, "punkt --grupp arbetsgrupp Sent förslag", AMIR))
    clock.now = datetime(2026, 9, 8, 9, 0, tzinfo=UTC)  # the meeting ended at 10:00 local
    assert refused(say(dispatcher, "punkt godkänn 1", MALIN)) == SV(
        "agenda.error.held", number=1, date=day(SEP8))
    assert items(synced_engine)[0].status == "proposed"


@pytest.mark.parametrize(("line", "key", "params"), [
    (f"punkt --grupp arbetsgrupp Ring {PNR}", "agenda.error.text",
     {"problem": SV("updates.invalid.identity_number")}),
    ("punkt --grupp arbetsgrupp " + "a" * 501, "agenda.error.text",
     {"problem": SV("updates.invalid.too_long", length=501, limit=500)}),
    ("punkt godkänn 99", "agenda.error.not_found", {"number": 99}),
    ("punkt --grupp vgr-arbetsgrupp Något", "agenda.error.not_member",
     {"group": "VGR-gruppen"}),
    ("punkt Något", "group.choose", {"choices": "arbetsgrupp (Arbetsgruppen), "
                                                "kf-arbetsgrupp (KF-gruppen)"}),
    ("punkt --grupp", "notes.error.option_value", {"option": "--grupp"}),
    ("punkt godkänn", "agenda.error.action_usage", {"word": "godkänn"}),
    ("punkt avslå #tre", "agenda.error.action_usage", {"word": "avslå"}),
])
def test_bad_input_is_answered_and_nothing_is_stored(
    dispatcher: Dispatcher, synced_engine: Engine, caplog: pytest.LogCaptureFixture,
    line: str, key: str, params: dict[str, Any],
) -> None:
    caplog.set_level(logging.DEBUG)
    before = row_counts(synced_engine)
    reply = say(dispatcher, line, AMIR)
    assert refused(reply) == SV(key, **params)
    assert PNR not in reply.plain_text() and PNR not in caplog.text
    after = row_counts(synced_engine)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"}


def test_english_words(dispatcher: Dispatcher, synced_engine: Engine) -> None:
    reply = ok(say(dispatcher, "agenda --group arbetsgrupp Joint training day", SOFIA))
    assert reply.heading == EN("agenda.item.saved", number=1, meeting=EN(
        "agenda.meeting", group="Arbetsgruppen", date=day(SEP8, EN)))
    assert ok(say(dispatcher, "agenda withdraw 1", SOFIA)).heading == EN(
        "agenda.changed.withdrawn", number=1, date=day(SEP8, EN))
    assert refused(say(dispatcher, "agenda accept 7", SOFIA)) == EN(
        "agenda.error.not_found", number=7)


def test_a_resent_proposal_is_stored_once(dispatcher: Dispatcher, synced_engine: Engine) -> None:
    first = say(dispatcher, "punkt --grupp arbetsgrupp Två gånger", AMIR, delivery_id="d-1")
    second = say(dispatcher, "punkt --grupp arbetsgrupp Två gånger", AMIR, delivery_id="d-1")
    assert not first.is_error and second == first
    assert len(items(synced_engine)) == 1


# --- lyft and beslut --svar -----------------------------------------------------------------


def test_a_question_goes_to_the_next_meeting_of_the_group_reported_to(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    reply = ok(say(dispatcher, "lyft Behöver vi ett gemensamt beslut om indikatorerna?", THERESE))
    assert reply.heading == SV("agenda.question.saved", number=1, meeting=SV(
        "agenda.meeting", group="Chefsgruppen", date=day(SEP24)))
    [row] = items(synced_engine)
    assert (row.group_id, row.kind, row.from_group_id, row.organisation_id, row.meeting_date
            ) == ("chefsgrupp", "question", "arbetsgrupp", "gr", SEP24)
    # Amir is in two groups, of which only arbetsgruppen reports to another group.
    ok(say(dispatcher, "lyft Budget?", AMIR))
    listed = ok(say(dispatcher, "punkt", MATTIAS))
    table = next(b for b in listed.blocks if isinstance(b, Table))
    assert [r[1] for r in table.rows] == [SV("agenda.kind.question", group="Arbetsgruppen")] * 2


def test_a_group_that_reports_to_nobody_cannot_raise_a_question(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    assert refused(say(dispatcher, "lyft --grupp kf-arbetsgrupp Något?", LINNEA)) == SV(
        "agenda.error.no_reports_to", group="KF-gruppen")
    assert refused(say(dispatcher, "lyft --grupp arbetsgrupp", LINNEA)) == SV(
        "agenda.error.question_usage")
    assert refused(say(dispatcher, "lyft --grupp arbetsgrupp Något?", MATTIAS)) == SV(
        "agenda.error.not_member", group="Arbetsgruppen")
    assert items(synced_engine) == []


def test_the_convener_answers_a_question_with_a_decision_once(
    dispatcher: Dispatcher, synced_engine: Engine, clock: FixedClock
) -> None:
    ok(say(dispatcher, "lyft Behöver vi ett gemensamt beslut om indikatorerna?", THERESE))
    clock.now = datetime(2026, 9, 24, 14, 0, tzinfo=UTC)  # after the chefsgrupp met
    before = row_counts(synced_engine)
    assert refused(say(dispatcher, "beslut Ja --svar 1", GORAN)).startswith(
        SV("notes.error.not_convener", date="X", group="X", convener="X").split("X")[0])
    assert refused(say(dispatcher, "beslut --grupp arbetsgrupp Ja --svar 1", MALIN)) == SV(
        "agenda.error.question_other_group", number=1, group="Chefsgruppen")
    assert refused(say(dispatcher, "beslut Ja --svar 7", MATTIAS)) == SV(
        "agenda.error.no_question", number=7)
    assert refused(say(dispatcher, "nästa-steg --grupp arbetsgrupp Ja --svar 1", MALIN)) == SV(
        "agenda.error.answer_needs_decision")
    assert row_counts(synced_engine)["decisions"] == before["decisions"]
    answered = ok(say(dispatcher, "beslut Ja, arbetsgruppen tar fram ett förslag --svar 1",
                      MATTIAS))
    assert SV("agenda.answer.noted", number=1, group="Arbetsgruppen") in text_of(answered)
    [row] = items(synced_engine)
    assert (row.status, row.answer_decision_id) == ("answered", 1)
    assert refused(say(dispatcher, "beslut Igen --svar 1", MATTIAS)) == SV(
        "agenda.error.closed", number=1, status=SV("agenda.status.answered"))
    assert row_counts(synced_engine)["decisions"] == before["decisions"] + 1


# --- närvaro --------------------------------------------------------------------------------


def test_attendance_per_person_the_latest_answer_counts(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    assert ok(say(dispatcher, "närvaro ja --grupp arbetsgrupp", THERESE)).plain_text() == SV(
        "agenda.attend.saved.yes", group="Arbetsgruppen", date=day(SEP8))
    ok(say(dispatcher, "närvaro nej --grupp arbetsgrupp", AMIR))
    ok(say(dispatcher, "attend stand-in --group arbetsgrupp", SOFIA))
    ok(say(dispatcher, "närvaro ja 13 okt --grupp arbetsgrupp", AMIR))
    ok(say(dispatcher, "närvaro nej --grupp arbetsgrupp", THERESE))
    assert sorted(attendance(synced_engine)) == sorted([
        (THERESE, SEP8, "no"), (AMIR, SEP8, "no"), (SOFIA, SEP8, "stand_in"),
        (AMIR, date(2026, 10, 13), "yes")])
    listed = ok(say(dispatcher, "närvaro --grupp arbetsgrupp", THERESE))
    table = next(b for b in listed.blocks if isinstance(b, Table))
    rows = {r[0]: r[1:] for r in table.rows}
    assert rows["GR"] == ("–", "–", "Amir Haddad, Therese Lund", "–")
    assert rows["VGR"] == ("–", "Sofia Marklund", "–", "Johan Wikström")
    assert SV("agenda.attendance.not_represented", organisations="GR") in listed.plain_text()


@pytest.mark.parametrize(("line", "key", "params"), [
    ("närvaro kanske", "agenda.error.attend_usage", {}),
    ("närvaro ja 9/6", "agenda.error.attend_held", {"date": day(date(2026, 6, 9))}),
    ("närvaro ja 10/9", "agenda.error.no_meeting_on",
     {"date": day(date(2026, 9, 10)), "group": "Arbetsgruppen"}),
    ("närvaro ja 8/9 extra", "agenda.error.attend_usage", {}),
])
def test_bad_attendance_is_answered_and_nothing_is_stored(
    dispatcher: Dispatcher, synced_engine: Engine, line: str, key: str, params: dict[str, Any]
) -> None:
    if "9/6" in line:
        line = line.replace("9/6", "9 jun 2026")
    assert refused(say(dispatcher, f"{line} --grupp arbetsgrupp", THERESE)) == SV(key, **params)
    assert attendance(synced_engine) == []


def test_an_administrator_who_is_no_member_does_not_answer_attendance(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    assert refused(say(dispatcher, "närvaro ja --grupp chefsgrupp", JOHAN)) == SV(
        "agenda.error.not_member", group="Chefsgruppen")
    assert attendance(synced_engine) == []


# --- the summary and the reminders ------------------------------------------------------------


def test_the_summary_shows_the_items_with_their_organisation_and_who_comes(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    ok(say(dispatcher, "punkt --grupp arbetsgrupp Gemensam utbildningsdag", AMIR))
    ok(say(dispatcher, "punkt --grupp arbetsgrupp Budget 2027", LINNEA))
    ok(say(dispatcher, "punkt godkänn 1", MALIN))
    ok(say(dispatcher, "närvaro ja --grupp arbetsgrupp", THERESE))
    ok(say(dispatcher, "närvaro nej --grupp arbetsgrupp", MALIN))
    text = ok(say(dispatcher, "sammanfattning arbetsgrupp", MALIN)).plain_text()
    agenda = text[text.index(SV("reports.summary.agenda")):]
    order = [SV("reports.agenda.checkin"), SV("agenda.draft.items"),
             "Gemensam utbildningsdag (GR) – " + SV("agenda.status.accepted"),
             "Budget 2027 (Fyrbodal) – " + SV("agenda.status.proposed"),
             SV("reports.agenda.next_steps")]
    positions = [agenda.index(part) for part in order]
    assert positions == sorted(positions), agenda
    attendance_part = text[text.index(SV("agenda.summary.attendance")):]
    assert "GR · " + SV("agenda.attendance.coming", people="Therese Lund") in attendance_part
    assert SV("agenda.attendance.not_represented", organisations="Skaraborg") in text


def test_the_conveners_reminder_counts_items_and_questions_and_the_day_before_has_buttons(
    stores: StoreFactory, dispatcher: Dispatcher
) -> None:
    from app.agenda import ATTEND_ACTION
    from app.messages import Buttons
    from app.reminders import render_reminder
    from domain.reminders import Reminder

    ok(say(dispatcher, "punkt Uppföljning", GORAN))
    ok(say(dispatcher, "lyft Fråga ett?", THERESE))
    ok(say(dispatcher, "lyft Fråga två?", THERESE))
    start = datetime(2026, 9, 24, 11, 0, tzinfo=UTC)

    def reminder(rule: str, recipient: str) -> Reminder:
        return Reminder(f"k-{rule}", rule, "chefsgrupp",  # type: ignore[arg-type]
                        "chefsmoten:2026-09-24", "chefsmoten", start, recipient, start)

    with stores() as store:
        prepare = render_reminder(store, reminder("convener_prepare", f"person:{MATTIAS}"), "sv")
        before = render_reminder(store, reminder("day_before", "channel"), "en")
    assert prepare is not None and before is not None
    assert SV("agenda.reminder.items", count=1, group="chefsgrupp") in prepare.plain_text()
    assert SV("agenda.reminder.questions", count=2) in prepare.plain_text()
    [buttons] = [b for b in before.blocks if isinstance(b, Buttons)]
    assert [(b.label, b.action, b.value) for b in buttons.items] == [
        (EN("agenda.attend.button.yes"), ATTEND_ACTION, "yes|chefsgrupp|2026-09-24"),
        (EN("agenda.attend.button.no"), ATTEND_ACTION, "no|chefsgrupp|2026-09-24"),
        (EN("agenda.attend.button.stand_in"), ATTEND_ACTION, "stand_in|chefsgrupp|2026-09-24"),
    ]


def test_a_button_stands_for_the_words_and_anything_else_for_the_bare_command() -> None:
    from app.agenda import attend_command

    assert attend_command("stand_in|arbetsgrupp|2026-09-08") == (
        "närvaro ersättare 2026-09-08 --grupp arbetsgrupp")
    for forged in ("", "yes|x y|2026-09-08", "maybe|arbetsgrupp|2026-09-08",
                   "yes|arbetsgrupp|8 sep", "yes|a|b|c"):
        assert attend_command(forged) == "närvaro"


# --- anteckningar ---------------------------------------------------------------------------


def test_the_minutes_of_a_meeting_from_what_the_bot_knows(
    dispatcher: Dispatcher, synced_engine: Engine, stores: StoreFactory, clock: FixedClock
) -> None:
    ok(say(dispatcher, "punkt --grupp arbetsgrupp Gemensam utbildningsdag", AMIR))
    ok(say(dispatcher, "punkt --grupp arbetsgrupp Inte den här gången", LINNEA))
    ok(say(dispatcher, "punkt godkänn 1", MALIN))
    ok(say(dispatcher, "punkt avslå 2", MALIN))
    ok(say(dispatcher, "närvaro ja --grupp arbetsgrupp", THERESE))
    ok(say(dispatcher, "närvaro nej --grupp arbetsgrupp", MALIN))
    ok(say(dispatcher, "lyft Indikatorerna?", THERESE))
    clock.now = datetime(2026, 9, 8, 8, 30, tzinfo=UTC)
    ok(say(dispatcher, "beslut --grupp arbetsgrupp Utbildningsdagen hålls i mars", MALIN))
    ok(say(dispatcher, "nästa-steg --grupp arbetsgrupp Boka lokal ansvarig GR senast 1/10",
           MALIN))
    reply = ok(say(dispatcher, "anteckningar arbetsgrupp", THERESE))
    assert reply.shareable
    assert reply.heading == SV("agenda.minutes.title", group=(
        "Länsgemensam arbetsgrupp psykisk hälsa och suicidprevention"),
        date="tis 8 sep 2026")
    text = reply.plain_text()
    for part in ("Skaraborg (Malin Hedlund)", "Gemensam utbildningsdag (GR)",
                 "Utbildningsdagen hålls i mars", "Boka lokal", "2026-10-01",
                 SV("agenda.attendance.not_represented", organisations="Skaraborg"),
                 "Indikatorerna?", SV("agenda.minutes.raised_open")):
        assert part in text, part
    assert "Inte den här gången" not in text  # declined: not on the agenda as held
    for fmt, marker in (("md", b"# "), ("docx", b"PK"), ("json", b"{")):
        file = export_file(dispatcher, stores, f"export anteckningar {fmt} arbetsgrupp 8/9",
                           THERESE)
        assert file.filename == f"anteckningar-arbetsgruppen-2026-09-08.{fmt}"
        assert file.content.startswith(marker)
    assert b"Boka lokal" in export_file(dispatcher, stores, "export minutes md arbetsgrupp",
                                        THERESE).content
    assert refused(say(dispatcher, "anteckningar chefsgrupp", THERESE)) == SV(
        "reports.error.summary_not_member", group="Chefsgruppen")
    assert refused(say(dispatcher, "anteckningar arbetsgrupp 13 okt 2026", THERESE)) == SV(
        "agenda.error.minutes_future", date=day(date(2026, 10, 13)))
    assert refused(say(dispatcher, "anteckningar arbetsgrupp 7/9", THERESE)) == SV(
        "agenda.error.no_minutes_meeting", date=day(date(2026, 9, 7)), group="Arbetsgruppen")


def test_help_lists_the_new_commands(dispatcher: Dispatcher) -> None:
    text = say(dispatcher, "hjälp").plain_text()
    for word in ("punkt", "lyft", "närvaro", "anteckningar"):
        assert f"\n{word}\n" in f"\n{text}\n", word
    english = say(dispatcher, "help", SOFIA).plain_text()
    for word in ("agenda", "escalate", "attend", "minutes"):
        assert f"\n{word}\n" in f"\n{english}\n", word


def test_the_register_extract_holds_ones_items_and_attendance_answers(
    dispatcher: Dispatcher, stores: StoreFactory
) -> None:
    import json

    from tests.handlers.support import extract_files

    ok(say(dispatcher, "punkt --grupp arbetsgrupp Gemensam utbildningsdag", AMIR))
    ok(say(dispatcher, "närvaro ersättare --grupp arbetsgrupp", AMIR))
    ok(say(dispatcher, "punkt --grupp arbetsgrupp Någon annans punkt", LINNEA))
    files = extract_files(dispatcher, stores, AMIR)
    data = json.loads(files["json"].content)
    assert [(i["text"], i["status"], i["proposed_by_you"]) for i in data["agenda_items"]] == [
        ("Gemensam utbildningsdag", "proposed", True)]
    assert [(a["meeting_date"], a["answer"]) for a in data["attendance"]] == [
        ("2026-09-08", "stand_in")]
    prose = files["md"].content.decode("utf-8")
    assert SV("gdpr.section.attendance") in prose and SV("gdpr.value.attendance.stand_in") in prose
    assert "Någon annans punkt" not in prose
