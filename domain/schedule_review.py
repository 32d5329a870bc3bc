"""What a change would do to a group's schedule, judged before it is stored.

The commands that change the schedule (swap, skip, assign, cancel, move) build the schedule
without and with the change (`domain.schedule.build_schedule`) and ask these pure functions:

- `held`: a meeting that has begun, or has notes recorded against it, is history: it is never
  cancelled, moved or given another convener.
- `overlapping`: the meeting of the same group that a new time would collide with (any
  overlap, not only the same start).
- `changed_history`: a meeting that has begun and whose time, status or convener the change
  would alter (a term skip in a term under way, for one).
- `convener_changes`: every meeting whose convener the change alters, in runs, so the answer
  can say exactly what happened ("tor 20 maj 2027: VGR i stället för Skaraborg").
- `new_repeats`: a convener the change makes convene twice in a row (two meetings in a
  per-meeting rotation, two terms in a per-term one) while another organisation of the
  rotation has waited longer: a warning, not a refusal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Literal

from domain.schedule import GroupCalendar, Meeting

__all__ = [
    "ConvenerChange",
    "Repeat",
    "changed_history",
    "convener_changes",
    "held",
    "new_repeats",
    "overlapping",
]


def held(meeting: Meeting, now: datetime, notes: int = 0) -> bool:
    """True for a meeting that has begun, or that has decisions or next steps recorded."""

    return meeting.start <= now or notes > 0


def overlapping(
    meetings: Sequence[Meeting], moving: Meeting, start: datetime, end: datetime
) -> Meeting | None:
    """The first other meeting (not cancelled) of the same schedule that [start, end) overlaps."""

    for other in meetings:
        if other.id == moving.id or other.status == "cancelled":
            continue
        if other.start < end and start < other.end:
            return other
    return None


def _visible(meeting: Meeting) -> tuple[object, ...]:
    return (meeting.start, meeting.end, meeting.status, meeting.convener_org)


def changed_history(
    before: Sequence[Meeting], after: Sequence[Meeting], now: datetime
) -> Meeting | None:
    """The first meeting that has begun and that the change would alter, if any."""

    changed = {m.id: m for m in after}
    for meeting in before:
        if meeting.start > now:
            continue
        other = changed.get(meeting.id)
        if other is None or _visible(other) != _visible(meeting):
            return meeting
    return None


@dataclass(frozen=True)
class ConvenerChange:
    """Consecutive meetings whose convener went from `old` to `new` (`count` of them)."""

    first: Meeting
    last: Meeting
    count: int
    old: str | None
    new: str | None


def convener_changes(before: Sequence[Meeting], after: Sequence[Meeting]) -> list[ConvenerChange]:
    """Meetings (not cancelled after the change) whose convener differs, in runs by date.

    A run is broken by any meeting in between that keeps its convener, so every run is true
    of every meeting inside it.
    """

    old = {m.id: m for m in before}
    runs: list[ConvenerChange] = []
    current: ConvenerChange | None = None
    for meeting in sorted(after, key=lambda m: (m.start, m.id)):
        if meeting.status == "cancelled":
            continue
        previous = old.get(meeting.id)
        was = previous.convener_org if previous and previous.status != "cancelled" else None
        if previous is None or was == meeting.convener_org:
            if current is not None:
                runs.append(current)
                current = None
            continue
        if current is not None and (current.old, current.new) == (was, meeting.convener_org):
            current = ConvenerChange(current.first, meeting, current.count + 1, was,
                                     meeting.convener_org)
        else:
            if current is not None:
                runs.append(current)
            current = ConvenerChange(meeting, meeting, 1, was, meeting.convener_org)
    if current is not None:
        runs.append(current)
    return runs


@dataclass(frozen=True)
class Repeat:
    """`org` convenes two units in a row (meetings, or terms); `waited` has waited longest."""

    org: str
    per: Literal["term", "meeting"]
    first: tuple[Meeting, ...]
    second: tuple[Meeting, ...]
    waited: str


@dataclass(frozen=True)
class _Unit:
    key: str
    org: str
    meetings: tuple[Meeting, ...]


def _units(calendar: GroupCalendar, meetings: Sequence[Meeting]) -> list[_Unit]:
    convened = sorted(
        (m for m in meetings if m.status != "cancelled" and m.convener_org is not None),
        key=lambda m: (m.start, m.id),
    )
    if calendar.rotation_per == "meeting":
        return [_Unit(m.id, m.convener_org or "", (m,)) for m in convened]
    by_term: dict[str, list[Meeting]] = {}
    for meeting in convened:
        by_term.setdefault(meeting.term_id or meeting.id, []).append(meeting)
    units = []
    for key, in_term in by_term.items():
        # The term's convener is the one convening most of it; swaps and assignments of
        # single meetings do not make it someone else's term.
        counts = Counter(m.convener_org for m in in_term)
        top = max(counts.values())
        org = next(m.convener_org for m in in_term if counts[m.convener_org] == top)
        units.append(_Unit(key, org or "", tuple(in_term)))
    return units


def _pairs(units: Sequence[_Unit]) -> set[tuple[str, str, str]]:
    return {
        (second.org, first.key, second.key)
        for first, second in pairwise(units)
        if first.org == second.org
    }


def new_repeats(
    calendar: GroupCalendar, before: Sequence[Meeting], after: Sequence[Meeting], now: datetime
) -> list[Repeat]:
    """Conveners the change makes convene twice in a row, where another has waited longer.

    Only pairs that did not exist before the change and whose second unit is still to come
    count; a rotation of one organisation never warns.
    """

    order = calendar.rotation_order
    if calendar.rotation_per is None or len(order) < 2:
        return []
    existing = _pairs(_units(calendar, before))
    units = _units(calendar, after)
    found: list[Repeat] = []
    for index in range(1, len(units)):
        first, second = units[index - 1], units[index]
        if first.org != second.org or (second.org, first.key, second.key) in existing:
            continue
        if second.meetings[0].start <= now:
            continue
        last_turn = {org: -1 for org in order}
        for earlier in range(index):
            if units[earlier].org in last_turn:
                last_turn[units[earlier].org] = earlier
        others = [org for org in order if org != second.org]
        waited = min(others, key=lambda org: (last_turn[org], order.index(org)))
        found.append(Repeat(second.org, calendar.rotation_per, first.meetings, second.meetings,
                            waited))
    return found
