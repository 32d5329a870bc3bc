"""Announcements: a change to the schedule, and a term's convener taking over, told at once.

Pure rules of who is told and when; the messages go through the reminder outbox like every
reminder (claimed by a unique key, paced, once through restarts and instances).

- A stored schedule change (swap, skip, assign, cancel, move) is announced when it was made:
  once in the group's channel, and directly to the contact and the stand-in of each
  organisation whose duty it changed (the organisations that convene a changed meeting before
  or after the change, and the convener of a meeting cancelled or moved). Key:
  `change:<change id>|announce_change|<recipient>`.
- In a per-term rotation, the first working day of each term announces who convenes this
  term, at the series' send time: in the channel and to that organisation's contact and
  stand-in. Key: `term:<group>:<term>|announce_term|<recipient>`.

A person away on the day (`domain.absence`) is not written to; the stand-in still is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.absence import NO_ABSENCES, Absences
from domain.calendar import STOCKHOLM, is_working_day, local_datetime, swedish_days_off
from domain.reminders import Reminder, ReminderRules, Rule
from domain.schedule import GroupCalendar, Meeting, ScheduleChange, build_schedule
from domain.schedule_review import convener_changes


@dataclass(frozen=True)
class StoredChange:
    """A schedule change as stored: its number, and when it was made."""

    id: int
    change: ScheduleChange
    created_at: datetime


def duty_changed(change: ScheduleChange, before: Sequence[Meeting],
                 after: Sequence[Meeting]) -> list[str]:
    """The organisations whose duty `change` changed, in the order they are affected."""

    orgs: list[str] = []
    old = {m.id: m for m in before}
    if change.kind in ("cancel", "move") and change.meeting in old:
        orgs.append(old[change.meeting].convener_org or "")
    for run in convener_changes(before, after):
        orgs.extend(org for org in (run.old, run.new) if org)
    return list(dict.fromkeys(org for org in orgs if org))


def changed_meeting(change: ScheduleChange, before: Sequence[Meeting],
                    after: Sequence[Meeting]) -> Meeting | None:
    """The meeting the announcement is about: the one named, else the first one changed."""

    by_id = {m.id: m for m in after}
    if change.meeting in by_id:
        return by_id[change.meeting or ""]
    runs = convener_changes(before, after)
    if runs:
        return runs[0].first
    in_term = [m for m in after if m.term_id == change.term_id]
    return in_term[0] if in_term else None


def _recipients(calendar: GroupCalendar, orgs: Iterable[str], has_channel: bool,
                absences: Absences, day: date) -> list[str]:
    out = ["channel"] if has_channel else []
    representatives = calendar.representatives or {}
    for org in orgs:
        representative = representatives.get(org)
        if representative is None:
            continue
        for person in (representative.person, representative.stand_in):
            if person and absences.away(person, day) is None:
                out.append(f"person:{person}")
    return list(dict.fromkeys(out))


def _reminders(rule: Rule, prefix: str, meeting: Meeting, recipients: Sequence[str],
               due: datetime) -> list[Reminder]:
    return [
        Reminder(
            key=f"{prefix}|{rule}|{recipient}",
            rule=rule,
            group_id=meeting.group_id,
            meeting_id=meeting.id,
            series_id=meeting.series_id,
            meeting_start=meeting.start,
            recipient=recipient,
            due_at=due,
        )
        for recipient in recipients
    ]


def change_announcements(
    calendar: GroupCalendar,
    changes: Sequence[StoredChange],
    *,
    has_channel: bool,
    since: datetime,
    absences: Absences = NO_ABSENCES,
) -> list[Reminder]:
    """The announcements of the changes made after `since` (each due when it was made)."""

    out: list[Reminder] = []
    for index, stored in enumerate(changes):
        if stored.created_at <= since:
            continue
        earlier = [c.change for c in changes[:index]]
        before = build_schedule(calendar, earlier)
        after = build_schedule(calendar, [*earlier, stored.change])
        meeting = changed_meeting(stored.change, before, after)
        if meeting is None:
            continue
        day = stored.created_at.astimezone(STOCKHOLM).date()
        recipients = _recipients(calendar, duty_changed(stored.change, before, after),
                                 has_channel, absences, day)
        out.extend(_reminders("announce_change", f"change:{stored.id}", meeting, recipients,
                              stored.created_at))
    return out


def term_start(day: date) -> date:
    """The first working day on or after `day`."""

    days_off = swedish_days_off((day.year, day.year + 1))
    while not is_working_day(day, days_off):
        day += timedelta(days=1)
    return day


def term_announcements(
    calendar: GroupCalendar,
    meetings: Sequence[Meeting],
    rules_by_series: Mapping[str, ReminderRules],
    *,
    has_channel: bool,
    absences: Absences = NO_ABSENCES,
) -> list[Reminder]:
    """In a per-term rotation: who convenes, on each term's first working day."""

    if calendar.rotation_per != "term":
        return []
    out: list[Reminder] = []
    for term in calendar.terms:
        held = [m for m in meetings
                if m.term_id == term.id and m.status != "cancelled" and m.convener_org]
        if not held:
            continue
        first = held[0]
        rules = rules_by_series.get(first.series_id, ReminderRules())
        day = term_start(term.start)
        due = local_datetime(day, rules.send_at)
        if due >= first.start:
            continue
        recipients = _recipients(calendar, [first.convener_org or ""], has_channel,
                                 absences, day)
        out.extend(_reminders("announce_term", f"term:{calendar.group_id}:{term.id}", first,
                              recipients, due))
    return out
