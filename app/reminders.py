"""Reminder texts: each as the schedule stands when it is sent, in the reader's language."""

from __future__ import annotations

from app.agenda import attend_buttons, open_counts
from app.announcements import CYCLE_RULES, render_cycle
from app.i18n import Translator, translator
from app.messages import Button, Reply, ReplyBuilder
from app.ports import Store
from app.schedule_text import Names, convener_text, format_time_span, schedule_of
from app.wording import format_day
from domain.calendar import STOCKHOLM
from domain.model import GroupInfo
from domain.reminders import Reminder
from domain.schedule import Meeting

REPORT_ACTION = "report.open"


def render_reminder(
    store: Store, reminder: Reminder, language: str, *, group: GroupInfo | None = None,
    meeting: Meeting | None = None,
) -> Reply | None:
    """The message for one reminder as the schedule stands now; None if the meeting is gone.
    The group and the meeting are read here unless the caller has them (the reminder run reads
    each group and builds each schedule once per tick)."""

    if reminder.rule == "milestone":
        from app.followup import render_milestone_reminder

        return render_milestone_reminder(store, reminder, language)
    if reminder.rule in CYCLE_RULES:
        return render_cycle(store, reminder, language)
    t = translator(language)
    group = group or store.calendar.group(reminder.group_id)
    meeting = meeting or _meeting(store, reminder)
    if group is None or meeting is None or meeting.status == "cancelled":
        return None
    names = Names.of(store)
    when = t(
        "reminder.when",
        date=format_day(t, meeting.local_date),
        time=format_time_span(meeting),
    )
    params = {"group": group.name, "short": group.short_name, "when": when}
    builder = ReplyBuilder(heading=t(f"reminder.{reminder.rule}.title", **params))
    builder.paragraph(t(f"reminder.{reminder.rule}.body", **params))
    if reminder.rule in ("update_request", "update_request_dm", "nudge_dm"):
        builder.buttons(
            Button(t("reminder.report_button"), REPORT_ACTION, group.id, style="primary")
        )
    elif reminder.rule == "convener_prepare":
        builder.paragraph(t("reminder.convener_prepare.summary_hint", group=group.id))
        items, questions = open_counts(store, group.id, meeting.local_date)
        if items:
            builder.paragraph(t("agenda.reminder.items", count=items, group=group.id))
        if questions:
            builder.paragraph(t("agenda.reminder.questions", count=questions))
    elif reminder.rule == "day_before":
        builder.fields(
            (t("reminder.field.when"), when),
            (t("reminder.field.where"), meeting.location or "–"),
            (t("reminder.field.convener"), convener_text(t, meeting, names)),
        )
        steps = store.notes.open_next_steps([group.id])
        if steps:
            builder.paragraph(t("reminder.day_before.next_steps"))
            builder.table(
                (t("reminder.col.step"), t("reminder.col.responsible"), t("reminder.col.due")),
                [
                    (
                        s.text,
                        names.org(s.responsible_org_id) or "–",
                        format_day(t, s.due) if s.due else "–",
                    )
                    for s in steps
                ],
            )
        builder.paragraph(t("agenda.reminder.attend"))
        builder.blocks.append(attend_buttons(t, group.id, meeting.local_date))
    elif reminder.rule == "after_meeting":
        builder.paragraph(_after_meeting_hint(store, reminder, t))
        builder.paragraph(t("agenda.reminder.minutes", group=group.id))
    return builder.build()


def _after_meeting_hint(store: Store, reminder: Reminder, t: Translator) -> str:
    """The commands to record decisions and next steps, as the recipient must type them: with
    `--grupp` unless this group is the only one the person is in (the command would ask)."""

    person = reminder.person_id
    groups = {m.group_id for m in store.people.memberships(person)} if person else set()
    if groups == {reminder.group_id}:
        return t("reminder.after_meeting.hint")
    return t("reminder.after_meeting.hint_group", group=reminder.group_id)


def _meeting(store: Store, reminder: Reminder) -> Meeting | None:
    day = reminder.meeting_start.astimezone(STOCKHOLM).date()
    for meeting in schedule_of(store, reminder.group_id, (day, day)):
        if meeting.id == reminder.meeting_id:
            return meeting
    return None
