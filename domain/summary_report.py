"""A group's summary before its meeting: a document for the convener, and rows for spreadsheets.

Pure builders over `domain.report_figures` (storage aggregates in SQL); texts from the
catalogs through `t` (`domain.report_words`). The document and the rows are made from the
same `_SummaryScope`, so that the Word file and the Excel file can never disagree.

Rules chosen here:
- The window holds the group's updates written or changed in it (the rule the reminders use
  for "has reported"); a member has reported when they wrote or changed one, an organisation
  when any of its people did.
- An activity's status is the worst of its organisations' (`domain.joint_status`): each
  organisation's latest update in the window, else its latest before it; the change compares
  it with the same rule before the window.
- As a spreadsheet (XLSX, CSV, JSON) the summary is all of it, one part each: the overview,
  the updates, the activities with their status per organisation, the decisions and open next
  steps from last time, who has not reported, and the draft agenda.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Final

from domain.document import (
    Block,
    BulletList,
    Cell,
    CellValue,
    Column,
    Dataset,
    Datasets,
    Document,
    Fields,
    Heading,
    ListItem,
    Paragraph,
    Row,
    Table,
)
from domain.joint_status import JointStatus, OrganisationReport, joint_status
from domain.plan import PlanActivity, PlanIndicator
from domain.report_figures import (
    NextMeeting,
    ReportedUpdate,
    SummaryFigures,
    UpdateRow,
    Upphamtning,
)
from domain.report_words import (
    Translate,
    areas_of,
    change_text,
    file_name,
    footer,
    indicator_text,
    iso,
    local_date,
    long_date,
    meeting_time,
    organisation_status_text,
    remembering,
    status_chart,
    status_text,
)
from domain.update_export import update_dataset

# Activities not (or no longer) the group's, shown after its own.
_LAST: Final = 1_000_000


@dataclass(frozen=True)
class _SummaryScope:
    areas: list[tuple[str, str, list[PlanActivity]]]
    updates_by_activity: dict[str, list[ReportedUpdate]]
    joint: dict[str, JointStatus]
    indicators: dict[tuple[str, str], PlanIndicator]
    # (area title, updates, updates with a risk) per goal area, for the agenda.
    area_counts: list[tuple[str, int, int]]

    @classmethod
    def of(
        cls, t: Translate, activities: Sequence[PlanActivity], figures: SummaryFigures
    ) -> _SummaryScope:
        """`activities` are the group's own (it follows them up); an update in the window
        about an activity not among them (moved since, say) is shown under its own code."""

        by_activity: dict[str, list[ReportedUpdate]] = {}
        for update in figures.updates:
            by_activity.setdefault(update.activity_code, []).append(update)
        known = {a.code for a in activities}
        extra = [
            PlanActivity(code, code, "", t("reports.summary.other_activities"), "",
                         goal_area_position=_LAST, position=i)
            for i, code in enumerate(sorted(set(by_activity) - known))
        ]
        areas = areas_of([*activities, *extra])
        joint = {
            a.code: joint_status(a.owners, _current(figures.previous.get(a.code, ()),
                                                    by_activity.get(a.code, [])))
            for _, _, items in areas for a in items
        }
        counts = [
            (title,
             sum(len(by_activity.get(a.code, [])) for a in items),
             sum(1 for a in items for u in by_activity.get(a.code, []) if u.risks))
            for _, title, items in areas
        ]
        return cls(areas, by_activity, joint,
                   {(a.code, i.id): i for a in activities for i in a.indicators}, counts)


def _current(
    before: Sequence[OrganisationReport], window: Sequence[ReportedUpdate]
) -> list[OrganisationReport]:
    """Each organisation's latest: in the window if it reported there, else before it."""

    latest: dict[str, OrganisationReport] = {
        r.organisation_id: OrganisationReport(r.organisation_id, r.status, r.last_update,
                                              r.status)
        for r in before
    }
    for update in sorted(window, key=lambda u: (u.created_at, u.number)):
        earlier = latest.get(update.organisation_id)
        if earlier is None or earlier.last_update is None or (
                update.created_at >= earlier.last_update):
            latest[update.organisation_id] = OrganisationReport(
                update.organisation_id, update.status, update.created_at,
                earlier.previous_status if earlier else None)
    return list(latest.values())


def build_summary(
    t: Translate,
    language: str,
    *,
    group_name: str,
    activities: Sequence[PlanActivity],
    organisations: Mapping[str, str],
    figures: SummaryFigures,
    since: datetime,
    until: datetime,
    upphamtning: Upphamtning,
    next_meeting: NextMeeting | None,
    since_meeting: bool = True,
    group_short_name: str = "",
) -> Document:
    """For the convener: what was reported since the last meeting, and a draft agenda."""

    t = remembering(t)
    scope = _SummaryScope.of(t, activities, figures)
    since_day = local_date(since)
    blocks: list[Block] = [Fields(tuple(_overview(t, language, group_name, figures, since,
                                                  until, next_meeting)))]

    # 1. Upphämtning från förra gången
    blocks.append(Heading(t("reports.summary.upphamtning"), 1))
    blocks.extend(_upphamtning(t, language, upphamtning, organisations, local_date(until)))

    # 2. Lägesrapporter per målområde
    blocks.append(Heading(t("reports.summary.reports"), 1))
    blocks.append(status_chart(t, t("reports.chart.group_title", group=group_name),
                               scope.areas, lambda code: scope.joint[code].status))
    risks: list[Row] = []
    for _code, title, items_in_area in scope.areas:
        blocks.append(Heading(title, 2))
        silent: list[str] = []
        for activity in items_in_area:
            reported = scope.updates_by_activity.get(activity.code, [])
            if not reported:
                silent.append(activity.code)
                continue
            blocks.append(Heading(f"{activity.code} {activity.title}", 3))
            joint = scope.joint[activity.code]
            blocks.append(Paragraph(t(
                "reports.summary.status_line", status=status_text(t, joint.status),
                change=change_text(t, joint.previous_status, joint.status),
            )))
            if joint.joint:
                blocks.append(Paragraph(t(
                    "reports.summary.by_organisation",
                    breakdown=organisation_status_text(t, joint, organisations))))
            for update in reported:
                blocks.append(Paragraph(_update_heading(t, update, organisations), "note"))
                fields = [(t("updates.field.summary"), update.summary)]
                if update.next_steps:
                    fields.append((t("updates.field.next_steps"), update.next_steps))
                if update.risks:
                    fields.append((t("updates.field.risks"), update.risks))
                    risks.append(Row((
                        Cell(activity.code), Cell(update.risks),
                        Cell(_who(update, organisations)),
                    )))
                values = _indicator_texts(t, language, scope, update)
                if values:
                    fields.append((t("reports.col.indicators"), "; ".join(values)))
                blocks.append(Fields(tuple(fields)))
        if silent:
            blocks.append(Paragraph(t(
                "reports.summary.no_update", date=long_date(language, since_day),
                codes=", ".join(silent),
            ), "warning"))

    # Risks in one place, for the meeting to take up.
    blocks.append(Heading(t("reports.summary.risks"), 1))
    if risks:
        blocks.append(Table(
            (t("reports.col.code"), t("updates.field.risks"), t("reports.col.reporter")),
            tuple(risks), widths=(1.5, 9.0, 4.0),
        ))
    else:
        blocks.append(Paragraph(t("reports.summary.no_risks")))

    # Who has not reported.
    blocks.append(Heading(t("reports.summary.missing"), 1))
    blocks.extend(_missing(t, figures, organisations))

    # Next meeting, and the draft agenda in the groups' own pattern.
    blocks.append(Heading(t("reports.summary.next_meeting"), 1))
    if next_meeting is None:
        blocks.append(Paragraph(t("reports.summary.no_next_meeting")))
    else:
        meeting_items = [
            (t("reports.summary.when"), meeting_time(language, next_meeting.start)),
            (t("reports.summary.convener"), next_meeting.convener),
        ]
        if next_meeting.location:
            meeting_items.append((t("reports.summary.where"), next_meeting.location))
        blocks.append(Fields(tuple(meeting_items)))
    blocks.append(Heading(t("reports.summary.agenda"), 1))
    blocks.append(BulletList(_agenda(t, language, upphamtning, scope.area_counts,
                                     next_meeting), numbered=True))

    title_day = _title_day(next_meeting, until)
    title = (
        t("reports.summary.title_meeting", group=group_name,
          date=long_date(language, title_day))
        if next_meeting else t("reports.summary.title", group=group_name)
    )
    subtitle_key = "reports.summary.subtitle_meeting" if since_meeting else (
        "reports.summary.subtitle_date")
    return Document(
        title=title,
        subtitle=t(subtitle_key, date=long_date(language, since_day)),
        blocks=tuple(blocks),
        language=language,
        layout="material",
        filename=file_name(t, "summary", group_short_name or group_name, title_day),
        generated_at=until,
        subject=t("reports.summary.subject", group=group_name),
        keywords=(group_name,),
        footer=footer(t, until),
    )


def _title_day(next_meeting: NextMeeting | None, until: datetime) -> date:
    """The day the summary is for: its meeting's, else the day it was made."""

    return local_date(next_meeting.start) if next_meeting else local_date(until)


def _overview(
    t: Translate, language: str, group_name: str, figures: SummaryFigures, since: datetime,
    until: datetime, next_meeting: NextMeeting | None,
) -> list[tuple[str, str]]:
    items = [
        (t("reports.summary.group"), group_name),
        (t("reports.summary.period"), t(
            "reports.summary.period_value", since=long_date(language, local_date(since)),
            until=long_date(language, local_date(until)))),
    ]
    if next_meeting is not None:
        items += [
            (t("reports.summary.next_meeting"), meeting_time(language, next_meeting.start)),
            (t("reports.summary.convener"), next_meeting.convener),
        ]
    items.append((t("reports.summary.count"), str(len(figures.updates))))
    return items


def _indicator_texts(
    t: Translate, language: str, scope: _SummaryScope, update: ReportedUpdate
) -> list[str]:
    return [
        indicator_text(t, language, scope.indicators[(update.activity_code, key)], value)
        for key, value in update.indicator_values.items()
        if (update.activity_code, key) in scope.indicators
    ]


def _who(update: ReportedUpdate, organisations: Mapping[str, str]) -> str:
    org = organisations.get(update.organisation_id, update.organisation_id)
    return f"{update.author_name} ({org})"


def _update_heading(
    t: Translate, update: ReportedUpdate, organisations: Mapping[str, str]
) -> str:
    key = "reports.summary.update_changed" if update.version > 1 else "reports.summary.update"
    return t(
        key, id=f"#{update.number}", date=iso(local_date(update.created_at)),
        changed=iso(local_date(update.updated_at)), who=_who(update, organisations),
        status=status_text(t, update.status),
    )


def _upphamtning(
    t: Translate,
    language: str,
    notes: Upphamtning,
    organisations: Mapping[str, str],
    today: date,
) -> list[Block]:
    blocks: list[Block] = []
    if notes.decisions and notes.decisions_date is not None:
        blocks.append(Heading(t("reports.summary.decisions", date=long_date(
            language, notes.decisions_date)), 2))
        blocks.append(Table(
            (t("reports.col.number"), t("reports.col.decision")),
            tuple(Row((Cell(f"#{d.number}", value=d.number), Cell(d.text)))
                  for d in notes.decisions),
            widths=(1.2, 13.0),
        ))
    else:
        blocks.append(Paragraph(t("reports.summary.no_decisions")))
    if notes.open_steps:
        blocks.append(Heading(t("reports.summary.open_steps"), 2))
        rows = []
        for step in notes.open_steps:
            due = ""
            if step.due is not None:
                due = iso(step.due)
                if step.due < today:
                    due = t("reports.summary.overdue", date=due)
            rows.append(Row((
                Cell(f"#{step.number}", value=step.number),
                Cell(step.text),
                Cell(organisations.get(step.responsible_org_id or "", "") or "–"),
                Cell(due or "–", "red" if step.due and step.due < today else None, step.due),
                Cell(iso(step.meeting_date), value=step.meeting_date),
            )))
        blocks.append(Table(
            (t("reports.col.number"), t("reports.col.next_step"), t("reports.col.responsible"),
             t("reports.col.due"), t("reports.col.meeting")),
            tuple(rows), widths=(1.2, 8.0, 2.2, 2.2, 2.2),
        ))
    else:
        blocks.append(Paragraph(t("reports.summary.no_open_steps")))
    return blocks


def _missing_organisations(
    figures: SummaryFigures, organisations: Mapping[str, str]
) -> list[str]:
    """Organisations of members without an update, none of whose people reported."""

    reported_orgs = {u.organisation_id for u in figures.updates}
    return sorted(
        {m.organisation_id for m in figures.missing} - reported_orgs,
        key=lambda o: organisations.get(o, o),
    )


def _missing(
    t: Translate, figures: SummaryFigures, organisations: Mapping[str, str]
) -> list[Block]:
    missing_orgs = _missing_organisations(figures, organisations)
    blocks: list[Block] = []
    if figures.missing:
        people = ", ".join(
            f"{m.name} ({organisations.get(m.organisation_id, m.organisation_id)})"
            for m in figures.missing
        )
        blocks.append(Paragraph(t("reports.summary.missing_members", people=people), "warning"))
    else:
        blocks.append(Paragraph(t("reports.summary.all_members")))
    if figures.away:
        people = ", ".join(
            f"{m.name} ({organisations.get(m.organisation_id, m.organisation_id)})"
            for m in figures.away
        )
        blocks.append(Paragraph(t("reports.summary.away", people=people)))
    if missing_orgs:
        blocks.append(Paragraph(t(
            "reports.summary.missing_orgs",
            organisations=", ".join(organisations.get(o, o) for o in missing_orgs),
        ), "warning"))
    else:
        blocks.append(Paragraph(t("reports.summary.all_orgs")))
    return blocks


def _agenda(
    t: Translate,
    language: str,
    notes: Upphamtning,
    area_counts: Sequence[tuple[str, int, int]],
    next_meeting: NextMeeting | None,
) -> tuple[ListItem, ...]:
    """The groups' own pattern: upphämtning, incheckning, lägesrapporter, övriga, nästa steg."""

    recap: list[str] = []
    if notes.decisions and notes.decisions_date is not None:
        recap.append(t("reports.agenda.decisions", count=len(notes.decisions),
                       date=long_date(language, notes.decisions_date)))
    recap.append(t("reports.agenda.open_steps", count=len(notes.open_steps)))
    reports = [
        t("reports.agenda.area", area=title, count=count, risks=count_risks)
        if count_risks else t("reports.agenda.area_no_risks", area=title, count=count)
        for title, count, count_risks in area_counts
    ]
    closing = [t("reports.agenda.next_steps_who")]
    if next_meeting is not None:
        closing.append(t("reports.agenda.convener", convener=next_meeting.convener))
    return (
        ListItem(t("reports.agenda.upphamtning"), tuple(recap)),
        ListItem(t("reports.agenda.checkin")),
        ListItem(t("reports.agenda.reports"), tuple(reports)),
        ListItem(t("reports.agenda.other")),
        ListItem(t("reports.agenda.next_steps"), tuple(closing)),
    )


# --- the summary as rows ------------------------------------------------------------------


def summary_dataset(
    t: Translate,
    language: str,
    *,
    group_id: str,
    group_name: str,
    group_short_name: str,
    activities: Sequence[PlanActivity],
    organisations: Mapping[str, str],
    figures: SummaryFigures,
    since: datetime,
    until: datetime,
    upphamtning: Upphamtning,
    next_meeting: NextMeeting | None,
) -> Datasets:
    """The whole summary as typed rows, one part (a sheet, a CSV section) per part of it."""

    t = remembering(t)
    scope = _SummaryScope.of(t, activities, figures)
    today = local_date(until)

    def part(key: str, columns: Sequence[Column], rows: Sequence[tuple[CellValue, ...]]
             ) -> Dataset:
        return Dataset(title=t(f"reports.part.{key}"), columns=tuple(columns), rows=rows,
                       filename=name, language=language)

    name = file_name(t, "summary", group_short_name or group_name,
                     _title_day(next_meeting, until))
    overview: list[tuple[CellValue, ...]] = list(_overview(
        t, language, group_name, figures, since, until, next_meeting))
    if next_meeting is not None and next_meeting.location:
        overview.append((t("reports.summary.where"), next_meeting.location))
    titles = {a.code: a for _, _, items in scope.areas for a in items}
    updates = replace(
        update_dataset(t, language, [
            UpdateRow(u.number, u.created_at, u.updated_at, u.version, group_id,
                      group_short_name or group_name,
                      titles[u.activity_code].goal_area_code,
                      titles[u.activity_code].goal_area_title, u.activity_code,
                      titles[u.activity_code].title, u.status, u.summary, u.next_steps,
                      u.risks, u.author_name,
                      organisations.get(u.organisation_id, u.organisation_id),
                      u.indicator_values)
            for u in figures.updates
        ], activities=activities, filename=name),
        title=t("reports.part.updates"), sheet_column=None, sheets=(), all_sheet="",
    )
    statuses: list[tuple[CellValue, ...]] = []
    for _code, title, items in scope.areas:
        for activity in items:
            joint = scope.joint[activity.code]
            statuses.append((
                title, activity.code, activity.title, status_text(t, joint.status),
                change_text(t, joint.previous_status, joint.status),
                organisation_status_text(t, joint, organisations),
                len(scope.updates_by_activity.get(activity.code, [])),
            ))
    decided = upphamtning.decisions_date
    decisions = [(d.number, decided, d.text) for d in upphamtning.decisions]
    steps = [
        (s.number, s.text, organisations.get(s.responsible_org_id or "", "") or None, s.due,
         t("reports.summary.overdue_word") if s.due is not None and s.due < today else "",
         s.meeting_date)
        for s in upphamtning.open_steps
    ]
    missing_orgs = set(_missing_organisations(figures, organisations))
    missing = [
        (m.name, organisations.get(m.organisation_id, m.organisation_id),
         t("reports.no") if m.organisation_id in missing_orgs else t("reports.yes"))
        for m in figures.missing
    ]
    agenda: list[tuple[CellValue, ...]] = []
    for number, item in enumerate(_agenda(t, language, upphamtning, scope.area_counts,
                                          next_meeting), 1):
        agenda.append((str(number), item.text))
        agenda.extend((f"{number}.{sub}", text) for sub, text in enumerate(item.sub, 1))
    return Datasets(
        title=t("reports.summary.subject", group=group_name),
        parts=(
            part("overview", (Column("item", t("reports.col.item"), width=22),
                              Column("value", t("reports.col.value"), width=60)), overview),
            updates,
            part("activities", (
                Column("goal_area", t("reports.col.goal_area"), width=28),
                Column("code", t("reports.col.code"), width=9),
                Column("activity", t("reports.col.activity"), width=50),
                Column("status", t("reports.col.status"), width=18),
                Column("change", t("reports.col.change"), width=22),
                Column("by_organisation", t("reports.col.by_organisation"), width=48),
                Column("updates", t("reports.col.updates_in_period"), "integer", width=12),
            ), statuses),
            part("decisions", (
                Column("number", t("reports.col.number"), "integer", width=7),
                Column("meeting", t("reports.col.meeting"), "date", width=12),
                Column("decision", t("reports.col.decision"), width=70),
            ), decisions),
            part("open_steps", (
                Column("number", t("reports.col.number"), "integer", width=7),
                Column("next_step", t("reports.col.next_step"), width=50),
                Column("responsible", t("reports.col.responsible"), width=14),
                Column("due", t("reports.col.due"), "date", width=12),
                Column("overdue", t("reports.col.warning"), width=12),
                Column("meeting", t("reports.col.meeting"), "date", width=12),
            ), steps),
            part("missing", (
                Column("name", t("reports.col.member"), width=24),
                Column("organisation", t("reports.col.organisation"), width=14),
                Column("organisation_reported", t("reports.col.organisation_reported"),
                       width=18),
            ), missing),
            part("agenda", (Column("number", t("reports.col.number"), width=6),
                            Column("item", t("reports.col.agenda_item"), width=70)), agenda),
        ),
        filename=name,
        language=language,
    )
