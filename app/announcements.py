"""Announcements and absence notices: planned with the reminders, worded here.

`planned_extras` is what the reminder planner adds, per group, to the reminders of
`domain.reminders`: the schedule changes made within the lookback and the terms starting
(`domain.announcements`). They are `Reminder`s with a rule of their own, so the outbox
claims, paces and sends them like every reminder, and `samverkan reminders due` lists them.

`render_cycle` words one of them for its recipient, from what is stored now: the change and
the schedule just before it, or the meeting whose convener is away.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from app.i18n import Translator, translator
from app.messages import Reply, ReplyBuilder
from app.ports import Store
from app.schedule_text import Names, convener_text, format_time_span, schedule_of
from app.wording import format_day
from domain.absence import Absences
from domain.announcements import change_announcements, term_announcements
from domain.calendar import STOCKHOLM
from domain.model import GroupInfo
from domain.reminders import Reminder, ReminderRules
from domain.schedule import GroupCalendar, Meeting, ScheduleChange, build_schedule
from domain.schedule_review import convener_changes

CYCLE_RULES = frozenset({"announce_change", "announce_term", "absence_stand_in",
                         "absence_no_stand_in"})
MAX_EFFECT_LINES = 6


def planned_extras(
    store: Store,
    calendar: GroupCalendar,
    meetings: Sequence[Meeting],
    rules: Mapping[str, ReminderRules],
    *,
    has_channel: bool,
    absences: Absences,
    since: datetime,
) -> list[Reminder]:
    """The group's announcements that fall due after `since` (the planner keeps those due)."""

    changes = store.announcements.changes(calendar.group_id)
    recent = [c for c in changes if c.created_at > since]
    out = term_announcements(calendar, meetings, rules, has_channel=has_channel,
                             absences=absences)
    out = [r for r in out if r.due_at > since]
    if recent:
        out.extend(change_announcements(calendar, changes, has_channel=has_channel,
                                        since=since, absences=absences))
    return out


def render_cycle(store: Store, reminder: Reminder, language: str) -> Reply | None:
    """The message of an announcement or absence notice; None if what it is about is gone."""

    t = translator(language)
    group = store.calendar.group(reminder.group_id)
    if group is None:
        return None
    names = Names.of(store)
    if reminder.rule == "announce_change":
        return _change(store, t, names, group, reminder)
    meeting = _meeting(store, reminder)
    if meeting is None or meeting.status == "cancelled":
        return None
    when = f"{format_day(t, meeting.local_date)} {format_time_span(meeting)}"
    params = {"group": group.short_name, "when": when, "org": names.org(meeting.convener_org),
              "person": names.person(meeting.convener_person),
              "stand_in": names.person(meeting.stand_in)}
    if reminder.rule == "announce_term":
        calendar = store.calendar.calendar(group.id)
        term = next((tm for tm in calendar.terms if tm.id == meeting.term_id), None) \
            if calendar is not None else None
        term_name = (t(f"calendar.term.{term.kind}", year=term.start.year) if term is not None
                     else meeting.term_id or "")
        builder = ReplyBuilder(heading=t("cycle.term.title", group=group.short_name,
                                         term=term_name))
        builder.paragraph(t("cycle.term.body", term=term_name, when=when,
                            convener=convener_text(t, meeting, names)))
        return builder.build()
    if reminder.rule == "absence_stand_in":
        builder = ReplyBuilder(heading=t("cycle.stand_in.title", group=group.short_name))
        builder.paragraph(t("cycle.stand_in.body", **params))
        return builder.build()
    builder = ReplyBuilder(heading=t("cycle.no_stand_in.title", group=group.short_name))
    builder.paragraph(t("cycle.no_stand_in.body", date=format_day(t, meeting.local_date),
                        group_id=group.id, **params))
    return builder.build()


def _meeting(store: Store, reminder: Reminder) -> Meeting | None:
    day = reminder.meeting_start.astimezone(STOCKHOLM).date()
    for meeting in schedule_of(store, reminder.group_id, (day, day)):
        if meeting.id == reminder.meeting_id:
            return meeting
    return None


def change_number(reminder: Reminder) -> int | None:
    head = reminder.key.split("|", 1)[0]
    number = head.removeprefix("change:")
    return int(number) if head.startswith("change:") and number.isdigit() else None


def _change(store: Store, t: Translator, names: Names, group: GroupInfo,
            reminder: Reminder) -> Reply | None:
    number = change_number(reminder)
    found = store.calendar.change(number) if number is not None else None
    calendar = store.calendar.calendar(group.id)
    if number is None or found is None or calendar is None:
        return None
    _group_id, change, reason = found
    earlier = store.calendar.changes(group.id, before=number)
    before = build_schedule(calendar, earlier)
    after = build_schedule(calendar, [*earlier, change])
    builder = ReplyBuilder(heading=_heading(t, names, group, calendar, change, before, after))
    runs = convener_changes(before, after)
    if runs:
        lines = []
        for run in runs[:MAX_EFFECT_LINES]:
            new = names.org(run.new) if run.new else t("calendar.no_convener")
            old = names.org(run.old) if run.old else t("calendar.no_convener")
            if run.count == 1:
                lines.append(t("calendar.effect.single",
                               date=format_day(t, run.first.local_date), new=new, old=old))
            else:
                lines.append(t("calendar.effect.run", first=format_day(t, run.first.local_date),
                               last=format_day(t, run.last.local_date), count=run.count,
                               new=new, old=old))
        if len(runs) > MAX_EFFECT_LINES:
            lines.append(t("calendar.effect.more", count=len(runs) - MAX_EFFECT_LINES))
        builder.paragraph(t("calendar.effect.title") + "\n" + "\n".join(lines))
    if reason:
        builder.paragraph(t("calendar.reason", reason=reason))
    if reminder.person_id is not None:
        builder.paragraph(t("cycle.change.personal"))
    return builder.build()


def _heading(t: Translator, names: Names, group: GroupInfo, calendar: GroupCalendar,
             change: ScheduleChange, before: Sequence[Meeting],
             after: Sequence[Meeting]) -> str:
    by_id = {m.id: m for m in before}
    meeting = by_id.get(change.meeting or "")
    day = (f"{format_day(t, meeting.local_date)} {format_time_span(meeting)}"
           if meeting is not None else "")
    short = group.short_name
    if change.kind == "cancel":
        return t("cycle.change.cancel", group=short, date=day)
    if change.kind == "move":
        moved = next((m for m in after if m.id == change.meeting), None)
        new = (f"{format_day(t, moved.local_date)} {format_time_span(moved)}"
               if moved is not None else "")
        return t("cycle.change.move", group=short, date=day, new=new)
    if change.kind == "swap":
        other = by_id.get(change.other_meeting or "")
        return t("cycle.change.swap", group=short, first=day,
                 second=format_day(t, other.local_date) if other is not None else "")
    if change.kind == "assign":
        return t("cycle.change.assign", group=short, org=names.org(change.organisation),
                 date=day)
    if change.term_id:
        term = next((tm for tm in calendar.terms if tm.id == change.term_id), None)
        term_name = (t(f"calendar.term.{term.kind}", year=term.start.year) if term is not None
                     else change.term_id)
        return t("cycle.change.skip_term", group=short, org=names.org(change.organisation),
                 term=term_name)
    return t("cycle.change.skip", group=short, org=names.org(change.organisation), date=day)
