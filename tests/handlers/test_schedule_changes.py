"""Changes to the schedule do what their answer says, or are refused and change nothing.

Through the real `Dispatcher` and storage, with the example configuration at Tuesday 24 November
2026, 09:00 in Stockholm. The chefsgrupp's conveners from then on: Sjuhärad (26 Nov), Skaraborg
(25 Feb 2027), VGR (20 May), GR (23 Sep), Fyrbodal (25 Nov). The arbetsgrupp: Skaraborg for
HT 2026, GR for VT 2027, Fyrbodal for HT 2027.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from app.dispatch import Dispatcher
from app.messages import Reply, Text
from handlers.commands import COMMANDS
from storage.repositories import StoreFactory
from tests.conftest import FixedClock
from tests.handlers.calendar_support import (
    ADMIN,
    MEMBER,
    NOW,
    SV,
    all_schedules,
    audit,
    conveners,
    error_text,
    meeting,
    ok,
    say,
    stored_changes,
    table,
)

MALIN = "malin.hedlund"  # administrator; Skaraborg's contact in the arbetsgrupp (HT 2026)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def stores(synced_engine: Engine, clock: FixedClock) -> StoreFactory:
    return StoreFactory(synced_engine, clock)


@pytest.fixture
def bot(stores: StoreFactory, clock: FixedClock) -> Dispatcher:
    return Dispatcher(stores, clock, COMMANDS)


def paragraphs(reply: Reply) -> list[str]:
    return [b.text for b in reply.blocks if isinstance(b, Text)]


def refused(bot: Dispatcher, stores: StoreFactory, engine: Engine, text: str) -> str:
    """The refusal's text, after checking that it stored and changed nothing."""

    before = all_schedules(stores)
    changes = len(stored_changes(engine))
    answer = error_text(say(bot, text))
    assert all_schedules(stores) == before
    assert len(stored_changes(engine)) == changes
    return answer


def next_four(bot: Dispatcher, group: str) -> list[tuple[str, str]]:
    """The next four meetings and their conveners as `möten` shows them."""

    return [(row[0], row[3]) for row in table(ok(bot, f"möten {group} 4")).rows]


# --- a skip names the organisation that convenes --------------------------------------------------


def test_skipping_an_organisation_that_does_not_convene_changes_nothing(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine
) -> None:
    assert refused(bot, stores, synced_engine,
                   "sammankallande hoppa-över VGR 25/2 --grupp chefsgrupp") == SV(
        "calendar.skip_not_convener", org="VGR", date="tor 25 feb 2027", convener="Skaraborg")
    assert refused(bot, stores, synced_engine,
                   "sammankallande hoppa-över vgr vt2027 --grupp arbetsgrupp") == SV(
        "calendar.skip_term_not_convener", org="VGR", term="VT 2027")
    assert [row for row in audit(synced_engine) if row[2] == "ok"] == []


def test_a_skip_after_a_swap_says_what_it_did_and_warns_of_a_convener_twice_in_a_row(
    bot: Dispatcher, stores: StoreFactory
) -> None:
    ok(bot, "sammankallande byt 25/2 20/5 --grupp chefsgrupp")
    reply = ok(bot, "sammankallande hoppa-över Skaraborg 20/5 --grupp chefsgrupp")
    assert reply.heading == SV("calendar.skipped_meeting", group="Chefsgruppen", org="Skaraborg",
                               date="tor 20 maj 2027")
    after = conveners(stores, "chefsgrupp")
    assert (after["2027-02-25"], after["2027-05-20"]) == ("vgr", "vgr")
    text = paragraphs(reply)
    assert text[0] == SV("calendar.effect.title") + "\n" + SV(
        "calendar.effect.single", date="tor 20 maj 2027", new="VGR", old="Skaraborg")
    assert SV("calendar.warning.twice_meetings", org="VGR", first="tor 25 feb 2027",
              second="tor 20 maj 2027", waited="Skaraborg") in text
    # What the answer shows is what the schedule now is.
    shown = [(row[0], row[2]) for row in table(reply).rows]
    assert shown == next_four(bot, "chefsgrupp")
    assert [convener.split(" (")[0] for _day, convener in shown] == [
        "Sjuhärad", "VGR", "VGR", "GR"]


def test_a_plain_skip_hands_the_turn_on_and_says_so_without_a_warning(
    bot: Dispatcher, stores: StoreFactory
) -> None:
    reply = ok(bot, "sammankallande hoppa-över sjuharad 26/11 --grupp chefsgrupp sjukdom")
    assert paragraphs(reply) == [
        SV("calendar.effect.title") + "\n" + "\n".join([
            SV("calendar.effect.single", date="tor 26 nov 2026", new="Skaraborg", old="Sjuhärad"),
            SV("calendar.effect.single", date="tor 25 feb 2027", new="Sjuhärad", old="Skaraborg"),
        ]),
        SV("calendar.next.title"),
        SV("calendar.reason", reason="sjukdom"),
    ]
    assert conveners(stores, "chefsgrupp")["2027-02-25"] == "sjuharad"


# --- every change shows the next four meetings ----------------------------------------------------

CHANGES = [
    ("sammankallande byt 26/11 25/2 --grupp chefsgrupp", "chefsgrupp"),
    ("sammankallande hoppa-över gr vt2027 --grupp arbetsgrupp", "arbetsgrupp"),
    ("sammankallande sätt 12/1 fyrbodal --grupp arbetsgrupp", "arbetsgrupp"),
    ("möte ställ-in 26/11 --grupp chefsgrupp", "chefsgrupp"),
    ("möte flytta 8/12 10/12 kl 13 --grupp arbetsgrupp", "arbetsgrupp"),
]


@pytest.mark.parametrize(("text", "group"), CHANGES)
def test_after_each_change_the_administrator_sees_the_next_four_meetings_and_conveners(
    bot: Dispatcher, text: str, group: str
) -> None:
    reply = ok(bot, text)
    shown = [(row[0], row[2]) for row in table(reply).rows][:4]
    assert shown == next_four(bot, group)
    assert len(shown) == 4


def test_a_cancellation_in_a_rotation_per_meeting_says_whose_turn_moved(
    bot: Dispatcher, stores: StoreFactory
) -> None:
    reply = ok(bot, "möte ställ-in 26/11 --grupp chefsgrupp")
    effects = paragraphs(reply)[0].splitlines()
    assert effects[:2] == [
        SV("calendar.effect.title"),
        SV("calendar.effect.single", date="tor 25 feb 2027", new="Sjuhärad", old="Skaraborg"),
    ]
    assert len(effects) == 5  # every later meeting: the turn moves on by one
    assert meeting(stores, "chefsmoten:2026-11-26").status == "cancelled"


# --- cancelled meetings have no convener to change ------------------------------------------------


def test_assigning_a_convener_to_a_cancelled_meeting_changes_nothing(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine
) -> None:
    ok(bot, "möte ställ-in 13/4 --grupp arbetsgrupp")
    cancelled = SV("calendar.meeting_cancelled", date="tis 13 apr 2027")
    for text in (
        "sammankallande sätt 13/4 VGR --grupp arbetsgrupp",
        "sammankallande hoppa-över gr 13/4 --grupp arbetsgrupp",
        "sammankallande byt 13/4 12/1 --grupp arbetsgrupp",
    ):
        assert refused(bot, stores, synced_engine, text) == cancelled


def test_assigning_the_organisation_that_already_convenes_changes_nothing(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine
) -> None:
    assert refused(bot, stores, synced_engine, "sammankallande sätt 12/1 gr --grupp arbetsgrupp"
                   ) == SV("calendar.already_convener", org="GR", date="tis 12 jan 2027")
    assert refused(bot, stores, synced_engine, "sammankallande byt 12/1 9/2 --grupp arbetsgrupp"
                   ) == SV("calendar.swap_same_convener", org="GR", first="tis 12 jan 2027",
                           second="tis 9 feb 2027")
    assert refused(bot, stores, synced_engine, "sammankallande sätt 12/1 vgr --grupp kf-arbetsgrupp"
                   ) == SV("calendar.no_meeting_on", date="tis 12 jan 2027")


# --- moves ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "clash"),
    [
        ("möte flytta 9/2 12/1 kl 9 --grupp arbetsgrupp", ("tis 12 jan 2027", "09:00–10:00")),
        ("möte flytta 9/2 12/1 kl 9:30 --grupp arbetsgrupp", ("tis 12 jan 2027", "09:00–10:00")),
        ("möte flytta 9/2 12/1 kl 8:15 --grupp arbetsgrupp", ("tis 12 jan 2027", "09:00–10:00")),
        # KF-gruppen meets the federations' managers 13:00–14:30 on 2 December.
        ("möte flytta 16/12 2/12 kl 14 --grupp kf-arbetsgrupp", ("ons 2 dec 2026", "13:00–14:30")),
    ],
)
def test_moving_a_meeting_onto_another_of_the_same_group_changes_nothing(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine, text: str,
    clash: tuple[str, str],
) -> None:
    group = "KF-gruppen" if "kf-" in text else "Arbetsgruppen"
    assert refused(bot, stores, synced_engine, text) == SV(
        "calendar.move_overlaps", group=group, date=clash[0], time=clash[1])


def test_a_move_right_after_another_meeting_is_no_overlap(
    bot: Dispatcher, stores: StoreFactory
) -> None:
    ok(bot, "möte flytta 9/2 12/1 kl 10 --grupp arbetsgrupp")  # the 12 Jan meeting ends at 10
    assert meeting(stores, "manadsmote:2027-02-09").start == datetime(2027, 1, 12, 9, 0,
                                                                      tzinfo=UTC)


@pytest.mark.parametrize("written", ["kl 25", "kl 9:75", "25", "9:75", "kl25", "kl 24:00"])
def test_a_move_to_a_time_that_is_not_a_time_changes_nothing(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine, written: str
) -> None:
    answer = refused(bot, stores, synced_engine,
                     f"möte flytta 8/6 9/6 {written} krock --grupp arbetsgrupp")
    assert answer == SV("calendar.time.invalid", text=written)


def test_a_move_to_the_time_it_already_has_changes_nothing(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine
) -> None:
    assert refused(bot, stores, synced_engine, "möte flytta 12/1 12/1 kl 9 --grupp arbetsgrupp"
                   ) == SV("calendar.move_same", date="tis 12 jan 2027", time="09:00–10:00")


# --- what has been held stays as it was -----------------------------------------------------------

HELD = [
    "möte ställ-in 8/12 --grupp arbetsgrupp",
    "möte flytta 8/12 10/12 --grupp arbetsgrupp",
    "sammankallande sätt 8/12 gr --grupp arbetsgrupp",
    "sammankallande hoppa-över skaraborg 8/12 --grupp arbetsgrupp",
    "sammankallande byt 8/12 12/1 --grupp arbetsgrupp",
]


@pytest.mark.parametrize("text", HELD)
def test_cancelling_or_changing_a_meeting_right_after_it_was_held_changes_nothing(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine, clock: FixedClock, text: str
) -> None:
    clock.now = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)  # 10:30: the meeting has ended
    ok(bot, "beslut --grupp arbetsgrupp Enkäten skickas ut i januari", person=MALIN)
    assert refused(bot, stores, synced_engine, text) == SV(
        "calendar.meeting_past", date="tis 8 dec 2026")


@pytest.mark.parametrize("text", HELD)
def test_a_meeting_with_decisions_recorded_counts_as_held(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine, clock: FixedClock, text: str
) -> None:
    clock.now = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # 08:00, an hour before the meeting
    ok(bot, "beslut --grupp arbetsgrupp --möte 8/12 Beslutat per capsulam", person=MALIN)
    assert refused(bot, stores, synced_engine, text) == SV(
        "calendar.meeting_has_notes", date="tis 8 dec 2026")


def test_a_meeting_with_a_next_step_recorded_counts_as_held(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine, clock: FixedClock
) -> None:
    clock.now = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)
    ok(bot, "nästa-steg --grupp arbetsgrupp --möte 8/12 Boka lokal", person=MEMBER)
    assert refused(bot, stores, synced_engine, "möte ställ-in 8/12 --grupp arbetsgrupp") == SV(
        "calendar.meeting_has_notes", date="tis 8 dec 2026")


def test_skipping_a_term_under_way_would_change_held_meetings_and_changes_nothing(
    bot: Dispatcher, stores: StoreFactory, synced_engine: Engine
) -> None:
    assert refused(bot, stores, synced_engine,
                   "sammankallande hoppa-över skaraborg ht2026 --grupp arbetsgrupp") == SV(
        "calendar.would_change_held", date="tis 8 sep 2026")


# --- fairness: a warning, not a refusal -----------------------------------------------------------


def test_giving_a_term_to_last_terms_convener_warns_that_another_has_waited_longer(
    bot: Dispatcher, stores: StoreFactory
) -> None:
    warning = SV("calendar.warning.twice_terms", org="Skaraborg", first="HT 2026",
                 second="VT 2027", waited="GR")
    replies = [ok(bot, f"sammankallande sätt {day} skaraborg --grupp arbetsgrupp")
               for day in ("12/1", "9/2", "9/3")]
    # Two of five meetings are still GR's term; the third makes VT 2027 Skaraborg's.
    assert [warning in paragraphs(reply) for reply in replies] == [False, False, True]
    assert conveners(stores, "arbetsgrupp")["2027-03-09"] == "skaraborg"  # stored all the same


def test_a_rotation_of_one_organisation_never_warns(bot: Dispatcher) -> None:
    reply = ok(bot, "möte ställ-in 17/12 --grupp vgr-arbetsgrupp")
    assert not any(text.startswith("Obs!") for text in paragraphs(reply))


# --- which group ----------------------------------------------------------------------------------


def test_a_date_names_the_group_when_only_one_of_mine_meets_then(
    bot: Dispatcher, stores: StoreFactory
) -> None:
    # The administrator is in the arbetsgrupp (meets 8 Dec) and VGR-gruppen (meets 17 Dec).
    assert ok(bot, "möte ställ-in 8/12 sjukdom", person=ADMIN).heading == SV(
        "calendar.cancelled", group="Arbetsgruppen", date="tis 8 dec 2026")
    assert ok(bot, "möte flytta 17/12 16/12", person=ADMIN).heading.startswith("VGR-gruppen")
    assert meeting(stores, "manadsmote:2026-12-08").status == "cancelled"
