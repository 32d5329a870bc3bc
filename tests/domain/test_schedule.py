"""domain.schedule over the example configuration: meetings, conveners and schedule changes.

The pure calendar, rotation and ics pieces have their own tests; these check the composition
(`build_schedule` of `group_calendar(group, config.terms)`) that chat, the CLI and the feed use.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import holidays
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from domain.calendar import STOCKHOLM, Term
from domain.config import Config, load_config_text
from domain.schedule import (
    GroupCalendar,
    Meeting,
    ScheduleChange,
    build_schedule,
    group_calendar,
    meetings_on,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vastra-gotaland.toml"
GROUPS = ("chefsgrupp", "arbetsgrupp", "kf-arbetsgrupp", "vgr-arbetsgrupp")
TERM_IDS = ("vt2026", "ht2026", "vt2027", "ht2027")


def load_example() -> Config:
    result = load_config_text(EXAMPLE.read_text("utf-8"))
    assert result.config is not None, result.problems
    return result.config


def calendars_of(config: Config) -> dict[str, GroupCalendar]:
    return {g.id: group_calendar(g, config.terms) for g in config.groups}


# Module level so that hypothesis strategies can be built from it.
CALENDARS = calendars_of(load_example())
CHEFS = CALENDARS["chefsgrupp"]
ARBETS = CALENDARS["arbetsgrupp"]
CHEFS_ORDER = ("vgr", "gr", "fyrbodal", "sjuharad", "skaraborg")


def ids(meetings: Sequence[Meeting]) -> list[str]:
    return [m.id for m in meetings]


def conveners(meetings: Sequence[Meeting]) -> list[str | None]:
    return [m.convener_org for m in meetings]


def by_id(meetings: Sequence[Meeting]) -> dict[str, Meeting]:
    return {m.id: m for m in meetings}


def chefs_id(day: str) -> str:
    return f"chefsmoten:{day}"


def arbets_id(day: str) -> str:
    return f"manadsmote:{day}"


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=STOCKHOLM)


# --- the calendar: every meeting on a working day inside a term ------------------------------

# Written out by hand, independently of the implementation: the de facto days off and the
# public holidays that fall on weekdays in 2026-2027.
DAYS_OFF_BY_HAND = {
    date(2026, 1, 1), date(2026, 1, 6), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1),
    date(2026, 5, 14), date(2026, 6, 19), date(2026, 12, 24), date(2026, 12, 25),
    date(2026, 12, 31),
    date(2027, 1, 1), date(2027, 1, 6), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 6),
    date(2027, 6, 25), date(2027, 12, 24), date(2027, 12, 31),
}  # fmt: skip


def swedish_days_off() -> set[date]:
    found = holidays.country_holidays(
        "SE", years=(2026, 2027), categories=("public", "de_facto")
    )
    return set(found) | DAYS_OFF_BY_HAND


@pytest.mark.parametrize("group_id", GROUPS)
def test_every_meeting_is_on_a_working_day_inside_a_term(
    example_config: Config, group_id: str
) -> None:
    calendar = calendars_of(example_config)[group_id]
    meetings = build_schedule(calendar)
    days_off = swedish_days_off()
    assert len(meetings) >= 8
    years = {m.local_date.year for m in meetings}
    assert years == {2026, 2027}
    for meeting in meetings:
        day = meeting.local_date
        assert day.weekday() < 5, meeting
        assert day not in days_off, meeting
        term = next(t for t in example_config.terms if t.start <= day <= t.end)
        assert not any(b.start <= day <= b.end for b in term.breaks), meeting
        assert meeting.term_id == term.id
        assert meeting.status == "planned"
        assert meeting.original_start == meeting.start
        assert meeting.end > meeting.start


def test_the_arbetsgrupp_meets_on_the_second_tuesday_except_in_breaks_and_between_terms() -> None:
    days = [m.local_date.isoformat() for m in build_schedule(ARBETS)]
    # 10 Feb 2026 falls in sportlov; July and August (before 17 Aug) are between terms.
    assert days == [
        "2026-01-13", "2026-03-10", "2026-04-14", "2026-05-12", "2026-06-09",
        "2026-09-08", "2026-10-13", "2026-11-10", "2026-12-08",
        "2027-01-12", "2027-02-09", "2027-03-09", "2027-04-13", "2027-05-11", "2027-06-08",
        "2027-09-14", "2027-10-12", "2027-11-09", "2027-12-14",
    ]  # fmt: skip


def test_a_biweekly_series_keeps_its_fortnightly_rhythm_across_breaks() -> None:
    meetings = [
        m for m in build_schedule(CALENDARS["kf-arbetsgrupp"]) if m.series_id == "varannan-vecka"
    ]
    first = date(2026, 1, 14)
    assert all((m.local_date - first).days % 14 == 0 for m in meetings)
    days = {m.local_date for m in meetings}
    # Sportlov 2026, the summer, Christmas and höstlov 2027 drop occurrences; none is moved.
    for dropped in (date(2026, 2, 11), date(2026, 7, 15), date(2027, 1, 6), date(2027, 11, 3)):
        assert dropped not in days
    assert date(2026, 2, 25) in days and date(2027, 1, 13) in days


# --- rotation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group_id", "per_term"),
    [
        ("arbetsgrupp", ["vgr", "skaraborg", "gr", "fyrbodal"]),
        ("kf-arbetsgrupp", ["fyrbodal", "sjuharad", "gr", "skaraborg"]),
        ("vgr-arbetsgrupp", ["vgr", "vgr", "vgr", "vgr"]),
    ],
)
def test_per_term_rotation_one_convener_per_term_in_order(
    group_id: str, per_term: list[str]
) -> None:
    meetings = build_schedule(CALENDARS[group_id])
    for term_id, org in zip(TERM_IDS, per_term, strict=True):
        in_term = [m for m in meetings if m.term_id == term_id]
        assert in_term, term_id
        assert {m.convener_org for m in in_term} == {org}, term_id
        assert {m.convener_reason for m in in_term} == {"rotation"}


def test_per_term_rotation_names_the_representative_and_stand_in() -> None:
    meetings = build_schedule(ARBETS)
    people = {(m.term_id, m.convener_person, m.stand_in) for m in meetings}
    assert people == {
        ("vt2026", "johan.wikstrom", "sofia.marklund"),
        ("ht2026", "malin.hedlund", None),  # Skaraborg has no stand-in
        ("vt2027", "amir.haddad", "therese.lund"),
        ("ht2027", "linnea.ek", "henrik.sjoberg"),
    }


def test_per_meeting_rotation_for_the_chefsgrupp() -> None:
    meetings = build_schedule(CHEFS)
    assert conveners(meetings) == [*CHEFS_ORDER, "vgr", "gr", "fyrbodal"]
    assert [m.convener_person for m in meetings] == [
        "cecilia.akerblom", "camilla.nyberg", "mattias.gustavsson", "ingrid.svard",
        "goran.ivarsson", "cecilia.akerblom", "camilla.nyberg", "mattias.gustavsson",
    ]  # fmt: skip
    assert [m.stand_in for m in meetings][:2] == ["johan.wikstrom", "amir.haddad"]
    assert {m.convener_reason for m in meetings} == {"rotation"}


# --- cancel and move --------------------------------------------------------------------------


def test_a_cancelled_meeting_stays_without_convener_and_takes_no_turn() -> None:
    before = build_schedule(CHEFS)
    cancelled_id = chefs_id("2026-09-24")  # fyrbodal's turn
    after = build_schedule(CHEFS, [ScheduleChange("cancel", meeting=cancelled_id)])
    assert ids(after) == ids(before)
    cancelled = by_id(after)[cancelled_id]
    assert cancelled.status == "cancelled"
    assert cancelled.convener_org is None and cancelled.convener_person is None
    assert cancelled.start == by_id(before)[cancelled_id].start
    # Fyrbodal convenes the next meeting instead; everyone after moves up one.
    assert conveners(after) == [
        "vgr", "gr", None, "fyrbodal", "sjuharad", "skaraborg", "vgr", "gr",
    ]  # fmt: skip
    assert [m.status for m in after].count("cancelled") == 1


def test_a_cancelled_meeting_in_per_term_rotation_changes_no_other_convener() -> None:
    before = build_schedule(ARBETS)
    cancelled_id = arbets_id("2026-12-08")
    after = build_schedule(ARBETS, [ScheduleChange("cancel", meeting=cancelled_id)])
    for old, new in zip(before, after, strict=True):
        if new.id == cancelled_id:
            assert new.status == "cancelled" and new.convener_org is None
        else:
            assert new == old


def test_a_moved_meeting_keeps_its_id_and_remembers_where_it_was() -> None:
    meeting_id = arbets_id("2026-12-08")
    new_start = local(date(2026, 12, 10), 13)
    before = by_id(build_schedule(ARBETS))[meeting_id]
    change = ScheduleChange("move", meeting=meeting_id, new_start=new_start)
    after = build_schedule(ARBETS, [change])
    moved = by_id(after)[meeting_id]
    assert moved.status == "moved"
    assert moved.start == new_start
    assert moved.end - moved.start == timedelta(hours=1)
    assert moved.original_start == before.start == local(date(2026, 12, 8), 9)
    assert moved.local_date == date(2026, 12, 10)
    assert moved.original_local_date == date(2026, 12, 8)
    assert moved.convener_org == "skaraborg"
    assert len(after) == len(build_schedule(ARBETS))


def test_a_meeting_moved_past_the_next_takes_its_place_in_the_per_meeting_rotation() -> None:
    meeting_id = chefs_id("2026-11-26")
    new_start = local(date(2027, 3, 4), 13)
    after = build_schedule(CHEFS, [ScheduleChange("move", meeting=meeting_id, new_start=new_start)])
    assert ids(after)[3:5] == [chefs_id("2027-02-25"), meeting_id]
    assert conveners(after) == [*CHEFS_ORDER, "vgr", "gr", "fyrbodal"]
    assert by_id(after)[meeting_id].convener_org == "skaraborg"
    assert by_id(after)[meeting_id].term_id == "vt2027"


def test_a_meeting_moved_out_of_its_term_keeps_its_convener() -> None:
    # 21 Dec 2026 is a working day after the end of ht2026: the per-term convener must not be
    # lost ("none appointed") just because the new date belongs to no term.
    meeting_id = arbets_id("2026-12-08")
    change = ScheduleChange("move", meeting=meeting_id, new_start=local(date(2026, 12, 21), 9))
    moved = by_id(build_schedule(ARBETS, [change]))[meeting_id]
    assert moved.status == "moved"
    assert moved.convener_org == "skaraborg"
    assert moved.convener_person == "malin.hedlund"


def test_meetings_on_finds_a_moved_meeting_by_its_new_and_its_original_date() -> None:
    meeting_id = arbets_id("2026-12-08")
    change = ScheduleChange("move", meeting=meeting_id, new_start=local(date(2026, 12, 10), 9))
    meetings = build_schedule(ARBETS, [change])
    assert ids(meetings_on(meetings, date(2026, 12, 10))) == [meeting_id]
    assert ids(meetings_on(meetings, date(2026, 12, 8))) == [meeting_id]
    assert meetings_on(meetings, date(2026, 12, 9)) == []


def test_meetings_on_prefers_the_meeting_held_that_day_over_one_first_planned_then() -> None:
    first, second = arbets_id("2026-11-10"), arbets_id("2026-12-08")
    changes = [
        ScheduleChange("move", meeting=first, new_start=local(date(2026, 12, 8), 9)),
        ScheduleChange("move", meeting=second, new_start=local(date(2026, 12, 15), 9)),
    ]
    meetings = build_schedule(ARBETS, changes)
    assert ids(meetings_on(meetings, date(2026, 12, 8))) == [first]
    assert ids(meetings_on(meetings, date(2026, 11, 10))) == [first]
    assert ids(meetings_on(meetings, date(2026, 12, 15))) == [second]


# --- swap, assign, skip -----------------------------------------------------------------------


def test_swap_exchanges_the_conveners_of_two_meetings_only() -> None:
    a, b = chefs_id("2026-05-19"), chefs_id("2026-11-26")
    before = build_schedule(CHEFS)
    after = build_schedule(CHEFS, [ScheduleChange("swap", meeting=a, other_meeting=b)])
    assert by_id(after)[a].convener_org == "sjuharad"
    assert by_id(after)[a].convener_person == "ingrid.svard"
    assert by_id(after)[b].convener_org == "gr"
    assert {by_id(after)[a].convener_reason, by_id(after)[b].convener_reason} == {"swap"}
    assert [m for m in after if m.id not in (a, b)] == [
        m for m in before if m.id not in (a, b)
    ]


def test_assign_sets_one_meeting_and_leaves_the_term_alone() -> None:
    meeting_id = arbets_id("2027-01-12")
    after = build_schedule(
        ARBETS, [ScheduleChange("assign", meeting=meeting_id, organisation="fyrbodal")]
    )
    assigned = by_id(after)[meeting_id]
    assert (assigned.convener_org, assigned.convener_person, assigned.convener_reason) == (
        "fyrbodal", "linnea.ek", "assign",
    )
    rest = [m for m in after if m.term_id == "vt2027" and m.id != meeting_id]
    assert len(rest) == 5 and {m.convener_org for m in rest} == {"gr"}
    assert next(m.convener_org for m in after if m.term_id == "ht2027") == "fyrbodal"


def test_skip_for_a_meeting_in_per_meeting_rotation_defers_the_turn_to_the_next() -> None:
    change = ScheduleChange("skip", meeting=chefs_id("2026-05-19"), organisation="gr")
    after = build_schedule(CHEFS, [change])
    assert conveners(after) == [
        "vgr", "fyrbodal", "gr", "sjuharad", "skaraborg", "vgr", "gr", "fyrbodal",
    ]  # fmt: skip
    assert [m.convener_reason for m in after][1:3] == ["rotation", "deferred"]


def test_a_meeting_every_organisation_is_skipped_for_has_no_convener_and_takes_no_turn() -> None:
    meeting_id = chefs_id("2026-09-24")  # fyrbodal's turn
    changes = [ScheduleChange("skip", meeting=meeting_id, organisation=o) for o in CHEFS_ORDER]
    after = build_schedule(CHEFS, changes)
    assert by_id(after)[meeting_id].status == "planned"
    assert by_id(after)[meeting_id].convener_reason == "none"
    assert conveners(after) == [
        "vgr", "gr", None, "fyrbodal", "sjuharad", "skaraborg", "vgr", "gr",
    ]  # fmt: skip


def test_skip_for_a_term_in_per_meeting_rotation() -> None:
    after = build_schedule(
        CHEFS, [ScheduleChange("skip", term_id="ht2026", organisation="sjuharad")]
    )
    assert conveners(after) == [
        "vgr", "gr", "fyrbodal", "skaraborg", "sjuharad", "vgr", "gr", "fyrbodal",
    ]  # fmt: skip


def test_skip_for_a_term_in_per_term_rotation_keeps_the_place() -> None:
    after = build_schedule(
        ARBETS, [ScheduleChange("skip", term_id="ht2026", organisation="skaraborg")]
    )
    per_term = [{m.convener_org for m in after if m.term_id == t} for t in TERM_IDS]
    assert per_term == [{"vgr"}, {"gr"}, {"skaraborg"}, {"fyrbodal"}]


def test_skip_for_one_meeting_in_per_term_rotation_only_moves_that_meeting() -> None:
    meeting_id = arbets_id("2026-12-08")
    before = build_schedule(ARBETS)
    after = build_schedule(
        ARBETS, [ScheduleChange("skip", meeting=meeting_id, organisation="skaraborg")]
    )
    assert by_id(after)[meeting_id].convener_org == "gr"  # next in the order after skaraborg
    assert [m for m in after if m.id != meeting_id] == [m for m in before if m.id != meeting_id]


def test_changes_count_how_often_a_meeting_was_touched() -> None:
    a, b = chefs_id("2026-05-19"), chefs_id("2026-11-26")
    after = by_id(
        build_schedule(
            CHEFS,
            [
                ScheduleChange("swap", meeting=a, other_meeting=b),
                ScheduleChange("assign", meeting=b, organisation="vgr"),
                ScheduleChange("skip", term_id="vt2027", organisation="vgr"),
            ],
        )
    )
    assert (after[a].changes, after[b].changes, after[chefs_id("2026-02-26")].changes) == (1, 2, 0)


# --- determinism ------------------------------------------------------------------------------

SOME_CHANGES = (
    ScheduleChange("swap", meeting=chefs_id("2026-05-19"), other_meeting=chefs_id("2027-05-20")),
    ScheduleChange("skip", meeting=chefs_id("2026-09-24"), organisation="fyrbodal"),
    ScheduleChange("cancel", meeting=chefs_id("2027-02-25")),
    ScheduleChange(
        "move", meeting=chefs_id("2027-09-23"), new_start=datetime(2027, 9, 30, 11, tzinfo=UTC)
    ),
    ScheduleChange("assign", meeting=chefs_id("2027-11-25"), organisation="sjuharad"),
    ScheduleChange("skip", term_id="ht2027", organisation="vgr"),
)


def test_same_inputs_give_the_same_schedule_twice_and_from_fresh_copies() -> None:
    first = build_schedule(CHEFS, SOME_CHANGES)
    assert build_schedule(CHEFS, SOME_CHANGES) == first
    # A freshly loaded configuration and freshly built changes: equal, not identical, objects.
    fresh_calendar = calendars_of(load_example())["chefsgrupp"]
    fresh_changes = [dataclasses.replace(c) for c in SOME_CHANGES]
    assert fresh_calendar is not CHEFS
    assert build_schedule(fresh_calendar, fresh_changes) == first
    assert build_schedule(fresh_calendar, tuple(fresh_changes)) == first


def test_a_window_only_filters_and_never_shifts_the_rotation() -> None:
    whole = build_schedule(CHEFS, SOME_CHANGES)
    window = (date(2027, 1, 1), date(2027, 12, 31))
    assert build_schedule(CHEFS, SOME_CHANGES, window) == [
        m for m in whole if window[0] <= m.local_date <= window[1]
    ]


def test_the_schedule_does_not_depend_on_the_order_of_the_terms() -> None:
    shuffled = dataclasses.replace(CHEFS, terms=tuple(reversed(CHEFS.terms)))
    assert build_schedule(shuffled, SOME_CHANGES) == build_schedule(CHEFS, SOME_CHANGES)


# --- summer time ------------------------------------------------------------------------------


def test_nine_oclock_meetings_stay_at_nine_local_across_both_dst_changes_2026_and_2027() -> None:
    meetings = build_schedule(ARBETS)
    for meeting in meetings:
        start = meeting.start.astimezone(STOCKHOLM)
        assert (start.hour, start.minute) == (9, 0), meeting
        assert meeting.end - meeting.start == timedelta(hours=1)
    utc_hours = {m.local_date: m.start.astimezone(UTC).hour for m in meetings}
    # Summer time starts 29 Mar 2026 / 28 Mar 2027 and ends 25 Oct 2026 / 31 Oct 2027.
    assert utc_hours[date(2026, 3, 10)] == 8
    assert utc_hours[date(2026, 4, 14)] == 7
    assert utc_hours[date(2026, 10, 13)] == 7
    assert utc_hours[date(2026, 11, 10)] == 8
    assert utc_hours[date(2027, 3, 9)] == 8
    assert utc_hours[date(2027, 4, 13)] == 7
    assert utc_hours[date(2027, 10, 12)] == 7
    assert utc_hours[date(2027, 11, 9)] == 8


def test_a_move_given_in_utc_is_shown_in_local_time() -> None:
    meeting_id = arbets_id("2026-10-13")
    # Stored changes come back from the database as UTC; 07:00 UTC on 27 Oct is 08:00 local.
    change = ScheduleChange(
        "move", meeting=meeting_id, new_start=datetime(2026, 10, 27, 7, tzinfo=UTC)
    )
    moved = by_id(build_schedule(ARBETS, [change]))[meeting_id]
    assert moved.start.astimezone(STOCKHOLM).hour == 8
    assert moved.local_date == date(2026, 10, 27)


# --- properties: random changes to the chefsgrupp --------------------------------------------

CHEFS_IDS = ids(build_schedule(CHEFS))


def change_lists(
    meeting_ids: Sequence[str], term_ids: Sequence[str], max_size: int = 14
) -> st.SearchStrategy[list[ScheduleChange]]:
    meetings = st.sampled_from(list(meeting_ids))
    terms = st.sampled_from(list(term_ids))
    orgs = st.sampled_from(CHEFS_ORDER)
    one = st.one_of(
        st.builds(
            lambda m, o: ScheduleChange("skip", meeting=m, organisation=o), meetings, orgs
        ),
        st.builds(lambda t, o: ScheduleChange("skip", term_id=t, organisation=o), terms, orgs),
        st.builds(
            lambda a, b: ScheduleChange("swap", meeting=a, other_meeting=b), meetings, meetings
        ),
        st.builds(
            lambda m, o: ScheduleChange("assign", meeting=m, organisation=o), meetings, orgs
        ),
        st.builds(lambda m: ScheduleChange("cancel", meeting=m), meetings),
    )
    return st.lists(one, max_size=max_size)


def covers(change: ScheduleChange, org: str, meeting: Meeting) -> bool:
    """True when `change` is a skip of `org` for `meeting` (itself, or its whole term)."""

    return (
        change.kind == "skip"
        and change.organisation == org
        and (change.meeting == meeting.id or (change.term_id is not None
                                              and change.term_id == meeting.term_id))
    )


def edits(change: ScheduleChange, meeting: Meeting) -> bool:
    return change.kind in ("swap", "assign") and meeting.id in (
        change.meeting,
        change.other_meeting,
    )


@settings(max_examples=300, deadline=None)
@given(change_lists(CHEFS_IDS, TERM_IDS))
def test_a_skipped_org_only_convenes_a_meeting_it_is_skipped_for_by_a_later_edit(
    changes: list[ScheduleChange],
) -> None:
    # The exact rule (domain/rotation.py, rule 7): skips shape the rotation wherever they are
    # in the list; a swap or assignment made after a skip wins over it, and a skip made after
    # a swap or assignment undoes it for the meetings it covers. So if a meeting's convener is
    # skipped for it, some swap or assignment naming that meeting comes after the last such skip.
    meetings = build_schedule(CHEFS, changes)
    assert ids(meetings) == CHEFS_IDS  # nothing appears or disappears
    cancelled = {c.meeting for c in changes if c.kind == "cancel"}
    for meeting in meetings:
        if meeting.id in cancelled:
            assert meeting.status == "cancelled"
            assert meeting.convener_org is None and meeting.convener_person is None
            continue
        assert meeting.status == "planned"
        org = meeting.convener_org
        if org is None:
            # Nobody convenes only when every organisation is skipped for the meeting.
            assert all(any(covers(c, o, meeting) for c in changes) for o in CHEFS_ORDER)
            continue
        skips = [i for i, c in enumerate(changes) if covers(c, org, meeting)]
        if skips:
            assert any(edits(c, meeting) for c in changes[skips[-1] + 1 :]), (meeting, changes)
        if not any(edits(c, meeting) for c in changes):
            assert meeting.convener_reason in ("rotation", "deferred")
        representative = (CHEFS.representatives or {})[org]
        assert meeting.convener_person == representative.person


@settings(max_examples=100, deadline=None)
@given(change_lists(CHEFS_IDS, TERM_IDS, max_size=8))
def test_random_changes_give_the_same_schedule_every_time(
    changes: list[ScheduleChange],
) -> None:
    first = build_schedule(CHEFS, changes)
    assert build_schedule(CHEFS, [dataclasses.replace(c) for c in changes]) == first


def extended_chefsgrupp(until_year: int = 2037) -> GroupCalendar:
    """The chefsgrupp as configured, continued with two meetings a term up to `until_year`,
    so that random skips still leave room for whole rotation cycles after them."""

    terms = list(CHEFS.terms)
    days = list(CHEFS.series[0].dates)
    for year in range(2028, until_year + 1):
        terms.append(Term(f"vt{year}", "vt", date(year, 1, 10), date(year, 6, 10)))
        terms.append(Term(f"ht{year}", "ht", date(year, 8, 16), date(year, 12, 17)))
        for month, day in ((2, 20), (5, 10), (9, 20), (11, 20)):
            start = date(year, month, day)
            days.append(start + timedelta(days=(3 - start.weekday()) % 7))  # a Thursday
    series = dataclasses.replace(CHEFS.series[0], dates=tuple(days))
    return dataclasses.replace(CHEFS, series=(series,), terms=tuple(terms))


EXTENDED = extended_chefsgrupp()
EXTENDED_MEETINGS = build_schedule(EXTENDED)


def test_the_extended_chefsgrupp_has_every_meeting_two_a_term() -> None:
    assert len(EXTENDED_MEETINGS) == len(EXTENDED.series[0].dates) == 8 + 10 * 4
    assert ids(EXTENDED_MEETINGS)[:8] == CHEFS_IDS
    assert all(Counter(m.term_id for m in EXTENDED_MEETINGS)[t.id] == 2 for t in EXTENDED.terms)


@st.composite
def skip_and_cancel_cases(draw: st.DrawFn) -> tuple[int, list[ScheduleChange]]:
    """A head of whole cycles of chefsgrupp meetings, and random skips and cancels in it."""

    cycles = draw(st.integers(min_value=1, max_value=3))
    head = cycles * len(CHEFS_ORDER)
    head_meetings = EXTENDED_MEETINGS[:head]
    head_ids = [m.id for m in head_meetings]
    # Term skips only for terms wholly in the head, so that everything after it is skip-free.
    whole_terms = [
        t for t, n in Counter(m.term_id for m in head_meetings).items() if n == 2 and t
    ]
    orgs = st.sampled_from(CHEFS_ORDER)
    one = st.one_of(
        st.builds(
            lambda m, o: ScheduleChange("skip", meeting=m, organisation=o),
            st.sampled_from(head_ids),
            orgs,
        ),
        st.builds(
            lambda t, o: ScheduleChange("skip", term_id=t, organisation=o),
            st.sampled_from(whole_terms),
            orgs,
        ),
        st.builds(lambda m: ScheduleChange("cancel", meeting=m), st.sampled_from(head_ids)),
    )
    return head, draw(st.lists(one, max_size=14))


@settings(max_examples=300, deadline=None)
@given(skip_and_cancel_cases())
@example(  # every organisation skipped for one meeting, which then takes no turn
    (5, [ScheduleChange("skip", meeting=chefs_id("2026-09-24"), organisation=o)
         for o in CHEFS_ORDER])
)
@example(  # a cancel and a skip of the organisation that then gets the turn
    (10, [ScheduleChange("cancel", meeting=chefs_id("2026-05-19")),
          ScheduleChange("skip", meeting=chefs_id("2026-09-24"), organisation="gr"),
          ScheduleChange("skip", term_id="vt2027", organisation="fyrbodal")])
)
def test_with_skips_and_cancels_whole_cycles_are_exactly_fair_once_owed_turns_are_served(
    case: tuple[int, list[ScheduleChange]],
) -> None:
    # The property, exactly: take k whole cycles of chefsgrupp meetings with random skips
    # (of an organisation for a meeting or a whole term) and random cancellations, followed by
    # at least as many untouched meetings as there are (organisation, meeting) skip pairs (each
    # pair makes at most one owed turn, and each untouched meeting serves one while any is
    # owed), extended until the meetings convened number a whole number of cycles. Over that
    # stretch every organisation convenes exactly equally often. Cancelled meetings, and
    # meetings every organisation is skipped for, have no convener and take no turn.
    head, changes = case
    n = len(CHEFS_ORDER)
    meetings = build_schedule(EXTENDED, changes)
    assert ids(meetings) == ids(EXTENDED_MEETINGS)

    cancelled = {c.meeting for c in changes if c.kind == "cancel"}
    pairs = 0
    nobody: set[str] = set()
    for meeting in meetings[:head]:
        if meeting.id in cancelled:
            continue
        skipped = {o for o in CHEFS_ORDER if any(covers(c, o, meeting) for c in changes)}
        pairs += len(skipped)
        if len(skipped) == n:
            nobody.add(meeting.id)
    convened_in_head = head - len(cancelled) - len(nobody)
    trailing = pairs
    while (convened_in_head + trailing) % n:
        trailing += 1
    stretch = meetings[: head + trailing]
    assert len(stretch) == head + trailing, "extend the calendar further"

    assert {m.id for m in stretch if m.convener_org is None} == cancelled | nobody
    counts = Counter(m.convener_org for m in stretch if m.convener_org is not None)
    cycles = (convened_in_head + trailing) // n
    assert counts == Counter({org: cycles for org in CHEFS_ORDER})
    # And over the whole calendar: the counts of the plain rotation over the convened meetings.
    convened = [m.convener_org for m in meetings if m.convener_org is not None]
    assert Counter(convened) == Counter(CHEFS_ORDER[i % n] for i in range(len(convened)))
