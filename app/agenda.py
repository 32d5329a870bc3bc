"""Agenda items, questions raised to the group that gave the mandate, attendance, minutes:
what the chat commands (`handlers.agenda`), the reminders, the summary, the files, the
command line and the scheduler share.

Rules chosen here:
- "A group's next meeting" is its first meeting, not cancelled, that has not ended; a group
  without a calendar has no dated meetings, and its items wait for whenever it meets next.
- The attendance buttons of the day-before reminder carry `<answer>|<group>|<date>`; a door
  turns a click into the words `närvaro <answer> <date> --grupp <group>` (`attend_command`),
  which the dispatcher handles like any other command of the person clicking.
- The answer to a question goes back to the raising group's channel through the reminder
  outbox (`domain.agenda.answer_reminder`, planned by `scheduler.planning`), once;
  `answer_message` is what it says.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from app.core import Context, UserError
from app.i18n import Translator, translator
from app.messages import Button, Buttons, Reply, ReplyBuilder
from app.ports import Store
from app.schedule_text import Names, convener_text, schedule_of
from app.wording import format_day, local_day
from domain.agenda import (
    OPEN_STATUSES,
    AgendaItem,
    AgendaLine,
    AttendanceAnswer,
    MeetingAgenda,
    OrganisationAttendance,
    attendance_answer,
    attendance_by_organisation,
)
from domain.dates import DateParseError, looking_back, take_date
from domain.document import Document
from domain.minutes import MinutesInput, RaisedQuestion, build_minutes
from domain.model import GroupInfo
from domain.pnr import redact
from domain.reminders import previous_meeting_start
from domain.schedule import Meeting, latest_held, meetings_on

# The action of the day-before reminder's attendance buttons (Slack action id, Teams data).
ATTEND_ACTION = "meeting.attend"
ATTEND_ANSWERS: tuple[AttendanceAnswer, ...] = ("yes", "no", "stand_in")
# How far back the minutes look for updates when the group has no earlier meeting.
MINUTES_DEFAULT_WINDOW = timedelta(days=90)


def meetings(store: Store, group_id: str) -> list[Meeting]:
    try:
        return schedule_of(store, group_id)
    except ValueError:
        return []  # a series the calendar cannot expand: the items go on without dates


def next_meeting(schedule: Sequence[Meeting], now: datetime) -> Meeting | None:
    return next((m for m in schedule if m.end > now and m.status != "cancelled"), None)


def meeting_on(schedule: Sequence[Meeting], day: date) -> Meeting | None:
    found = [m for m in meetings_on(schedule, day) if m.status != "cancelled"]
    return found[-1] if found else None


# --- the agenda of one meeting ----------------------------------------------------------------


def agenda_lines(
    store: Store, items: Sequence[AgendaItem], names: Names | None = None
) -> tuple[AgendaLine, ...]:
    names = names or Names.of(store)
    groups = {g.id: g.short_name for g in store.calendar.groups()}
    out = []
    for item in items:
        answer = ""
        if item.answer_decision is not None:
            decision = store.notes.decision(item.answer_decision)
            answer = decision.text if decision is not None else ""
        out.append(AgendaLine(
            item.number, item.kind, item.text, names.org(item.organisation_id), item.status,
            groups.get(item.from_group_id or "", item.from_group_id or ""), answer,
        ))
    return tuple(out)


def meeting_agenda(
    store: Store, group_id: str, meeting_date: date | None, *, held: bool = False
) -> MeetingAgenda:
    """The items and questions of one meeting, and who says they come.

    Before the meeting: the items still open. `held`: what the meeting took up (accepted
    items, and every question to it, answered or not).
    """

    names = Names.of(store)
    if held:
        items = [i for i in store.agenda.items(group_id, meeting_date)
                 if i.status == "accepted" or (i.kind == "question"
                                               and i.status in ("accepted", "proposed",
                                                                "answered"))]
    else:
        items = store.agenda.items(group_id, meeting_date, OPEN_STATUSES)
    attendance: tuple[OrganisationAttendance, ...] = ()
    if meeting_date is not None:
        attendance = attendance_by_organisation(
            store.agenda.members(group_id), store.agenda.attendance(group_id, meeting_date),
            names.organisations,
        )
    return MeetingAgenda(agenda_lines(store, items, names), attendance)


def open_counts(store: Store, group_id: str, meeting_date: date | None) -> tuple[int, int]:
    """(items, questions) still open for one meeting: the convener's reminder says how many."""

    items = store.agenda.items(group_id, meeting_date, OPEN_STATUSES)
    questions = sum(1 for i in items if i.kind == "question")
    return len(items) - questions, questions


# --- attendance buttons --------------------------------------------------------------------


def attend_buttons(t: Translator, group_id: str, day: date) -> Buttons:
    value = f"{group_id}|{day.isoformat()}"
    return Buttons(tuple(
        Button(t(f"agenda.attend.button.{answer}"), ATTEND_ACTION, f"{answer}|{value}",
               style="primary" if answer == "yes" else "default")
        for answer in ATTEND_ANSWERS
    ))


def attend_command(value: str) -> str:
    """The words a click on an attendance button stands for (the value is untrusted: anything
    that does not read as one becomes the bare `närvaro`, which lists and stores nothing)."""

    parts = value.split("|")
    if len(parts) != 3 or attendance_answer(parts[0].replace("_", "-")) is None:
        return "närvaro"
    answer, group, day = parts
    word = {"yes": "ja", "no": "nej", "stand_in": "ersättare"}.get(answer, "")
    if not word or not group.replace("-", "").replace("_", "").isalnum():
        return "närvaro"
    try:
        date.fromisoformat(day)
    except ValueError:
        return "närvaro"
    return f"närvaro {word} {day} --grupp {group}"


# --- questions answered by a decision ------------------------------------------------------


def _group_of(store: Store, group_id: str) -> GroupInfo:
    group = store.calendar.group(group_id)
    return group if group is not None else GroupInfo(group_id, group_id, group_id)


def question_to_answer(ctx: Context, number: int, group: GroupInfo) -> AgendaItem:
    """The question `beslut … --svar <nr>` answers, if it may: a question to this group,
    not yet answered, withdrawn or declined."""

    item = ctx.store.agenda.item(number)
    if item is None or item.kind != "question":
        raise UserError("agenda.error.no_question", number=number)
    if item.group_id != group.id:
        raise UserError("agenda.error.question_other_group", number=number,
                        group=_group_of(ctx.store, item.group_id).short_name)
    if not item.is_open:
        raise UserError("agenda.error.closed", number=number,
                        status=ctx.t(f"agenda.status.{item.status}"))
    return item


def answered_note(ctx: Context, item: AgendaItem) -> str:
    raising = _group_of(ctx.store, item.from_group_id or "")
    return ctx.t("agenda.answer.noted", number=item.number, group=raising.short_name)


def minutes_day(ctx: Context, words: Sequence[str]) -> tuple[date, list[str]]:
    """A meeting's date in the first words (a date without a year is the one that has been),
    and the words after it; a meeting not yet held is refused."""

    today = local_day(ctx.now)
    try:
        day, count = take_date(words, today=today)
    except DateParseError as error:
        raise UserError(f"calendar.{error.code}", text=redact(error.text)) from None
    day = looking_back(day, " ".join(words[:count]), today)
    if day > today:
        raise UserError("agenda.error.minutes_future", date=format_day(ctx.t, day))
    return day, list(words[count:])


# --- the minutes ----------------------------------------------------------------------------


def minutes_meeting(
    store: Store, group: GroupInfo, day: date | None, now: datetime
) -> tuple[date, Meeting | None]:
    """The meeting the minutes are of: the one on `day`, else the group's latest held one."""

    schedule = meetings(store, group.id)
    if day is not None:
        return day, meeting_on(schedule, day)
    latest = latest_held(schedule, now)
    if latest is not None:
        return latest.local_date, latest
    decided = store.notes.latest_decision_date(group.id, local_day(now))
    return decided or local_day(now), None


def minutes_document(
    store: Store, t: Translator, group: GroupInfo, day: date | None, now: datetime
) -> Document:
    schedule = meetings(store, group.id)
    meeting_date, meeting = minutes_meeting(store, group, day, now)
    names = Names.of(store)
    until = meeting.end if meeting is not None else now
    since: datetime | None = previous_meeting_start(schedule, meeting) if meeting else None
    start = since or (until - MINUTES_DEFAULT_WINDOW)
    figures = store.reports.summary_figures(group.id, since=start,
                                            until=meeting.start if meeting else until)
    decisions = tuple(store.notes.decisions(group.id, meeting_date))
    agenda = meeting_agenda(store, group.id, meeting_date, held=True)
    answered = store.agenda.answered_questions(group.id, [d.number for d in decisions])
    answer_lines = {
        item.answer_decision: line
        for item, line in zip(answered, agenda_lines(store, answered, names), strict=True)
        if item.answer_decision is not None
    }
    groups = {g.id: g.short_name for g in store.calendar.groups()}
    raised = []
    for item in store.agenda.questions_from(group.id, since=since, until=until):
        decision = (store.notes.decision(item.answer_decision)
                    if item.answer_decision is not None else None)
        raised.append(RaisedQuestion(
            item.number, item.text, names.org(item.organisation_id),
            groups.get(item.group_id, item.group_id),
            decision.text if decision else "",
            decision.meeting_date if decision else None,
        ))
    data = MinutesInput(
        group_name=group.name, group_short_name=group.short_name, meeting_date=meeting_date,
        start=meeting.start if meeting else None,
        location=meeting.location if meeting else "",
        convener=convener_text(t, meeting, names) if meeting else "",
        agenda=agenda, decisions=decisions,
        next_steps=tuple(store.agenda.next_steps_of(group.id, meeting_date)),
        updates=figures.updates,
        activity_titles={a.code: a.title for a in store.plan.activities()},
        organisations=names.organisations, raised=tuple(raised), answers=answer_lines,
    )
    return build_minutes(t, t.language, data, now)


# --- the answer to a question, back to the group that raised it ----------------------------


def answer_message(store: Store, item: AgendaItem, language: str) -> Reply | None:
    """The message to the raising group's channel: the question and the answer recorded."""

    if item.from_group_id is None or item.answer_decision is None:
        return None
    decision = store.notes.decision(item.answer_decision)
    asked = store.calendar.group(item.group_id)
    if decision is None or asked is None:
        return None
    t = translator(language)
    return (
        ReplyBuilder(heading=t("agenda.answer.title", group=asked.short_name,
                               number=item.number))
        .fields(
            (t("agenda.answer.question"), item.text),
            (t("agenda.answer.answer"), decision.text),
            (t("agenda.answer.meeting"), format_day(t, decision.meeting_date)),
        )
        .build()
    )
