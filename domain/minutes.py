"""A meeting's minutes (anteckningar), drafted from what the bot knows, and the agenda parts
that the summary's draft agenda shares with them.

Pure: `app.agenda` reads the figures, this module words them through `t` into the neutral
`Document` every renderer (chat, Markdown, Word, JSON) takes.

What the minutes hold, in the groups' own order: the meeting (date, time, place, convener),
who was there (the organisations whose people said they would come, or sent the stand-in;
those that said no), the agenda as held (upphämtning, incheckning, the updates presented per
activity, the accepted items and the questions, övrigt, nästa steg), the decisions recorded
for the meeting, the next steps with owner and due date, and the questions: those the group
raised to the group it reports to (with the answer, once there is one) and those it answered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from domain.agenda import AgendaLine, MeetingAgenda, OrganisationAttendance
from domain.calendar import STOCKHOLM
from domain.document import (
    Block,
    BulletList,
    Cell,
    Document,
    Fields,
    Heading,
    ListItem,
    Paragraph,
    Row,
    Table,
)
from domain.notes import Decision, NextStep
from domain.report_figures import ReportedUpdate
from domain.report_words import (
    Translate,
    file_name,
    footer,
    iso,
    long_date,
    status_text,
)


@dataclass(frozen=True)
class RaisedQuestion:
    """A question this group raised to the group it reports to, with its answer if any."""

    number: int
    text: str
    organisation: str
    to_group: str
    answer: str = ""
    answered_on: date | None = None


@dataclass(frozen=True)
class MinutesInput:
    group_name: str
    group_short_name: str
    meeting_date: date
    start: datetime | None
    location: str
    convener: str
    agenda: MeetingAgenda
    decisions: tuple[Decision, ...]
    next_steps: tuple[NextStep, ...]
    updates: tuple[ReportedUpdate, ...]
    activity_titles: Mapping[str, str]
    organisations: Mapping[str, str]
    raised: tuple[RaisedQuestion, ...] = ()
    # Decisions (by number) that answered a question to this group: (question, from group).
    answers: Mapping[int, AgendaLine] = field(default_factory=dict)


def item_text(t: Translate, line: AgendaLine) -> str:
    """`Gemensam utbildningsdag (GR)`, or `Fråga från Arbetsgruppen: … (GR)`, with its state."""

    if line.kind == "question":
        text = t("agenda.line.question", number=line.number, group=line.from_group,
                 text=line.text, org=line.organisation)
    else:
        text = t("agenda.line.item", number=line.number, text=line.text,
                 org=line.organisation)
    state = t(f"agenda.status.{line.status}")
    return t("agenda.line.with_state", line=text, state=state)


def agenda_subitems(t: Translate, agenda: MeetingAgenda) -> tuple[ListItem, ...]:
    """The items and the questions, as items of the draft agenda (nothing when there are none)."""

    out: list[ListItem] = []
    if agenda.proposals:
        out.append(ListItem(t("agenda.draft.items"),
                            tuple(item_text(t, line) for line in agenda.proposals)))
    if agenda.questions:
        out.append(ListItem(t("agenda.draft.questions"),
                            tuple(item_text(t, line) for line in agenda.questions)))
    return tuple(out)


def attendance_blocks(t: Translate, attendance: Sequence[OrganisationAttendance]) -> list[Block]:
    """Who comes per organisation, and which organisations will not be represented."""

    if not attendance:
        return [Paragraph(t("agenda.attendance.none"))]
    rows = []
    for org in attendance:
        parts = []
        if org.coming:
            parts.append(t("agenda.attendance.coming", people=", ".join(org.coming)))
        if org.stand_in:
            parts.append(t("agenda.attendance.stand_in", people=", ".join(org.stand_in)))
        if org.not_coming:
            parts.append(t("agenda.attendance.not_coming", people=", ".join(org.not_coming)))
        if org.no_answer:
            parts.append(t("agenda.attendance.no_answer", people=", ".join(org.no_answer)))
        rows.append(Row((Cell(org.organisation), Cell("; ".join(parts)))))
    blocks: list[Block] = [Table((t("agenda.col.organisation"), t("agenda.col.attendance")),
                                 tuple(rows), widths=(3.0, 11.0))]
    missing = [a.organisation for a in attendance if a.represented is False]
    if missing:
        blocks.append(Paragraph(t("agenda.attendance.not_represented",
                                  organisations=", ".join(missing)), "warning"))
    return blocks


def build_minutes(t: Translate, language: str, data: MinutesInput, now: datetime) -> Document:
    day = data.meeting_date
    present = [a.organisation for a in data.agenda.attendance if a.represented]
    absent = [a.organisation for a in data.agenda.attendance if a.represented is False]
    fields = [
        (t("agenda.minutes.date"), long_date(language, day)
         + (f" {data.start.astimezone(STOCKHOLM):%H:%M}" if data.start else "")),
        (t("agenda.minutes.convener"), data.convener or "–"),
    ]
    if data.location:
        fields.append((t("agenda.minutes.where"), data.location))
    fields.append((t("agenda.minutes.present"), ", ".join(present) or "–"))
    if absent:
        fields.append((t("agenda.minutes.absent"), ", ".join(absent)))
    blocks: list[Block] = [Fields(tuple(fields))]

    blocks.append(Heading(t("agenda.minutes.attendance"), 1))
    blocks.extend(attendance_blocks(t, data.agenda.attendance))

    blocks.append(Heading(t("agenda.minutes.agenda"), 1))
    presented = sorted({u.activity_code for u in data.updates})
    held = [
        ListItem(t("reports.agenda.upphamtning")),
        ListItem(t("reports.agenda.checkin")),
        ListItem(t("reports.agenda.reports"), tuple(
            f"{code} {data.activity_titles.get(code, '')}".strip() for code in presented)),
        *agenda_subitems(t, data.agenda),
        ListItem(t("reports.agenda.other")),
        ListItem(t("reports.agenda.next_steps")),
    ]
    blocks.append(BulletList(tuple(held), numbered=True))

    blocks.append(Heading(t("agenda.minutes.decisions"), 1))
    if data.decisions:
        rows = []
        for d in data.decisions:
            text = d.text
            answered = data.answers.get(d.number)
            if answered is not None:
                text = t("agenda.minutes.answers", text=text, number=answered.number,
                         group=answered.from_group)
            rows.append(Row((Cell(f"#{d.number}", value=d.number), Cell(text))))
        blocks.append(Table((t("reports.col.number"), t("reports.col.decision")), tuple(rows),
                            widths=(1.2, 13.0)))
    else:
        blocks.append(Paragraph(t("agenda.minutes.no_decisions")))

    blocks.append(Heading(t("agenda.minutes.next_steps"), 1))
    if data.next_steps:
        blocks.append(Table(
            (t("reports.col.number"), t("reports.col.next_step"), t("reports.col.responsible"),
             t("reports.col.due")),
            tuple(Row((
                Cell(f"#{s.number}", value=s.number), Cell(s.text),
                Cell(data.organisations.get(s.responsible_org_id or "", "") or "–"),
                Cell(iso(s.due) if s.due else "–", value=s.due),
            )) for s in data.next_steps),
            widths=(1.2, 8.5, 2.5, 2.2),
        ))
    else:
        blocks.append(Paragraph(t("agenda.minutes.no_next_steps")))

    blocks.append(Heading(t("agenda.minutes.updates"), 1))
    if data.updates:
        blocks.append(Table(
            (t("reports.col.code"), t("reports.col.status"), t("reports.col.organisation"),
             t("updates.field.summary")),
            tuple(Row((
                Cell(u.activity_code), Cell(status_text(t, u.status)),
                Cell(data.organisations.get(u.organisation_id, u.organisation_id)),
                Cell(u.summary),
            )) for u in data.updates),
            widths=(1.5, 3.0, 2.2, 8.0),
        ))
    else:
        blocks.append(Paragraph(t("agenda.minutes.no_updates")))

    blocks.append(Heading(t("agenda.minutes.questions"), 1))
    questions: list[Block] = []
    for q in data.raised:
        answer = (t("agenda.minutes.raised_answer", answer=q.answer,
                    date=long_date(language, q.answered_on))
                  if q.answer and q.answered_on else t("agenda.minutes.raised_open"))
        questions.append(Paragraph(t("agenda.minutes.raised", number=q.number, text=q.text,
                                     org=q.organisation, group=q.to_group, answer=answer)))
    for line in data.agenda.questions:
        questions.append(Paragraph(t("agenda.minutes.received", number=line.number,
                                     text=line.text, group=line.from_group,
                                     org=line.organisation,
                                     answer=line.answer or t("agenda.minutes.raised_open"))))
    blocks.extend(questions or [Paragraph(t("agenda.minutes.no_questions"))])

    return Document(
        title=t("agenda.minutes.title", group=data.group_name, date=long_date(language, day)),
        subtitle=t("agenda.minutes.subtitle"),
        blocks=tuple(blocks),
        language=language,
        layout="material",
        filename=file_name(t, "minutes", data.group_short_name or data.group_name, day),
        generated_at=now,
        subject=t("agenda.minutes.subject", group=data.group_name),
        keywords=(data.group_name,),
        footer=footer(t, now),
    )

