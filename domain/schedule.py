"""A group's meetings with their conveners: the calendar and the rotation put together.

One pure function of (the group's calendar, the schedule changes made so far, a window):
the same inputs give the same schedule after any restart, on any instance.

Rules that join the two halves:
- A meeting is identified by ``"<series id>:<date the rule produced>"``; the id survives moves,
  so overrides, calendar UIDs and notes stay attached to the meeting.
- A cancelled meeting stays in the schedule (status ``cancelled``) but takes no turn in the
  rotation: the organisation whose turn it was convenes the next meeting instead.
- A moved meeting keeps its place in the rotation of the term it is moved into; moved out of
  every term (into the summer or Christmas break), it stays in the term it was planned in.
- The rotation starts at the first term (per-term rotation) or the first meeting (per-meeting
  rotation) of the configuration, never at "now", so it does not drift with the clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Literal

from domain import config
from domain.calendar import (
    STOCKHOLM,
    DateRange,
    Occurrence,
    SeriesRule,
    Term,
    expand_series,
    term_of,
)
from domain.rotation import Assign, Override, Skip, Slot, Swap, convener_schedule

MeetingStatus = Literal["planned", "moved", "cancelled"]
ChangeKind = Literal["swap", "skip", "assign", "cancel", "move"]


@dataclass(frozen=True)
class Representative:
    person: str
    stand_in: str | None = None


@dataclass(frozen=True)
class GroupCalendar:
    group_id: str
    series: tuple[SeriesRule, ...]
    terms: tuple[Term, ...]
    rotation_per: Literal["term", "meeting"] | None = None
    rotation_order: tuple[str, ...] = ()
    representatives: Mapping[str, Representative] | None = None


@dataclass(frozen=True)
class ScheduleChange:
    """An administrator's change to the schedule, in the order it was made."""

    kind: ChangeKind
    meeting: str | None = None
    other_meeting: str | None = None
    organisation: str | None = None
    term_id: str | None = None
    new_start: datetime | None = None


@dataclass(frozen=True)
class Meeting:
    id: str
    group_id: str
    series_id: str
    start: datetime
    end: datetime
    original_start: datetime
    location: str
    status: MeetingStatus
    term_id: str | None
    convener_org: str | None
    convener_person: str | None
    stand_in: str | None
    convener_reason: str
    # How many changes touched this meeting directly; part of what a calendar client must see.
    changes: int = 0

    @property
    def local_date(self) -> date:
        return self.start.astimezone(STOCKHOLM).date()

    @property
    def original_local_date(self) -> date:
        return self.original_start.astimezone(STOCKHOLM).date()


def meeting_id(occurrence: Occurrence) -> str:
    return f"{occurrence.series_id}:{occurrence.key}"


def _horizon(calendar: GroupCalendar) -> tuple[date, date] | None:
    if not calendar.terms:
        return None
    return min(t.start for t in calendar.terms), max(t.end for t in calendar.terms)


def build_schedule(
    calendar: GroupCalendar,
    changes: Sequence[ScheduleChange] = (),
    window: tuple[date, date] | None = None,
) -> list[Meeting]:
    """Every meeting of the group (in `window`, by local date, if given), sorted by start."""

    horizon = _horizon(calendar)
    if horizon is None:
        return []
    occurrences = [
        occurrence
        for rule in calendar.series
        for occurrence in expand_series(rule, calendar.terms, horizon[0], horizon[1])
    ]
    touched: dict[str, int] = {}
    for change in changes:
        for key in (change.meeting, change.other_meeting):
            if key:
                touched[key] = touched.get(key, 0) + 1
    meetings = {
        meeting_id(o): Meeting(
            id=meeting_id(o),
            group_id=calendar.group_id,
            series_id=o.series_id,
            start=o.start,
            end=o.end,
            original_start=o.start,
            location=o.location,
            status="planned",
            term_id=None,
            convener_org=None,
            convener_person=None,
            stand_in=None,
            convener_reason="none",
            changes=touched.get(meeting_id(o), 0),
        )
        for o in occurrences
    }
    for change in changes:
        meeting = meetings.get(change.meeting or "")
        if meeting is None:
            continue
        if change.kind == "cancel":
            meetings[meeting.id] = replace(meeting, status="cancelled")
        elif change.kind == "move" and change.new_start is not None:
            duration = meeting.end - meeting.start
            meetings[meeting.id] = replace(
                meeting, start=change.new_start, end=change.new_start + duration, status="moved"
            )
    ordered = sorted(meetings.values(), key=lambda m: (m.start, m.id))
    ordered = [
        replace(
            m,
            term_id=_term_id(m.local_date, calendar.terms)
            or _term_id(m.original_local_date, calendar.terms),
        )
        for m in ordered
    ]
    ordered = _with_conveners(calendar, ordered, changes)
    if window is not None:
        ordered = [m for m in ordered if window[0] <= m.local_date <= window[1]]
    return ordered


def _term_id(day: date, terms: Sequence[Term]) -> str | None:
    term = term_of(day, terms)
    return term.id if term else None


def _with_conveners(
    calendar: GroupCalendar, meetings: list[Meeting], changes: Sequence[ScheduleChange]
) -> list[Meeting]:
    if calendar.rotation_per is None or not calendar.rotation_order:
        return meetings
    held = [m for m in meetings if m.status != "cancelled"]
    if calendar.rotation_per == "meeting":
        slots = [Slot(key=m.id, term_id=m.term_id, meeting_keys=(m.id,)) for m in held]
    else:
        slots = [
            Slot(
                key=term.id,
                term_id=term.id,
                meeting_keys=tuple(m.id for m in held if m.term_id == term.id),
            )
            for term in sorted(calendar.terms, key=lambda t: t.start)
        ]
    overrides: list[Override] = []
    for change in changes:
        if change.kind == "skip" and change.organisation:
            if change.term_id:
                overrides.append(Skip(org=change.organisation, term_id=change.term_id))
            elif change.meeting:
                overrides.append(Skip(org=change.organisation, meeting_key=change.meeting))
        elif change.kind == "swap" and change.meeting and change.other_meeting:
            overrides.append(Swap(change.meeting, change.other_meeting))
        elif change.kind == "assign" and change.meeting and change.organisation:
            overrides.append(Assign(change.meeting, change.organisation))
    assignments = {
        a.meeting_key: a
        for a in convener_schedule(
            calendar.rotation_order, slots, overrides, per=calendar.rotation_per
        )
    }
    representatives = calendar.representatives or {}
    result = []
    for meeting in meetings:
        assignment = assignments.get(meeting.id)
        if assignment is None or assignment.org is None:
            result.append(meeting)
            continue
        representative = representatives.get(assignment.org)
        result.append(
            replace(
                meeting,
                convener_org=assignment.org,
                convener_person=representative.person if representative else None,
                stand_in=representative.stand_in if representative else None,
                convener_reason=assignment.reason,
            )
        )
    return result


def meetings_on(meetings: Sequence[Meeting], day: date) -> list[Meeting]:
    """The meetings a user means by a date: those held that day, else those first planned then."""

    held = [m for m in meetings if m.local_date == day]
    return held or [m for m in meetings if m.original_local_date == day]


def upcoming(meetings: Sequence[Meeting], now: datetime, count: int) -> list[Meeting]:
    return [m for m in meetings if m.end > now][:count]


def latest_held(meetings: Sequence[Meeting], now: datetime) -> Meeting | None:
    past = [m for m in meetings if m.start <= now and m.status != "cancelled"]
    return past[-1] if past else None


def term_window(terms: Sequence[Term], day: date, count: int = 2) -> list[Term]:
    """The term containing `day` (or the next one) and the `count - 1` terms after it."""

    ordered = sorted(terms, key=lambda t: t.start)
    following = [t for t in ordered if t.end >= day]
    return following[:count]


def series_rule(series: config.MeetingSeries, group_id: str) -> SeriesRule:
    return SeriesRule(
        id=series.id,
        group_id=group_id,
        start_time=series.start_time,
        duration=timedelta(minutes=series.duration_minutes),
        location=series.location,
        rrule=series.rrule,
        dtstart=series.dtstart,
        until=series.until,
        dates=series.dates,
        on_non_working_day=series.on_non_working_day,
    )


def term_rule(term: config.Term) -> Term:
    return Term(
        id=term.id,
        kind=term.kind,
        start=term.start,
        end=term.end,
        breaks=tuple(DateRange(b.start, b.end, b.name) for b in term.breaks),
    )


def group_calendar(group: config.Group, terms: Sequence[config.Term]) -> GroupCalendar:
    """The one translation from configuration to the calendar; storage rebuilds the config
    models from its rows and comes through here too."""

    rotation = group.rotation
    return GroupCalendar(
        group_id=group.id,
        series=tuple(series_rule(s, group.id) for s in group.series),
        terms=tuple(term_rule(t) for t in terms),
        rotation_per=rotation.per if rotation else None,
        rotation_order=rotation.order if rotation else (),
        representatives={
            r.organisation: Representative(r.person, r.stand_in)
            for r in (rotation.representatives if rotation else ())
        },
    )
