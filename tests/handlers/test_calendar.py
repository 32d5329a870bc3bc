"""Meetings and conveners in chat, through the real `Dispatcher` and the real storage.

`möten`, `sammankallande`, `möte` and `kalender` with the example configuration's invented
people, at a fixed moment: Tuesday 24 November 2026, 09:00 in Stockholm. Runs on SQLite, and on
PostgreSQL where it answers (the `synced_engine` fixture).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import Engine

from app.dispatch import Dispatcher
from app.feed import schedule_records
from app.messages import Reply
from app.schedule_text import schedule_of
from domain.calendar import STOCKHOLM
from handlers.commands import COMMANDS
from storage.db import create_db_engine
from storage.repositories import StoreFactory
from tests.conftest import FixedClock
from tests.handlers.calendar_support import (
    ADMIN,
    EN,
    FEED_LINK,
    MEMBER,
    NOW,
    SV,
    all_schedules,
    audit,
    conveners,
    error_text,
    fields,
    local,
    meeting,
    ok,
    only_change,
    say,
    schedule,
    stored_changes,
    table,
)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def stores(synced_engine: Engine, clock: FixedClock) -> StoreFactory:
    return StoreFactory(synced_engine, clock)


@pytest.fixture
def bot(stores: StoreFactory, clock: FixedClock) -> Dispatcher:
    return Dispatcher(stores, clock, COMMANDS)


# --- möten ----------------------------------------------------------------------------------

ARBETS_DEC_8 = ("tis 8 dec 2026", "09:00–10:00", "Arbetsgruppen", "Skaraborg (Malin Hedlund)")
VGR_MEETING = ("14:00–15:30", "VGR-gruppen", "VGR (Johan Wikström), ersättare Sofia Marklund")
GR_CONVENES = "GR (Amir Haddad), ersättare Therese Lund"


def test_moeten_lists_my_coming_meetings_across_my_groups(bot: Dispatcher) -> None:
    reply = ok(bot, "möten")
    assert reply.heading == SV("calendar.meetings.title_mine")
    shown = table(reply)
    assert shown.columns == ("Datum", "Tid", "Grupp", "Sammankallande", "Status")
    assert shown.rows == (
        (*ARBETS_DEC_8, "planerat"),
        ("tor 17 dec 2026", *VGR_MEETING, "planerat"),
        ("tis 12 jan 2027", "09:00–10:00", "Arbetsgruppen", GR_CONVENES, "planerat"),
        ("tor 21 jan 2027", *VGR_MEETING, "planerat"),
        ("tis 9 feb 2027", "09:00–10:00", "Arbetsgruppen", GR_CONVENES, "planerat"),
    )


def test_moeten_with_a_group_and_a_count(bot: Dispatcher) -> None:
    reply = ok(bot, "moten arbetsgrupp 3", person=MEMBER)
    assert "Länsgemensam arbetsgrupp" in reply.heading
    assert [row[0] for row in table(reply).rows] == [
        "tis 8 dec 2026", "tis 12 jan 2027", "tis 9 feb 2027",
    ]  # fmt: skip
    assert {row[2] for row in table(reply).rows} == {"Arbetsgruppen"}
    assert [row[3] for row in table(reply).rows] == [ARBETS_DEC_8[3], GR_CONVENES, GR_CONVENES]
    assert "Plats: https://teams.microsoft.com/l/meetup-join/exempel" in reply.plain_text()


def test_a_meeting_under_way_is_still_coming_until_it_ends(
    bot: Dispatcher, clock: FixedClock
) -> None:
    clock.now = datetime(2026, 12, 8, 8, 59, tzinfo=UTC)  # 09:59 local, the meeting ends 10:00
    assert table(ok(bot, "möten arbetsgrupp 1")).rows[0][0] == "tis 8 dec 2026"
    clock.now = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    assert table(ok(bot, "möten arbetsgrupp 1")).rows[0][0] == "tis 12 jan 2027"


def test_meetings_in_english(bot: Dispatcher) -> None:
    reply = ok(bot, "meetings", locale="en")
    assert reply.heading == EN("calendar.meetings.title_mine") == "Your coming meetings"
    shown = table(reply)
    assert shown.columns == ("Date", "Time", "Group", "Convener", "Status")
    assert shown.rows[0] == (
        "Tue 8 Dec 2026", "09:00–10:00", "Arbetsgruppen", "Skaraborg (Malin Hedlund)", "planned",
    )  # fmt: skip
    assert shown.rows[1][3] == "VGR (Johan Wikström), stand-in Sofia Marklund"


# --- sammankallande -------------------------------------------------------------------------


def test_conveners_now_next_and_this_and_next_term_per_term(bot: Dispatcher) -> None:
    reply = ok(bot, "sammankallande arbetsgrupp", person=MEMBER)
    assert fields(reply) == {
        "Nu": "Skaraborg (Malin Hedlund)",
        "Nästa möte": "Skaraborg (Malin Hedlund), tis 8 dec 2026",
    }
    assert table(reply).rows == (
        ("HT 2026", "hela terminen", "Skaraborg (Malin Hedlund)"),
        ("VT 2027", "hela terminen", GR_CONVENES),
    )


def test_conveners_per_meeting_for_the_chefsgrupp(bot: Dispatcher) -> None:
    reply = ok(bot, "sammankallande chefsgrupp", person="cecilia.akerblom")
    assert fields(reply) == {
        "Nu": "Fyrbodal (Mattias Gustavsson), ersättare Linnéa Ek",
        "Nästa möte": "Sjuhärad (Ingrid Svärd), ersättare Oskar Brandt, tor 26 nov 2026",
    }
    assert [row[:2] for row in table(reply).rows] == [
        ("HT 2026", "tor 24 sep 2026"),
        ("HT 2026", "tor 26 nov 2026"),
        ("VT 2027", "tor 25 feb 2027"),
        ("VT 2027", "tor 20 maj 2027"),
    ]
    assert [row[2].split(" (")[0] for row in table(reply).rows] == [
        "Fyrbodal", "Sjuhärad", "Skaraborg", "VGR",
    ]  # fmt: skip


def test_conveners_without_a_group_cover_all_my_groups(bot: Dispatcher) -> None:
    text = ok(bot, "convener").plain_text()
    assert "Länsgemensam arbetsgrupp" in text
    assert "Västra Götalandsregionens arbetsgrupp" in text


# --- administrators change the schedule ------------------------------------------------------


def test_swap_by_an_administrator(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine
) -> None:
    reply = ok(bot, "sammankallande byt --grupp chefsgrupp 26/11 25/2 krock med budgetmötet")
    assert reply.heading == (
        "Chefsgruppen: sammankallande bytt mellan mötena tor 26 nov 2026 och tor 25 feb 2027"
    )
    after = conveners(stores, "chefsgrupp")
    assert (after["2026-11-26"], after["2027-02-25"]) == ("skaraborg", "sjuharad")
    assert after["2027-05-20"] == "vgr"  # nothing else moves
    only_change(
        synced_engine,
        group_id="chefsgrupp",
        kind="swap",
        meeting_id="chefsmoten:2026-11-26",
        other_meeting_id="chefsmoten:2027-02-25",
        created_by=ADMIN,
        reason="krock med budgetmötet",
    )
    assert audit(synced_engine) == [(ADMIN, "schedule.swap", "ok")]


def test_skip_a_term_by_an_administrator(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine
) -> None:
    ok(bot, "sammankallande hoppa-över gr vt2027 --grupp arbetsgrupp omorganisation")
    by_term = {(x.term_id, x.convener_org) for x in schedule(stores, "arbetsgrupp")}
    assert by_term == {
        ("vt2026", "vgr"), ("ht2026", "skaraborg"), ("vt2027", "fyrbodal"), ("ht2027", "gr"),
    }  # fmt: skip
    only_change(
        synced_engine,
        kind="skip",
        organisation_id="gr",
        term_id="vt2027",
        meeting_id=None,
        created_by=ADMIN,
        reason="omorganisation",
    )
    assert audit(synced_engine) == [(ADMIN, "schedule.skip", "ok")]


def test_skip_a_meeting_by_an_administrator(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine
) -> None:
    ok(
        bot,
        "sammankallande hoppa-över --grupp chefsgrupp sjuharad 26 nov sjukdom",
        person="malin.hedlund",
    )
    after = conveners(stores, "chefsgrupp")
    # Sjuhärad keeps its place: it convenes the next meeting, then the order goes on.
    assert [after[d] for d in ("2026-11-26", "2027-02-25", "2027-05-20")] == [
        "skaraborg", "sjuharad", "vgr",
    ]  # fmt: skip
    only_change(
        synced_engine,
        kind="skip",
        organisation_id="sjuharad",
        meeting_id="chefsmoten:2026-11-26",
        term_id=None,
        created_by="malin.hedlund",
        reason="sjukdom",
    )
    assert audit(synced_engine) == [("malin.hedlund", "schedule.skip", "ok")]


def test_assign_by_an_administrator(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine
) -> None:
    ok(bot, "sammankallande sätt --grupp arbetsgrupp 12/1 fyrbodal GR har förhinder")
    rows = table(ok(bot, "möten arbetsgrupp 3", person=MEMBER)).rows
    assert [row[3] for row in rows] == [
        "Skaraborg (Malin Hedlund)", "Fyrbodal (Linnéa Ek), ersättare Henrik Sjöberg", GR_CONVENES,
    ]  # fmt: skip
    only_change(
        synced_engine,
        kind="assign",
        meeting_id="manadsmote:2027-01-12",
        organisation_id="fyrbodal",
        created_by=ADMIN,
        reason="GR har förhinder",
    )
    assert audit(synced_engine) == [(ADMIN, "schedule.assign", "ok")]


def test_cancel_by_an_administrator(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine
) -> None:
    ok(bot, "möte ställ-in arbetsgrupp 8/12 många sjuka")
    cancelled = meeting(stores, "manadsmote:2026-12-08")
    assert cancelled.status == "cancelled" and cancelled.convener_org is None
    rows = table(ok(bot, "möten arbetsgrupp 2", person=MEMBER)).rows
    assert rows[0] == ("tis 8 dec 2026", "09:00–10:00", "Arbetsgruppen", "–", "inställt")
    assert rows[1][3] == GR_CONVENES
    only_change(
        synced_engine,
        kind="cancel",
        meeting_id="manadsmote:2026-12-08",
        created_by=ADMIN,
        reason="många sjuka",
    )
    assert audit(synced_engine) == [(ADMIN, "schedule.cancel", "ok")]
    # Cancelling it again is answered, and stores nothing.
    assert error_text(say(bot, "möte ställ-in arbetsgrupp 8/12")) == SV(
        "calendar.already_cancelled", date="tis 8 dec 2026"
    )
    assert error_text(say(bot, "möte flytta arbetsgrupp 8/12 10/12")) == SV(
        "calendar.already_cancelled", date="tis 8 dec 2026"
    )
    assert len(stored_changes(synced_engine)) == 1


def test_move_by_an_administrator(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine
) -> None:
    ok(bot, "möte flytta arbetsgrupp 12/1 14/1 kl 13 krockar med SRO")
    moved = meeting(stores, "manadsmote:2027-01-12")
    assert moved.status == "moved"
    assert moved.start == local(date(2027, 1, 14), 13)
    assert moved.original_start == local(date(2027, 1, 12), 9)
    assert moved.convener_org == "gr"
    rows = table(ok(bot, "möten arbetsgrupp 3", person=MEMBER)).rows
    assert rows[1] == (
        "tor 14 jan 2027", "13:00–14:00", "Arbetsgruppen", GR_CONVENES,
        "flyttat från tis 12 jan 2027",
    )  # fmt: skip
    row = only_change(
        synced_engine,
        kind="move",
        meeting_id="manadsmote:2027-01-12",
        created_by=ADMIN,
        reason="krockar med SRO",
    )
    assert row.new_start == datetime(2027, 1, 14, 12, 0, tzinfo=UTC)
    assert audit(synced_engine) == [(ADMIN, "schedule.move", "ok")]
    # The moved meeting is found again by its new date and by its original one.
    ok(bot, "möte flytta arbetsgrupp 14/1 15/1")
    assert meeting(stores, "manadsmote:2027-01-12").start == local(date(2027, 1, 15), 13)
    # A time alone keeps the day the meeting is now held on.
    ok(bot, "möte flytta arbetsgrupp 12/1 11:00")
    assert meeting(stores, "manadsmote:2027-01-12").start == local(date(2027, 1, 15), 11)


def test_changes_are_replayed_in_the_order_they_were_made(
    bot: Dispatcher, stores: StoreFactory
) -> None:
    ok(bot, "sammankallande sätt --grupp chefsgrupp 26/11 vgr")
    ok(bot, "sammankallande hoppa-över --grupp chefsgrupp vgr 26/11")  # undoes the assignment
    assert conveners(stores, "chefsgrupp")["2026-11-26"] == "sjuharad"
    ok(bot, "sammankallande sätt --grupp chefsgrupp 26/11 vgr")  # and a later one wins again
    assert conveners(stores, "chefsgrupp")["2026-11-26"] == "vgr"


# --- everyone else is refused, and the attempt is kept ----------------------------------------

REFUSED = [
    ("sammankallande byt --grupp chefsgrupp 26/11 25/2 vill byta", "schedule.swap"),
    ("sammankallande hoppa-över --grupp arbetsgrupp gr vt2027", "schedule.skip"),
    ("sammankallande hoppa-över --grupp arbetsgrupp gr 8/12", "schedule.skip"),
    ("sammankallande sätt --grupp arbetsgrupp 12/1 gr", "schedule.assign"),
    ("möte ställ-in arbetsgrupp 8/12", "schedule.cancel"),
    ("möte flytta arbetsgrupp 8/12 10/12", "schedule.move"),
    ("kalender ny-länk arbetsgrupp", "calendar.renew_link"),
]


@pytest.mark.parametrize(("text", "action"), REFUSED)
def test_only_administrators_may_change_the_schedule(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine, text: str, action: str
) -> None:
    link = FEED_LINK.search(ok(bot, "kalender arbetsgrupp", person=MEMBER).plain_text())
    assert link is not None
    before = all_schedules(stores)
    audit_before = audit(synced_engine)

    assert error_text(say(bot, text, person=MEMBER)) == SV("calendar.admin_only")

    assert all_schedules(stores) == before
    assert stored_changes(synced_engine) == []
    assert audit(synced_engine) == [*audit_before, (MEMBER, action, "denied")]
    with stores() as store:
        assert store.calendar.group_for_feed(link[1]) == "arbetsgrupp"


def test_the_refusal_in_english(bot: Dispatcher, synced_engine: Engine) -> None:
    reply = say(bot, "meeting cancel arbetsgrupp 8/12", person=MEMBER, locale="en")
    assert error_text(reply) == EN("calendar.admin_only")
    assert "Only administrators" in error_text(reply)
    assert audit(synced_engine) == [(MEMBER, "schedule.cancel", "denied")]


# --- dates the Swedish way ---------------------------------------------------------------------


@pytest.mark.parametrize("written", ["2026-12-08", "8/12", "8 dec", "tis 8 dec", "Tis 8 Dec"])
def test_dates_are_read_the_swedish_way(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine, written: str
) -> None:
    ok(bot, f"möte ställ-in arbetsgrupp {written} sjukdom")
    assert meeting(stores, "manadsmote:2026-12-08").status == "cancelled"
    only_change(synced_engine, kind="cancel", meeting_id="manadsmote:2026-12-08", reason="sjukdom")


@pytest.mark.parametrize("written", ["2027-01-14", "14/1", "14 jan", "tor 14 jan"])
def test_the_new_date_of_a_move_is_read_the_swedish_way(
    bot: Dispatcher, stores: StoreFactory, written: str
) -> None:
    ok(bot, f"möte flytta arbetsgrupp 12/1 {written} kl 10")
    assert meeting(stores, "manadsmote:2027-01-12").start == local(date(2027, 1, 14), 10)


# --- clear answers that change nothing ---------------------------------------------------------

UNCHANGED = [
    pytest.param(
        "möte ställ-in arbetsgrupp 9/12",
        SV("calendar.no_meeting_on", date="ons 9 dec 2026"),
        id="no meeting that day",
    ),
    pytest.param(
        "sammankallande byt --grupp chefsgrupp 26/11 27/11",
        SV("calendar.no_meeting_on", date="fre 27 nov 2026"),
        id="swap with a day without meeting",
    ),
    pytest.param(
        "sammankallande byt --grupp chefsgrupp 26/11 26/11",
        SV("calendar.swap_same"),
        id="swap a meeting with itself",
    ),
    pytest.param(
        "sammankallande sätt arbetsgrupp 12/1 xyz",
        SV("calendar.org.unknown", org="xyz", choices="fyrbodal, gr, sjuharad, skaraborg, vgr"),
        id="unknown organisation",
    ),
    pytest.param(
        "sammankallande hoppa-över --grupp arbetsgrupp xyz vt2027",
        SV("calendar.org.unknown", org="xyz", choices="fyrbodal, gr, sjuharad, skaraborg, vgr"),
        id="unknown organisation to skip",
    ),
    pytest.param(
        "sammankallande hoppa-över --grupp kf-arbetsgrupp vgr vt2027",
        SV("calendar.org_not_in_rotation", org="VGR", group="KF-gruppen"),
        id="organisation outside the rotation",
    ),
    pytest.param(
        "möte ställ-in --grupp okänd 8/12",
        SV(
            "group.unknown",
            group="okänd",
            choices="arbetsgrupp (Arbetsgruppen), vgr-arbetsgrupp (VGR-gruppen)",
        ),
        id="unknown group",
    ),
    pytest.param(
        "möte ställ-in 26/11",  # the chefsgrupp meets then; neither of the asker's groups does
        SV("group.choose", choices="arbetsgrupp (Arbetsgruppen), chefsgrupp (Chefsgruppen), "
           "kf-arbetsgrupp (KF-gruppen), vgr-arbetsgrupp (VGR-gruppen)"),
        id="which group",
    ),
    pytest.param(
        "möte flytta arbetsgrupp 12/1 24 dec",
        SV("calendar.not_working_day", date="tor 24 dec 2026", why="Julafton"),
        id="move to julafton",
    ),
    pytest.param(
        "möte flytta arbetsgrupp 12/1 6 jan",
        SV("calendar.not_working_day", date="ons 6 jan 2027", why="Trettondedag jul"),
        id="move to trettondedag jul",
    ),
    pytest.param(
        "möte flytta arbetsgrupp 8/12 20 nov",
        SV("calendar.move_to_past", date="fre 20 nov 2026"),
        id="move into the past",
    ),
    pytest.param(
        "möte flytta arbetsgrupp 8/12 24/11 kl 8",  # 08:00 today is an hour ago
        SV("calendar.move_to_past", date="tis 24 nov 2026"),
        id="move to earlier today",
    ),
    pytest.param(
        "möte ställ-in arbetsgrupp ons 8 dec",  # 8 Dec 2026 is a Tuesday
        SV("calendar.date.weekday_mismatch", text="ons 8 dec"),
        id="weekday does not match",
    ),
    pytest.param(
        "möte flytta arbetsgrupp 8/12 ons 10 dec",
        SV("calendar.date.weekday_mismatch", text="ons 10 dec"),
        id="new weekday does not match",
    ),
    pytest.param(
        "möte ställ-in arbetsgrupp 31/2",
        SV("calendar.date.invalid", text="31/2"),
        id="no such date",
    ),
    pytest.param(
        "möte flytta arbetsgrupp 8/12",
        SV("calendar.new_time.missing", date="8/12", example="9/12 kl 09:00",
           group="arbetsgrupp"),
        id="no new time",
    ),
    pytest.param(
        "möte flytta arbetsgrupp 8/12 kl 25",
        SV("calendar.time.invalid", text="kl 25"),
        id="no such time",
    ),
    pytest.param(
        "möte arbetsgrupp",
        SV("calendar.meeting.usage"),
        id="meeting without action",
    ),
]


@pytest.mark.parametrize(("text", "answer"), UNCHANGED)
def test_mistakes_get_a_clear_answer_and_change_nothing(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine, text: str, answer: str
) -> None:
    before = all_schedules(stores)
    assert error_text(say(bot, text)) == answer
    assert all_schedules(stores) == before
    assert stored_changes(synced_engine) == []
    assert [row for row in audit(synced_engine) if row[2] == "ok"] == []


def test_a_move_to_a_weekend_is_refused(bot: Dispatcher, synced_engine: Engine) -> None:
    assert error_text(say(bot, "möte flytta arbetsgrupp 8/12 12/12")).startswith(
        "lör 12 dec 2026 är ingen arbetsdag"
    )
    assert stored_changes(synced_engine) == []


def test_a_move_later_today_is_allowed(bot: Dispatcher, stores: StoreFactory) -> None:
    ok(bot, "möte flytta arbetsgrupp 8/12 24/11 kl 10")
    assert meeting(stores, "manadsmote:2026-12-08").start == local(date(2026, 11, 24), 10)


# --- the same after a restart ----------------------------------------------------------------


def test_the_schedule_is_the_same_after_a_restart(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine, clock: FixedClock
) -> None:
    for text in (
        "sammankallande byt --grupp chefsgrupp 26/11 25/2 krock",
        "sammankallande hoppa-över --grupp chefsgrupp vgr 20 maj",
        "sammankallande hoppa-över gr vt2027 --grupp arbetsgrupp",
        "sammankallande sätt --grupp arbetsgrupp 9/2 sjuharad",
        "möte ställ-in arbetsgrupp 8/12",
        "möte flytta arbetsgrupp 12/1 14/1 kl 13",
    ):
        ok(bot, text)
    questions = ("möten arbetsgrupp 20", "sammankallande chefsgrupp", "sammankallande arbetsgrupp")
    answers = [ok(bot, q, person=MEMBER) for q in questions]
    schedules = all_schedules(stores)
    with stores() as store:
        group = store.calendar.group("arbetsgrupp")
        assert group is not None
        records = schedule_records(store, group, (date(2026, 1, 1), date(2027, 12, 31)), SV)

    # A new engine, store factory and dispatcher on the same database: a restarted bot.
    url = synced_engine.url.render_as_string(hide_password=False)
    engine = create_db_engine(url)
    try:
        restarted_stores = StoreFactory(engine, clock)
        restarted = Dispatcher(restarted_stores, clock, COMMANDS)
        assert [ok(restarted, q, person=MEMBER) for q in questions] == answers
        assert all_schedules(restarted_stores) == schedules
        with restarted_stores() as store:
            group = store.calendar.group("arbetsgrupp")
            assert group is not None
            again = schedule_records(store, group, (date(2026, 1, 1), date(2027, 12, 31)), SV)
        assert again == records
    finally:
        engine.dispose()
    assert {r["status"] for r in records} == {"planned", "moved", "cancelled"}


# --- kalender ----------------------------------------------------------------------------------


def feed_token(reply: Reply) -> str:
    found = FEED_LINK.search(reply.plain_text())
    assert found is not None, reply.plain_text()
    return found[1]


def test_kalender_gives_the_same_secret_link_every_time(
    bot: Dispatcher, stores: StoreFactory
) -> None:
    reply = ok(bot, "kalender arbetsgrupp", person=MEMBER)
    assert reply.heading == SV(
        "calendar.feed.title", group=("Länsgemensam arbetsgrupp psykisk hälsa och suicidprevention")
    )
    token = feed_token(reply)
    assert len(token) >= 32
    assert feed_token(ok(bot, "kalender arbetsgrupp", person=MEMBER)) == token
    assert feed_token(ok(bot, "calendar arbetsgrupp", person=ADMIN, locale="en")) == token
    other = feed_token(ok(bot, "kalender kf-arbetsgrupp", person=MEMBER))
    assert other != token
    with stores() as store:
        assert store.calendar.group_for_feed(token) == "arbetsgrupp"
        assert store.calendar.group_for_feed(other) == "kf-arbetsgrupp"
        assert store.calendar.group_for_feed("x" * 32) is None


def test_kalender_new_link_by_an_administrator_revokes_the_old_one(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine
) -> None:
    old = feed_token(ok(bot, "kalender arbetsgrupp", person=MEMBER))
    reply = ok(bot, "kalender ny-länk arbetsgrupp")
    new = feed_token(reply)
    assert new != old
    assert SV("calendar.feed.renewed") in reply.plain_text()
    with stores() as store:
        assert store.calendar.group_for_feed(old) is None
        assert store.calendar.group_for_feed(new) == "arbetsgrupp"
    assert feed_token(ok(bot, "kalender arbetsgrupp", person=MEMBER)) == new
    assert audit(synced_engine) == [(ADMIN, "calendar.renew_link", "ok")]


def test_two_meetings_on_one_day_are_told_apart_by_time(
    bot: Dispatcher, stores: StoreFactory
) -> None:
    # kf-arbetsgrupp meets twice on Wednesday 2 December 2026: 10:00 and, with the managers, 13:00.
    ambiguous = error_text(say(bot, "möte ställ-in --grupp kf-arbetsgrupp 2/12"))
    assert "10:00" in ambiguous and "13:00" in ambiguous
    ok(bot, "möte ställ-in --grupp kf-arbetsgrupp 2/12 kl 13 krockar")
    with stores() as store:
        on_day = [
            m for m in schedule_of(store, "kf-arbetsgrupp") if m.local_date == date(2026, 12, 2)
        ]
    status = {m.start.astimezone(STOCKHOLM).time(): m.status for m in on_day}
    assert status == {time(10, 0): "planned", time(13, 0): "cancelled"}


def test_a_meeting_cannot_be_moved_into_a_break_or_outside_the_terms(bot: Dispatcher) -> None:
    outside = error_text(say(bot, "möte flytta --grupp arbetsgrupp 8/12 2026-12-29 kl 10"))
    assert "utanför terminerna" in outside
    weekend = error_text(say(bot, "möte flytta --grupp arbetsgrupp 8/12 2026-12-12 kl 10"))
    assert "helg" in weekend


def test_an_unknown_group_word_in_moten_is_answered(bot: Dispatcher) -> None:
    assert "okändgrupp" in error_text(say(bot, "möten okändgrupp"))
