"""Which reminders are due: a pure function of the schedule, the rules and the clock.

Every reminder has a delivery key, unique per (series, meeting, rule, recipient). The scheduler
claims a key in the database before it sends anything, which is what makes each reminder go out
at most once across restarts and instances. The meeting part of the key carries the meeting's
date, so a meeting that is moved gets its reminders again for the new date, while a cancelled
meeting plans none at all.

Send times: reminders go out at the rule's local time (default 09:00 Europe/Stockholm) on a
working day; a day that is a weekend, holiday or de facto day off gives way to the working day
before. The prompt after the meeting goes out when the meeting ends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from domain.absence import NO_ABSENCES, Absence, Absences
from domain.calendar import (
    STOCKHOLM,
    add_working_days,
    is_working_day,
    local_datetime,
    previous_working_day,
    swedish_days_off,
)
from domain.schedule import Meeting

Rule = Literal[
    "update_request",
    "update_request_dm",
    "nudge_dm",
    "convener_prepare",
    "day_before",
    "after_meeting",
    # Before a milestone of the plan (`domain.followup.milestone_reminders`): no meeting.
    "milestone",
    # Announcements and absence notices (`domain.announcements`): the same outbox.
    "announce_change",
    "announce_term",
    "absence_stand_in",
    "absence_no_stand_in",
    # Not a meeting's reminder: the answer to a question, to the channel of the group that
    # raised it (`domain.agenda.answer_reminder`), through the same outbox.
    "question_answered",
]
# The rules of a meeting (`reminders_for`).
RULES: tuple[Rule, ...] = (
    "update_request",
    "update_request_dm",
    "nudge_dm",
    "convener_prepare",
    "day_before",
    "after_meeting",
)
Audience = Literal["channel", "direct", "both"]
# Sent whether or not the recipient is away that day: they are addressed to whoever stands in.
ROUTED: tuple[Rule, ...] = (
    "convener_prepare", "after_meeting", "absence_stand_in", "absence_no_stand_in",
)


@dataclass(frozen=True)
class ReminderRules:
    """A series' reminder settings (`domain.config_reminders` documents each one)."""

    update_request_days_before: int = 7
    nudge_days_before: int = 2  # 0: no second nudge
    convener_working_days_before: int = 5
    day_before: bool = True
    after_meeting: bool = True
    send_at: time = time(9, 0)
    update_request: bool = True
    update_request_to: Audience = "both"
    convener_prepare: bool = True
    day_before_to: Audience = "channel"
    no_stand_in_alert_working_days_before: int = 5


@dataclass(frozen=True)
class Member:
    person_id: str
    reminders_dm: bool = True


@dataclass(frozen=True)
class GroupAudience:
    """Who a group's reminders reach: its channel, if any, and its active members."""

    group_id: str
    has_channel: bool
    members: tuple[Member, ...]
    # The administrators: told when a convener is away and has no stand-in.
    admins: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reminder:
    key: str
    rule: Rule
    group_id: str
    meeting_id: str
    series_id: str
    meeting_start: datetime
    # "channel" or "person:<id>"
    recipient: str
    due_at: datetime

    @property
    def person_id(self) -> str | None:
        return self.recipient.removeprefix("person:") if self.recipient != "channel" else None


@dataclass(frozen=True)
class Delivery:
    """One reminder on one platform: the unit the outbox claims, sends and marks."""

    reminder: Reminder
    platform: str

    @property
    def key(self) -> str:
        return f"{self.reminder.key}|{self.platform}"


def _working_day_on_or_before(day: date) -> date:
    days_off = swedish_days_off((day.year - 1, day.year))
    return day if is_working_day(day, days_off) else previous_working_day(day, days_off)


def due_at(meeting: Meeting, rule: Rule, rules: ReminderRules) -> datetime | None:
    """When `rule` is due for `meeting`, or None if the rule is switched off."""

    meeting_day = meeting.start.astimezone(STOCKHOLM).date()
    if rule == "after_meeting":
        return meeting.end if rules.after_meeting else None
    if rule in ("update_request", "update_request_dm"):
        if not rules.update_request:
            return None
        day = meeting_day - timedelta(days=rules.update_request_days_before)
    elif rule == "nudge_dm":
        if rules.nudge_days_before <= 0 or not rules.update_request:
            return None
        day = meeting_day - timedelta(days=rules.nudge_days_before)
    elif rule in ("convener_prepare", "absence_no_stand_in"):
        if rule == "convener_prepare" and not rules.convener_prepare:
            return None
        before = (rules.convener_working_days_before if rule == "convener_prepare"
                  else rules.no_stand_in_alert_working_days_before)
        days_off = swedish_days_off((meeting_day.year - 1, meeting_day.year))
        day = add_working_days(meeting_day, -before, days_off)
    elif rule == "day_before":
        if not rules.day_before:
            return None
        day = meeting_day - timedelta(days=1)
    else:
        return None
    return local_datetime(_working_day_on_or_before(day), rules.send_at)


def _to_channel(audience: Audience, has_channel: bool) -> bool:
    return has_channel and audience in ("channel", "both")


def _to_members(audience: Audience, has_channel: bool) -> bool:
    # Without a channel, "to the channel" means each member directly, as it always has.
    return audience in ("direct", "both") or not has_channel


def convener_for(
    meeting: Meeting, absences: Absences, *days: date
) -> tuple[str | None, Absence | None]:
    """Who gets the convener's messages for `meeting`: the convening organisation's contact,
    or its stand-in while the contact is away on the meeting's day or on one of `days` (None
    when the contact is away and there is no stand-in, or the stand-in is away too); and the
    contact's absence, if any."""

    contact = meeting.convener_person
    absence = absences.away(contact, meeting.local_date, *days)
    if absence is None:
        return contact, None
    stand_in = meeting.stand_in
    if stand_in and absences.away(stand_in, meeting.local_date, *days) is None:
        return stand_in, absence
    return None, absence


def reminders_for(
    meeting: Meeting,
    rules: ReminderRules,
    audience: GroupAudience,
    reported: frozenset[str],
    absences: Absences = NO_ABSENCES,
) -> list[Reminder]:
    """Every reminder of one meeting, with the recipients as they stand now.

    `reported` holds the members who have reported since the group's previous meeting: they get
    no direct message asking for an update. A person away (`absences`) on the day a reminder
    is due gets none; the convener's reminders go to the stand-in while the contact is away
    on the meeting's day or the reminder's (`convener_for`), and the administrators are told
    in good time when there is no stand-in (`absence_no_stand_in`, to `admins`).
    """

    if meeting.status == "cancelled":
        return []
    meeting_part = f"{meeting.id}@{meeting.start.astimezone(STOCKHOLM).date().isoformat()}"
    out: list[Reminder] = []

    def add(rule: Rule, recipient: str, at: datetime | None = None, tag: str = "") -> None:
        when = at or due_at(meeting, rule, rules)
        if when is None or when > meeting.end:
            return
        person = recipient.removeprefix("person:") if recipient != "channel" else None
        if person is not None and rule not in ROUTED and (
            absences.away(person, when.astimezone(STOCKHOLM).date())
        ):
            return
        out.append(
            Reminder(
                key=f"{meeting_part}|{rule}{tag}|{recipient}",
                rule=rule,
                group_id=meeting.group_id,
                meeting_id=meeting.id,
                series_id=meeting.series_id,
                meeting_start=meeting.start,
                recipient=recipient,
                due_at=when,
            )
        )

    missing = [m for m in audience.members if m.reminders_dm and m.person_id not in reported]
    if _to_channel(rules.update_request_to, audience.has_channel):
        add("update_request", "channel")
    if _to_channel(rules.day_before_to, audience.has_channel):
        add("day_before", "channel")
    if _to_members(rules.update_request_to, audience.has_channel):
        for member in missing:
            add("update_request_dm", f"person:{member.person_id}")
            add("nudge_dm", f"person:{member.person_id}")
    for rule in ("convener_prepare", "after_meeting"):
        when = due_at(meeting, rule, rules)
        if when is None:
            continue
        person, _absence = convener_for(meeting, absences, when.astimezone(STOCKHOLM).date())
        if person:
            add(rule, f"person:{person}")
    away = absences.away(meeting.convener_person, meeting.local_date)
    if away is not None:
        if meeting.stand_in and absences.away(meeting.stand_in, meeting.local_date) is None:
            # The stand-in is told at once that they convene this meeting in the contact's
            # place (the contact is told in the answer to `frånvaro`).
            add("absence_stand_in", f"person:{meeting.stand_in}", away.created_at,
                f":{away.id}")
        else:
            # In good time, or at once when the absence came later than that.
            alert = due_at(meeting, "absence_no_stand_in", rules)
            if alert is not None and away.created_at is not None:
                alert = max(alert, away.created_at)
            for admin in audience.admins:
                add("absence_no_stand_in", f"person:{admin}", alert, f":{away.id}")
    if _to_members(rules.day_before_to, audience.has_channel):
        for member in audience.members:
            if member.reminders_dm:
                add("day_before", f"person:{member.person_id}")
    return out


def due_reminders(
    meetings: Sequence[Meeting],
    rules_by_series: Mapping[str, ReminderRules],
    audiences: Mapping[str, GroupAudience],
    reported: Mapping[str, frozenset[str]],
    *,
    now: datetime,
    lookback: timedelta,
    absences: Absences = NO_ABSENCES,
) -> list[Reminder]:
    """Reminders due at `now` or in the `lookback` before it, oldest first.

    `reported` maps a meeting id to the members who reported since the group's previous meeting.
    """

    earliest = now - lookback
    due: list[Reminder] = []
    for meeting in meetings:
        audience = audiences.get(meeting.group_id)
        rules = rules_by_series.get(meeting.series_id)
        if audience is None or rules is None:
            continue
        for reminder in reminders_for(
            meeting, rules, audience, reported.get(meeting.id, frozenset()), absences
        ):
            if earliest < reminder.due_at <= now:
                due.append(reminder)
    due.sort(key=lambda r: (r.due_at, r.key))
    return due


def previous_meeting_start(meetings: Sequence[Meeting], meeting: Meeting) -> datetime | None:
    """When the group last met before `meeting` (cancelled meetings do not count)."""

    before = [
        m.start
        for m in meetings
        if m.group_id == meeting.group_id and m.status != "cancelled" and m.start < meeting.start
    ]
    return max(before) if before else None
