"""Decisions and next steps through the real `Dispatcher` and the real storage.

The clock starts on Tuesday 1 September 2026, 09:00 in Stockholm. Arbetsgruppen meets the
second Tuesday of the month at 09:00 (none in August: the term starts on the 17th), so its
latest meeting then is 9 June; the chefsgrupp's latest is 19 May.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, inspect, select, table, update
from sqlalchemy.orm import Session

from app.dispatch import Dispatcher
from app.i18n import translator
from app.messages import Command, Fields, Reply, Table, Text
from storage import models as m
from storage import models_updates as mu
from tests.conftest import FixedClock

SV = translator("sv")
EN = translator("en")
LINNEA = "linnea.ek"  # arbetsgrupp and kf-arbetsgrupp
HENRIK = "henrik.sjoberg"  # the same groups
MATTIAS = "mattias.gustavsson"  # chefsgrupp only
GORAN = "goran.ivarsson"  # chefsgrupp only
SOFIA = "sofia.marklund"  # English; arbetsgrupp and vgr-arbetsgrupp; VGR's stand-in there
CAMILLA = "camilla.nyberg"  # chefsgrupp only; GR's contact there (GR convened 19 May)
MALIN = "malin.hedlund"  # administrator; Skaraborg's contact in arbetsgrupp (HT 2026)
PNR = "19121212-1212"


def say(dispatcher: Dispatcher, text: str, person: str = LINNEA, **kwargs: Any) -> Reply:
    platform = kwargs.pop("platform", "console")
    return dispatcher.handle(Command(platform=platform, user_id=person, text=text, **kwargs))


def only_text(reply: Reply) -> str:
    assert len(reply.blocks) == 1 and isinstance(reply.blocks[0], Text), reply
    return reply.blocks[0].text


def decisions(engine: Engine) -> list[mu.Decision]:
    with Session(engine) as session:
        return list(session.scalars(select(mu.Decision).order_by(mu.Decision.id)))


def steps(engine: Engine) -> list[mu.NextStep]:
    with Session(engine) as session:
        return list(session.scalars(select(mu.NextStep).order_by(mu.NextStep.id)))


def audit(engine: Engine) -> list[tuple[str | None, str, str, str]]:
    with Session(engine) as session:
        return [(e.actor_id, e.action, e.outcome, e.detail)
                for e in session.scalars(select(m.AuditLog).order_by(m.AuditLog.id))]


def row_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            name: int(session.scalar(select(func.count()).select_from(table(name))) or 0)
            for name in inspect(engine).get_table_names()
        }


def day(d: date, t: Any = SV) -> str:
    from app.wording import format_day

    return format_day(t, d)


# --- beslut ---------------------------------------------------------------------------------


def test_a_decision_goes_on_the_groups_latest_meeting(
    dispatcher: Dispatcher, synced_engine: Engine, clock: FixedClock
) -> None:
    reply = say(dispatcher, "beslut --grupp arbetsgrupp Arbetsgruppen tar fram indikatorer",
                person=SOFIA, locale="sv")
    assert not reply.is_error, reply.plain_text()
    assert reply.heading == SV("notes.decision.saved", id="#1", group="Arbetsgruppen",
                               date=day(date(2026, 6, 9)))
    assert reply.blocks == (Text("Arbetsgruppen tar fram indikatorer"),)
    [row] = decisions(synced_engine)
    assert (row.group_id, row.meeting_date, row.meeting_id, row.text, row.author_id,
            row.created_at) == (
        "arbetsgrupp", date(2026, 6, 9), "manadsmote:2026-06-09",
        "Arbetsgruppen tar fram indikatorer", SOFIA, clock.now)
    # Once the September meeting has begun, it is the latest.
    clock.now = datetime(2026, 9, 8, 8, 0, tzinfo=UTC)
    say(dispatcher, "beslut --grupp arbetsgrupp Nästa beslut", person=MALIN)
    assert decisions(synced_engine)[1].meeting_date == date(2026, 9, 8)


def test_the_only_group_needs_no_option(dispatcher: Dispatcher, synced_engine: Engine) -> None:
    assert not say(dispatcher, "beslut Chefsgruppen fastställer planen", person=CAMILLA).is_error
    [row] = decisions(synced_engine)
    assert (row.group_id, row.meeting_date) == ("chefsgrupp", date(2026, 5, 19))


def test_the_channel_tells_the_group(dispatcher: Dispatcher, synced_engine: Engine) -> None:
    # Emma Falk (Sjuhärad, convening KF-gruppen this term) is in two groups: the channel says.
    reply = say(dispatcher, "beslut Vi byter mötesdag", person="U0SJU0003", platform="slack",
                channel_id="C0KFGRUPP1")
    assert not reply.is_error, reply.plain_text()
    [row] = decisions(synced_engine)
    assert row.group_id == "kf-arbetsgrupp" and row.meeting_date <= date(2026, 9, 1)


def test_several_groups_are_answered_with_the_choices(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    before = row_counts(synced_engine)
    reply = say(dispatcher, "beslut Något")
    assert only_text(reply) == SV(
        "notes.error.choose_group",
        choices="arbetsgrupp (Arbetsgruppen), kf-arbetsgrupp (KF-gruppen)")
    assert row_counts(synced_engine) == before


@pytest.mark.parametrize("option", ["--möte", "--mote", "--meeting", "--MÖTE"])
def test_a_meeting_by_date(dispatcher: Dispatcher, synced_engine: Engine, option: str) -> None:
    reply = say(dispatcher, f"beslut --grupp arbetsgrupp {option} 12 maj Beslut i efterhand",
                person=SOFIA, locale="sv")
    assert not reply.is_error, reply.plain_text()
    [row] = decisions(synced_engine)
    assert (row.meeting_date, row.meeting_id, row.text) == (
        date(2026, 5, 12), "manadsmote:2026-05-12", "Beslut i efterhand")


def test_a_meeting_date_in_the_future_or_unreadable_is_refused(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    future = say(dispatcher, "beslut --grupp arbetsgrupp --möte 2026-09-08 Text")
    assert only_text(future) == SV("notes.error.meeting_future", date=day(date(2026, 9, 8)))
    bad = say(dispatcher, "beslut --grupp arbetsgrupp --möte 31/2 Text")
    assert bad.is_error and SV("notes.field.meeting") in only_text(bad)
    assert decisions(synced_engine) == []


def test_someone_who_does_not_convene_the_meeting_may_not_record_its_decisions(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    refusal = SV("notes.error.not_convener", date=day(date(2026, 6, 9)), group="Arbetsgruppen",
                 convener="VGR (Johan Wikström), ersättare Sofia Marklund")
    # A member of the group who is not VGR's contact or stand-in, and someone outside it.
    for person in (LINNEA, GORAN):
        reply = say(dispatcher, "beslut --grupp arbetsgrupp Kapat beslut", person=person)
        assert only_text(reply) == refusal
    assert decisions(synced_engine) == []
    detail = "notes.error.not_convener arbetsgrupp manadsmote:2026-06-09"
    assert audit(synced_engine) == [
        (LINNEA, "notes.decision", "denied", detail), (GORAN, "notes.decision", "denied", detail)]
    unknown = say(dispatcher, "beslut --grupp ingen-sadan Text")
    assert only_text(unknown).startswith(SV("notes.error.unknown_group", group="ingen-sadan",
                                            choices="x").split("x")[0][:30])


def test_the_stand_in_of_the_convening_organisation_records_a_decision(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    # GR convened the chefsgrupp on 19 May; its stand-in there is not in the chefsgrupp.
    reply = say(dispatcher, "beslut --grupp chefsgrupp Planen fastställs", person="amir.haddad")
    assert not reply.is_error, reply.plain_text()
    [row] = decisions(synced_engine)
    assert (row.group_id, row.meeting_id, row.author_id) == (
        "chefsgrupp", "chefsmoten:2026-05-19", "amir.haddad")


def test_a_decision_on_a_day_the_group_did_not_meet_is_refused(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    reply = say(dispatcher, "beslut --grupp chefsgrupp --möte 20/5 Text", person=CAMILLA)
    assert only_text(reply) == SV("notes.error.no_meeting_on", group="Chefsgruppen",
                                  date=day(date(2026, 5, 20)))
    assert decisions(synced_engine) == []


def test_a_member_still_records_next_steps_without_convening(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    assert not say(dispatcher, "nästa-steg --grupp arbetsgrupp Boka lokal").is_error
    assert steps(synced_engine)[0].author_id == LINNEA


def test_an_administrator_may_record_for_any_group(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    assert not say(dispatcher, "beslut --grupp chefsgrupp Rättat", person="johan.wikstrom").is_error
    assert decisions(synced_engine)[0].group_id == "chefsgrupp"


def test_without_a_group_nothing_can_be_recorded(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    with Session(synced_engine) as session:
        session.execute(update(m.Membership).where(m.Membership.person_id == MATTIAS)
                        .values(active=False))
        session.commit()
    reply = say(dispatcher, "beslut Text", person=MATTIAS)
    assert only_text(reply) == SV("notes.error.no_groups")
    assert audit(synced_engine) == [(MATTIAS, "notes.decision", "denied", "notes.error.no_groups")]


def test_a_group_with_no_meeting_uses_today(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    with Session(synced_engine) as session:
        session.execute(update(m.MeetingSeries).where(m.MeetingSeries.group_id == "chefsgrupp")
                        .values(active=False))
        session.commit()
    say(dispatcher, "beslut Text", person=MATTIAS)
    [row] = decisions(synced_engine)
    assert (row.meeting_date, row.meeting_id) == (date(2026, 9, 1), None)


def test_decision_alone_lists_the_latest_meetings_decisions(dispatcher: Dispatcher) -> None:
    assert only_text(say(dispatcher, "beslut", person=MATTIAS)) == SV(
        "notes.decision.none", group="Chefsgruppen")
    say(dispatcher, "beslut --möte 26/2 Gammalt", person="cecilia.akerblom")  # VGR convened
    say(dispatcher, "beslut Första", person=CAMILLA)
    say(dispatcher, "beslut Andra", person=CAMILLA)
    reply = say(dispatcher, "beslut", person=MATTIAS)
    assert reply.heading == SV("notes.decision.title", group="Chefsgruppen",
                               date=day(date(2026, 5, 19)))
    [listing] = [b for b in reply.blocks if isinstance(b, Table)]
    assert [row[1] for row in listing.rows] == ["Första", "Andra"]


# --- nästa-steg -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "org"),
    [("gr", "gr"), ("GR", "gr"), ("Göteborgsregionen", "gr"), ("goteborgsregionen", "gr"),
     ("Sjuhärad", "sjuharad"), ("sjuharad", "sjuharad"), ("Västra Götalandsregionen", "vgr")],
)
def test_a_next_step_with_responsible_and_due_date(
    dispatcher: Dispatcher, synced_engine: Engine, clock: FixedClock, words: str, org: str
) -> None:
    reply = say(dispatcher, f"nästa-steg --grupp arbetsgrupp Skicka enkäten ansvarig {words} "
                            "senast 15 okt")
    assert not reply.is_error, reply.plain_text()
    assert reply.heading == SV("notes.next_step.saved", id="#1", group="Arbetsgruppen",
                               date=day(date(2026, 6, 9)))
    [row] = steps(synced_engine)
    assert (row.group_id, row.meeting_date, row.text, row.responsible_org_id, row.due_date,
            row.status, row.author_id, row.created_at, row.closed_by) == (
        "arbetsgrupp", date(2026, 6, 9), "Skicka enkäten", org, date(2026, 10, 15), "open",
        LINNEA, clock.now, None)
    fields = dict(next(b for b in reply.blocks if isinstance(b, Fields)).items)
    assert fields[SV("notes.field.due")] == day(date(2026, 10, 15))


def test_a_next_step_with_only_text(dispatcher: Dispatcher, synced_engine: Engine) -> None:
    assert not say(dispatcher, "nasta-steg Boka lokal", person=MATTIAS).is_error
    [row] = steps(synced_engine)
    assert (row.text, row.responsible_org_id, row.due_date) == ("Boka lokal", None, None)


@pytest.mark.parametrize(
    ("line", "field"),
    [("x ansvarig Stockholm", "notes.field.responsible"),
     ("x senast någon gång", "notes.field.due"),
     ("x senast 31/2", "notes.field.due"),
     ("x ansvarig", "notes.field.responsible"),
     ("x ansvarig gr ansvarig vgr", "notes.field.responsible")],
)
def test_a_bad_next_step_names_the_field_and_stores_nothing(
    dispatcher: Dispatcher, synced_engine: Engine, line: str, field: str
) -> None:
    before = row_counts(synced_engine)
    reply = say(dispatcher, f"nästa-steg --grupp arbetsgrupp {line}")
    assert reply.is_error
    assert SV(field) in only_text(reply)
    assert row_counts(synced_engine) == before


def test_a_due_date_before_the_meeting_is_refused(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    reply = say(dispatcher, "nästa-steg --grupp arbetsgrupp x senast 2026-06-01")
    assert only_text(reply) == SV("notes.error.due_before_meeting", due=day(date(2026, 6, 1)),
                                  meeting=day(date(2026, 6, 9)))
    assert steps(synced_engine) == []


def test_open_next_steps_are_listed_and_closed_by_any_member(
    dispatcher: Dispatcher, synced_engine: Engine, clock: FixedClock
) -> None:
    say(dispatcher, "nästa-steg --grupp arbetsgrupp Skicka enkäten ansvarig gr senast 15/9")
    say(dispatcher, "nästa-steg --grupp kf-arbetsgrupp Boka lokal")
    say(dispatcher, "nästa-steg Chefernas steg", person=MATTIAS)
    clock.now += timedelta(days=20)  # 15/9 has passed
    listing = say(dispatcher, "nästa-steg")
    assert listing.heading == SV("notes.next_step.title")
    [table_block] = [b for b in listing.blocks if isinstance(b, Table)]
    # Oldest meeting first: Arbetsgruppen met on 9 June, KF-gruppen on 26 August.
    assert [(row[0], row[1], row[2], row[5]) for row in table_block.rows] == [
        ("#1", "Skicka enkäten", "GR", "Arbetsgruppen"), ("#2", "Boka lokal", "", "KF-gruppen")]
    assert table_block.rows[0][3] == SV("notes.overdue", date=day(date(2026, 9, 15)))
    only_kf = say(dispatcher, "nästa-steg --grupp kf-arbetsgrupp")
    assert [row[0] for b in only_kf.blocks if isinstance(b, Table) for row in b.rows] == ["#2"]

    closed = say(dispatcher, "nästa-steg klar 1", person=HENRIK)
    assert closed.heading == SV("notes.next_step.closed", id="#1")
    row = steps(synced_engine)[0]
    assert (row.status, row.closed_by, row.closed_at) == ("done", HENRIK, clock.now)
    assert [r[0] for b in say(dispatcher, "nästa-steg").blocks if isinstance(b, Table)
            for r in b.rows] == ["#2"]
    assert table_block.rows[1][4] == day(date(2026, 8, 26))
    assert only_text(say(dispatcher, "nästa-steg klar #1")) == SV(
        "notes.error.already_done", id="#1")
    assert only_text(say(dispatcher, "nästa-steg klar 99")) == SV(
        "notes.error.not_found", id="#99")
    assert only_text(say(dispatcher, "nästa-steg klar")) == SV("notes.error.close_usage")


def test_a_non_member_may_not_close_a_next_step(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    say(dispatcher, "nästa-steg --grupp arbetsgrupp Skicka enkäten")
    reply = say(dispatcher, "nästa-steg klar 1", person=GORAN)
    assert only_text(reply) == SV("notes.error.not_member", group="Arbetsgruppen")
    assert steps(synced_engine)[0].status == "open"
    assert audit(synced_engine) == [
        (GORAN, "notes.close", "denied", "notes.error.not_member arbetsgrupp #1")]


def test_no_open_next_steps(dispatcher: Dispatcher) -> None:
    assert only_text(say(dispatcher, "nästa-steg")) == SV("notes.next_step.none")


# --- rules shared with the updates ----------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [f"beslut --grupp arbetsgrupp Ärendet gällde {PNR}",
     f"nästa-steg --grupp arbetsgrupp Ring {PNR} ansvarig gr",
     f"nästa-steg --grupp arbetsgrupp Ring ansvarig {PNR}",
     f"beslut --grupp {PNR} Text"],
)
def test_identity_numbers_are_refused_in_notes_and_appear_nowhere(
    dispatcher: Dispatcher, synced_engine: Engine, caplog: pytest.LogCaptureFixture, line: str
) -> None:
    caplog.set_level(logging.DEBUG)
    before = row_counts(synced_engine)
    reply = say(dispatcher, line)
    assert reply.is_error
    assert SV("updates.invalid.identity_number") in only_text(reply)
    assert PNR not in reply.plain_text() and PNR not in caplog.text
    assert row_counts(synced_engine) == before


def test_length_limits(dispatcher: Dispatcher, synced_engine: Engine) -> None:
    long_decision = say(dispatcher, "beslut --grupp arbetsgrupp " + "a" * 1001, person=SOFIA,
                        locale="sv")
    assert only_text(long_decision) == SV(
        "notes.error.text", field=SV("notes.field.decision"),
        problem=SV("updates.invalid.too_long", length=1001, limit=1000))
    long_step = say(dispatcher, "nästa-steg --grupp arbetsgrupp " + "b" * 501)
    assert SV("notes.field.next_step") in only_text(long_step)
    assert decisions(synced_engine) == [] and steps(synced_engine) == []
    assert not say(dispatcher, "beslut --grupp arbetsgrupp " + "a" * 1000, person=SOFIA).is_error


def test_the_same_delivery_is_recorded_once(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    command = Command(platform="teams", user_id="00000000-0000-4000-8000-000000000103",
                      text="beslut --grupp arbetsgrupp Skickat två gånger", delivery_id="a-1",
                      locale="sv")
    first = dispatcher.handle(command)
    second = dispatcher.handle(command)
    assert not first.is_error and second == first
    assert len(decisions(synced_engine)) == 1


def test_english(dispatcher: Dispatcher, synced_engine: Engine) -> None:
    reply = say(dispatcher, "decision --group arbetsgrupp Draft the indicators", person=SOFIA)
    assert reply.heading == EN("notes.decision.saved", id="#1", group="Arbetsgruppen",
                               date=day(date(2026, 6, 9), EN))
    step = say(dispatcher, "next-step --group arbetsgrupp Call SRO responsible VGR due 15 Oct",
               person=SOFIA)
    assert step.heading == EN("notes.next_step.saved", id="#1", group="Arbetsgruppen",
                              date=day(date(2026, 6, 9), EN))
    assert steps(synced_engine)[0].responsible_org_id == "vgr"
    assert say(dispatcher, "next-step done 1", person=SOFIA).heading == EN(
        "notes.next_step.closed", id="#1")
    assert only_text(say(dispatcher, "decision Text", person=SOFIA)).startswith(
        EN("notes.error.choose_group", choices="x").split("x")[0])
