"""The meeting cycle's pure rules: per-series choice of reminders, absence, announcements.

Meetings are built by hand (as in test_reminders) or from the example configuration; every
person is an invented one of the example.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest

from domain.absence import Absence, Absences, absence_problem
from domain.announcements import (
    StoredChange,
    change_announcements,
    duty_changed,
    term_announcements,
)
from domain.calendar import local_datetime
from domain.config import load_config_text
from domain.reminders import GroupAudience, Member, ReminderRules, reminders_for
from domain.schedule import ScheduleChange, build_schedule, group_calendar
from tests.domain.test_reminders import CONVENER, EXAMPLE, MEMBERS, audience, meeting

TUE = date(2026, 9, 8)
CREATED = local_datetime(date(2026, 9, 1), time(14, 30))


def rules_of(reminders: list) -> set[tuple[str, str]]:  # type: ignore[type-arg]
    return {(r.rule, r.recipient) for r in reminders}


def away(person: str, start: date, end: date, number: int = 1) -> Absences:
    return Absences.of([Absence(number, person, start, end, CREATED)])


# --- per series: which reminders, and where --------------------------------------------------


def test_the_defaults_are_todays_behaviour() -> None:
    planned = rules_of(reminders_for(meeting(TUE), ReminderRules(), audience(), frozenset()))
    assert ("update_request", "channel") in planned and ("day_before", "channel") in planned
    assert {p for r, p in planned if r == "update_request_dm"} == {f"person:{m}" for m in MEMBERS}
    assert not [p for r, p in planned if r == "day_before" and p != "channel"]


def test_channel_only_sends_no_direct_requests_nor_nudges() -> None:
    rules = ReminderRules(update_request_to="channel")
    planned = rules_of(reminders_for(meeting(TUE), rules, audience(), frozenset()))
    assert ("update_request", "channel") in planned
    assert not [r for r, _p in planned if r in ("update_request_dm", "nudge_dm")]
    # The convener is still reminded: that is a personal duty, not noise.
    assert ("convener_prepare", f"person:{CONVENER}") in planned


def test_direct_only_and_both_for_the_day_before() -> None:
    direct = rules_of(reminders_for(meeting(TUE), ReminderRules(day_before_to="direct"),
                                    audience(), frozenset()))
    assert ("day_before", "channel") not in direct
    assert {p for r, p in direct if r == "day_before"} == {f"person:{m}" for m in MEMBERS}
    both = rules_of(reminders_for(meeting(TUE), ReminderRules(day_before_to="both"),
                                  audience(dm_off=("sofia.marklund",)), frozenset()))
    assert ("day_before", "channel") in both
    # A person who turned direct reminders off still gets none.
    assert ("day_before", "person:sofia.marklund") not in both


def test_a_series_can_turn_each_reminder_off() -> None:
    rules = ReminderRules(update_request=False, convener_prepare=False, day_before=False,
                          after_meeting=False)
    assert reminders_for(meeting(TUE), rules, audience(), frozenset()) == []


def test_a_channel_reminder_without_a_channel_still_reaches_the_members() -> None:
    planned = rules_of(reminders_for(meeting(TUE), ReminderRules(update_request_to="channel"),
                                     audience(has_channel=False), frozenset()))
    assert ("update_request_dm", "person:johan.wikstrom") in planned


def test_the_example_configuration_uses_the_choices() -> None:
    config = load_config_text(EXAMPLE.read_text("utf-8")).config
    assert config is not None
    chosen = {s.id: s.reminders for g in config.groups for s in g.series}
    assert any(r.update_request_to != "both" or r.day_before_to != "channel"
               for r in chosen.values())


def test_a_wrong_audience_in_the_configuration_is_a_problem_with_its_line() -> None:
    text = EXAMPLE.read_text("utf-8").replace(
        'day_before_to = "channel"', 'day_before_to = "everyone"', 1)
    result = load_config_text(text)
    assert result.config is None
    assert any("day_before_to" in p.path and p.line for p in result.problems)


# --- absence ---------------------------------------------------------------------------------


def test_no_reminders_to_a_person_on_the_days_they_are_away() -> None:
    # The update requests go out Tue 1 Sep; Johan is away 31 Aug – 2 Sep.
    absences = away("johan.wikstrom", date(2026, 8, 31), date(2026, 9, 2))
    planned = rules_of(reminders_for(meeting(TUE), ReminderRules(), audience(), frozenset(),
                                     absences))
    assert ("update_request_dm", "person:johan.wikstrom") not in planned
    assert ("update_request_dm", "person:sofia.marklund") in planned
    # The nudge on Fri 4 Sep finds him back.
    assert ("nudge_dm", "person:johan.wikstrom") in planned


def test_the_conveners_reminders_go_to_the_stand_in_who_is_told_at_once() -> None:
    with_stand_in = replace(meeting(TUE), stand_in="sofia.marklund")
    absences = away(CONVENER, date(2026, 9, 7), date(2026, 9, 9), number=7)
    planned = reminders_for(with_stand_in, ReminderRules(), audience(), frozenset(), absences)
    by_rule = {(r.rule, r.recipient): r for r in planned}
    assert ("convener_prepare", "person:sofia.marklund") in by_rule
    assert ("after_meeting", "person:sofia.marklund") in by_rule
    assert not [k for k in by_rule
                if k[1] == f"person:{CONVENER}" and k[0] in ("convener_prepare", "after_meeting")]
    told = by_rule[("absence_stand_in", "person:sofia.marklund")]
    assert told.due_at == CREATED and ":7|" in told.key


def test_without_a_stand_in_the_administrators_are_told_in_good_time() -> None:
    absences = away(CONVENER, date(2026, 9, 7), date(2026, 9, 9))
    aud = replace(audience(), admins=("johan.wikstrom",))
    rules = ReminderRules(no_stand_in_alert_working_days_before=4)
    planned = reminders_for(meeting(TUE), rules, aud, frozenset(), absences)
    (alert,) = [r for r in planned if r.rule == "absence_no_stand_in"]
    assert alert.recipient == "person:johan.wikstrom"
    # Four working days before Tue 8 Sep: Wed 2 Sep, at the send time.
    assert alert.due_at == local_datetime(date(2026, 9, 2), time(9, 0))
    assert not [r for r in planned if r.rule == "convener_prepare"]
    # Registered later than that: the administrators are told at once.
    late = Absences.of([Absence(1, CONVENER, date(2026, 9, 7), date(2026, 9, 9),
                                local_datetime(date(2026, 9, 4), time(16, 0)))])
    (alert,) = [r for r in reminders_for(meeting(TUE), rules, aud, frozenset(), late)
                if r.rule == "absence_no_stand_in"]
    assert alert.due_at == local_datetime(date(2026, 9, 4), time(16, 0))


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (date(2026, 9, 9), date(2026, 9, 8), "absence.end_before_start"),
        (date(2026, 8, 1), date(2026, 8, 31), "absence.in_past"),
        (date(2026, 9, 1), date(2027, 9, 2), "absence.too_long"),
        (date(2026, 8, 30), date(2026, 9, 2), None),
    ],
)
def test_what_absence_is_accepted(start: date, end: date, code: str | None) -> None:
    assert absence_problem(start, end, date(2026, 9, 1)) == code


# --- announcements ---------------------------------------------------------------------------


def example_calendar(group: str):  # type: ignore[no-untyped-def]
    config = load_config_text(EXAMPLE.read_text("utf-8")).config
    assert config is not None
    (found,) = [g for g in config.groups if g.id == group]
    return group_calendar(found, config.terms)


def test_a_cancellation_is_announced_in_the_channel_and_to_the_conveners_contacts() -> None:
    calendar = example_calendar("chefsgrupp")
    meetings = build_schedule(calendar)
    target = next(m for m in meetings if m.local_date == date(2026, 9, 24))
    change = StoredChange(4, ScheduleChange(kind="cancel", meeting=target.id), CREATED)
    planned = change_announcements(calendar, [change], has_channel=True,
                                   since=CREATED - timedelta(days=3))
    assert planned[0].recipient == "channel"
    assert {r.key.split("|")[0] for r in planned} == {"change:4"}
    assert {r.due_at for r in planned} == {CREATED}
    # A per-meeting rotation: the cancelled meeting's turn moves on, so every organisation
    # convening a later meeting differently is told (contact and stand-in).
    after = build_schedule(calendar, [change.change])
    orgs = duty_changed(change.change, meetings, after)
    assert orgs[0] == target.convener_org
    representatives = calendar.representatives or {}
    people = {f"person:{p}" for o in orgs for p in (representatives[o].person,
                                                      representatives[o].stand_in) if p}
    assert {r.recipient for r in planned} == {"channel", *people}
    # Made before the lookback: nothing to announce any more.
    assert change_announcements(calendar, [change], has_channel=True, since=CREATED) == []


def test_an_absent_contact_is_not_written_to_the_stand_in_still_is() -> None:
    calendar = example_calendar("chefsgrupp")
    meetings = build_schedule(calendar)
    target = next(m for m in meetings if m.local_date == date(2026, 9, 24))
    contact = target.convener_person or ""
    change = StoredChange(5, ScheduleChange(kind="move", meeting=target.id,
                                            new_start=target.start + timedelta(days=1)), CREATED)
    absences = away(contact, date(2026, 9, 1), date(2026, 9, 2))
    planned = change_announcements(calendar, [change], has_channel=False,
                                   since=CREATED - timedelta(hours=1), absences=absences)
    recipients = {r.recipient for r in planned}
    assert f"person:{target.stand_in}" in recipients and f"person:{contact}" not in recipients


def test_a_terms_convener_is_announced_on_its_first_working_day() -> None:
    calendar = example_calendar("arbetsgrupp")
    meetings = build_schedule(calendar)
    planned = term_announcements(calendar, meetings, {}, has_channel=True)
    by_term = {r.key.split("|")[0]: r for r in planned if r.recipient == "channel"}
    ht = by_term["term:arbetsgrupp:ht2026"]
    first = min((m for m in meetings if m.term_id == "ht2026" and m.status != "cancelled"),
                key=lambda m: m.start)
    assert ht.meeting_id == first.id
    term = next(t for t in calendar.terms if t.id == "ht2026")
    assert ht.due_at.date() >= term.start and ht.due_at < first.start
    people = {r.recipient for r in planned if r.key.startswith("term:arbetsgrupp:ht2026|")}
    assert f"person:{first.convener_person}" in people
    # A per-meeting rotation has no term turn to announce.
    assert term_announcements(example_calendar("chefsgrupp"), [], {}, has_channel=True) == []


def test_nobody_away_means_nothing_changes() -> None:
    a = reminders_for(meeting(TUE), ReminderRules(), audience(), frozenset())
    b = reminders_for(meeting(TUE), ReminderRules(), audience(), frozenset(), Absences())
    assert a == b


def test_members_of_the_audience_keep_their_choice() -> None:
    aud = GroupAudience("arbetsgrupp", True, (Member("sofia.marklund", False),))
    planned = rules_of(reminders_for(meeting(TUE), ReminderRules(), aud, frozenset()))
    assert not [p for _r, p in planned if p == "person:sofia.marklund"]


def test_dates_are_datetimes_with_zones() -> None:
    assert isinstance(CREATED, datetime) and CREATED.tzinfo is not None
