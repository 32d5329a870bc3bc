"""The annual follow-up (uppföljning) of the year's plan: the chefsgrupp's document.

Pure builders over `domain.followup.FollowUpFigures` (storage aggregates them in SQL): a Word
document of several pages with headings a registrar can file, and rows for Excel (one sheet
per part), Markdown and JSON. Texts from the catalogs through `t`.

What it holds, per goal area and activity: each organisation's status at the start of the
year and at its end, what was done (how many updates each organisation made in the year and
its latest account), the indicators from baseline (utgångsvärde) over the value at the year's
start to the latest per organisation against the target (målvärde), with the total where
the unit adds up; then the milestones met and missed, the budget lines and the status of
what they fund, and the year's decisions of the plan's groups. A chart per goal area: its
activities' statuses at the start and at the end of the year, and its indicators.

Rules chosen here:
- An activity's status at a moment is the joint status of its organisations' latest reports
  (`domain.joint_status`); an organisation with no report by then is "ingen rapport".
- A milestone is met when it was marked done on or before its due day, met late when after,
  missed when it is not done and its due day has passed by the report's end, else coming.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from domain.document import (
    Block,
    Cell,
    CellValue,
    Chart,
    ChartSeries,
    Column,
    Dataset,
    Datasets,
    Document,
    Fields,
    Heading,
    IndicatorBar,
    Paragraph,
    Row,
    Table,
)
from domain.followup import (
    FollowUpFigures,
    IndicatorYear,
    OrganisationYear,
    PlanMilestone,
    budget_area,
    budget_by_funding,
    total,
)
from domain.followup_words import funded_status, owners_short, scope_text, tkr
from domain.joint_status import OrganisationReport, joint_status
from domain.plan import PlanActivity, PlanIndicator
from domain.report_words import (
    NO_STATUS,
    STATUS_ORDER,
    Translate,
    areas_of,
    file_name,
    footer,
    local_date,
    long_date,
    plan_word,
    remembering,
    status_cell,
    status_light,
    status_text,
)
from domain.updates import format_value

MilestoneOutcome = str  # "met", "late", "missed", "coming"


def milestone_outcome(milestone: PlanMilestone, end: date) -> MilestoneOutcome:
    if milestone.done_at is not None:
        return "met" if local_date(milestone.done_at) <= milestone.due else "late"
    return "missed" if milestone.due < end else "coming"


@dataclass(frozen=True)
class YearView:
    """The figures arranged for building: per activity its organisations' years, per
    (activity, indicator) its organisations' values, each activity's joint status at the
    start and at the end."""

    by_activity: dict[str, list[OrganisationYear]]
    indicators: dict[tuple[str, str], list[IndicatorYear]]
    start_status: dict[str, str | None]
    end_status: dict[str, str | None]

    @classmethod
    def of(cls, activities: Sequence[PlanActivity], figures: FollowUpFigures) -> YearView:
        by_activity: dict[str, list[OrganisationYear]] = {}
        for item in figures.organisations:
            by_activity.setdefault(item.activity_code, []).append(item)
        indicators: dict[tuple[str, str], list[IndicatorYear]] = {}
        for value in figures.indicators:
            indicators.setdefault((value.activity_code, value.indicator_id), []).append(value)
        start: dict[str, str | None] = {}
        end: dict[str, str | None] = {}
        for activity in activities:
            years = by_activity.get(activity.code, [])
            end[activity.code] = joint_status(activity.owners, [
                OrganisationReport(y.organisation_id, y.status_end) for y in years
                if y.status_end is not None]).status
            start[activity.code] = joint_status(activity.owners, [
                OrganisationReport(y.organisation_id, y.status_start) for y in years
                if y.status_start is not None]).status
        return cls(by_activity, indicators, start, end)


def _value(value: float | None, language: str) -> str:
    return format_value(value, language) if value is not None else "–"


def _area_chart(t: Translate, language: str, area_title: str,
                items: Sequence[PlanActivity], year: YearView, figures: FollowUpFigures,
                first: date, last: date) -> Chart:
    moments = ((long_date(language, first), year.start_status),
               (long_date(language, last), year.end_status))
    counts = [Counter(statuses.get(a.code) or NO_STATUS for a in items) for _, statuses in moments]
    present = [s for s in STATUS_ORDER if any(c[s] for c in counts)]
    bars = []
    for activity in items:
        for indicator in activity.indicators:
            values = year.indicators.get((activity.code, indicator.id), [])
            shown = _shown(indicator, [v.end for v in values if v.end is not None])
            bars.append(IndicatorBar(
                f"{activity.code} {indicator.name}", indicator.unit, shown, indicator.target,
                indicator.baseline, t("reports.indicator.short_target" if indicator.target
                                      is not None else "reports.indicator.short",
                                      value=_value(shown, language), unit=indicator.unit,
                                      target=_value(indicator.target, language)),
            ))
    return Chart(
        title=t("followup.report.chart_title", area=area_title, year=figures.year),
        categories=tuple(label for label, _ in moments),
        series=tuple(
            ChartSeries(status_text(t, None if s == NO_STATUS else s),
                        status_light(None if s == NO_STATUS else s),
                        tuple(c[s] for c in counts))
            for s in present
        ),
        indicator_title=t("reports.chart.indicators") if bars else "",
        indicators=tuple(bars),
        count_label=t("reports.chart.count"),
        value_label=t("reports.chart.value"),
        target_label=t("reports.chart.target"),
        baseline_label=t("reports.chart.baseline"),
        progress_label=t("reports.chart.progress"),
        description="; ".join(
            f"{label}: " + ", ".join(
                f"{status_text(t, None if s == NO_STATUS else s)} {c[s]}" for s in present
                if c[s])
            for (label, _), c in zip(moments, counts, strict=True)
        ),
    )


def _shown(indicator: PlanIndicator, values: Sequence[float]) -> float | None:
    """The total where the unit adds up, else the largest organisation's value."""

    if not values:
        return None
    summed = total(indicator.unit, values)
    return summed if summed is not None else max(values)


def build_follow_up(
    t: Translate,
    language: str,
    *,
    plan_title: str,
    activities: Sequence[PlanActivity],
    organisations: Mapping[str, str],
    figures: FollowUpFigures,
    start: datetime,
    end: datetime,
) -> Document:
    """The follow-up as a document: a summary, then per goal area a chart and per activity
    its organisations and indicators, then milestones, budget and decisions."""

    t = remembering(t)
    first, last = local_date(start), local_date(end)
    year = YearView.of(activities, figures)
    areas = areas_of(list(activities))
    outcomes = Counter(milestone_outcome(m, last) for m in figures.milestones)
    budget_total = sum(line.budget_tkr for line in figures.budget)
    updates = sum(y.updates for y in figures.organisations)
    blocks: list[Block] = [
        Heading(t("followup.report.summary"), 1),
        Fields((
            (t("followup.report.period"), t("followup.report.period_value",
                                            first=long_date(language, first),
                                            last=long_date(language, last))),
            (t("followup.report.activities"), str(len(activities))),
            (t("followup.report.updates"), str(updates)),
            (t("followup.report.milestones"), t(
                "followup.report.milestone_counts", met=outcomes["met"] + outcomes["late"],
                missed=outcomes["missed"], coming=outcomes["coming"])),
            (t("followup.report.budget"), f"{tkr(budget_total, language)} tkr"),
        )),
    ]
    for area_code, area_title, items in areas:
        blocks.append(Heading(f"{area_code} {area_title}", 1))
        blocks.append(_area_chart(t, language, area_title, items, year, figures, first, last))
        for activity in items:
            blocks.extend(_activity_blocks(t, language, activity, year, organisations,
                                           first, last))
    blocks.extend(_milestone_blocks(t, language, figures, organisations, last))
    blocks.extend(_budget_blocks(t, language, figures, activities, year))
    blocks.extend(_decision_blocks(t, language, figures))
    return Document(
        title=t("followup.report.title", year=figures.year),
        subtitle=t("followup.report.subtitle", plan=plan_title or t("reports.status.title_plain"),
                   first=long_date(language, first), last=long_date(language, last)),
        blocks=tuple(blocks),
        language=language,
        layout="material",
        filename=file_name(t, "followup", plan_word(t), date(figures.year, 12, 31)),
        generated_at=end,
        subject=t("followup.report.subject", year=figures.year),
        keywords=tuple(code for code, _, _ in areas),
        footer=footer(t, end),
    )


def _activity_blocks(t: Translate, language: str, activity: PlanActivity, year: YearView,
                     organisations: Mapping[str, str], first: date, last: date) -> list[Block]:
    blocks: list[Block] = [Heading(f"{activity.code} {activity.title}", 2)]
    blocks.append(Paragraph(t(
        "followup.report.activity_status", start=status_text(t, year.start_status[activity.code]),
        end=status_text(t, year.end_status[activity.code]),
        owners=owners_short(activity.owners, organisations))))
    years = {y.organisation_id: y for y in year.by_activity.get(activity.code, [])}
    rows = []
    for org in dict.fromkeys([*activity.owners, *sorted(years)]):
        y = years.get(org)
        rows.append(Row((
            Cell(organisations.get(org, org)),
            status_cell(t, y.status_start if y else None),
            status_cell(t, y.status_end if y else None),
            Cell(str(y.updates if y else 0), value=y.updates if y else 0),
            Cell((y.latest_summary if y and y.updates else "") or "–"),
            Cell((y.latest_next_steps if y and y.updates else "") or "–"),
        )))
    blocks.append(Table(
        (t("reports.col.organisation"), t("followup.col.status_start", date=first.isoformat()),
         t("followup.col.status_end", date=last.isoformat()), t("followup.col.updates"),
         t("followup.col.done"), t("followup.col.next_steps")),
        tuple(rows), widths=(2.4, 2.2, 2.2, 1.6, 5.6, 3.0),
    ))
    for indicator in activity.indicators:
        blocks.append(Heading(indicator.name, 3))
        blocks.append(Paragraph(t(
            "followup.report.baseline_target", unit=indicator.unit,
            baseline=_value(indicator.baseline, language),
            target=_value(indicator.target, language))))
        if year.indicators.get((activity.code, indicator.id)):
            blocks.append(_indicator_table(t, language, activity, indicator, year,
                                           organisations))
        else:
            blocks.append(Paragraph(t("followup.report.no_values"), "note"))
    return blocks


def _indicator_table(t: Translate, language: str, activity: PlanActivity,
                     indicator: PlanIndicator, year: YearView,
                     organisations: Mapping[str, str]) -> Table:
    values = year.indicators.get((activity.code, indicator.id), [])
    rows = [
        Row((
            Cell(organisations.get(v.organisation_id, v.organisation_id)),
            Cell(_value(v.start, language), value=v.start),
            Cell(_value(v.end, language), value=v.end),
        ))
        for v in sorted(values, key=lambda v: organisations.get(v.organisation_id, ""))
    ]
    start_total = total(indicator.unit, [v.start for v in values if v.start is not None])
    end_total = total(indicator.unit, [v.end for v in values if v.end is not None])
    if end_total is not None or start_total is not None:
        rows.append(Row((
            Cell(t("reports.col.total")),
            Cell(_value(start_total, language), value=start_total),
            Cell(_value(end_total, language), value=end_total),
        )))
    return Table(
        (t("reports.col.organisation"), t("followup.col.value_start"),
         t("followup.col.value_latest")),
        tuple(rows), widths=(6.0, 3.0, 3.0),
    )


def _milestone_text(t: Translate, language: str, milestone: PlanMilestone, last: date) -> str:
    outcome = milestone_outcome(milestone, last)
    if milestone.done_at is not None:
        return t(f"followup.outcome.{outcome}", date=long_date(language,
                                                              local_date(milestone.done_at)),
                 name=milestone.done_by_name or "–")
    return t(f"followup.outcome.{outcome}")


def _milestone_blocks(t: Translate, language: str, figures: FollowUpFigures,
                      organisations: Mapping[str, str], last: date) -> list[Block]:
    if not figures.milestones:
        return []
    rows = tuple(
        Row((
            Cell(m.title), Cell(scope_text(t, m)),
            Cell(m.due.isoformat(), value=m.due),
            Cell(owners_short(m.owners, organisations)),
            Cell(_milestone_text(t, language, m, last),
                 {"met": "green", "late": "yellow", "missed": "red"}.get(
                     milestone_outcome(m, last))),  # type: ignore[arg-type]
        ))
        for m in sorted(figures.milestones, key=lambda m: (m.due, m.position))
    )
    return [
        Heading(t("followup.report.milestones_heading"), 1),
        Table((t("followup.col.milestone"), t("followup.col.scope"), t("followup.col.due"),
               t("reports.col.owners"), t("followup.col.outcome")), rows,
              widths=(5.0, 1.8, 2.2, 3.6, 4.4)),
    ]


def _budget_blocks(t: Translate, language: str, figures: FollowUpFigures,
                   activities: Sequence[PlanActivity], year: YearView) -> list[Block]:
    if not figures.budget:
        return []
    rows = [
        Row((
            Cell(line.title),
            Cell(line.activity_code or line.goal_area_code or t("followup.whole_plan_short")),
            Cell(line.funding),
            Cell(tkr(line.budget_tkr, language), value=line.budget_tkr),
            Cell(line.note or "–"),
            status_cell(t, funded_status(line, activities, year.end_status)),
        ))
        for line in figures.budget
    ]
    for funding in budget_by_funding(figures.budget):
        rows.append(Row((
            Cell(t("followup.report.funding_total", funding=funding.title)), Cell(""),
            Cell(""), Cell(tkr(funding.budget_tkr, language), value=funding.budget_tkr),
            Cell(""), Cell(""),
        )))
    return [
        Heading(t("followup.report.budget_heading"), 1),
        Table((t("followup.col.budget_line"), t("followup.col.scope"),
               t("followup.col.funding"), t("followup.col.budget_tkr"),
               t("followup.col.note"), t("followup.col.funded_status")), tuple(rows),
              widths=(4.4, 1.6, 3.4, 1.8, 3.6, 2.2)),
    ]


def _decision_blocks(t: Translate, language: str, figures: FollowUpFigures) -> list[Block]:
    blocks: list[Block] = [Heading(t("followup.report.decisions_heading"), 1)]
    if not figures.decisions:
        blocks.append(Paragraph(t("followup.report.no_decisions", year=figures.year), "note"))
        return blocks
    blocks.append(Table(
        (t("followup.col.meeting"), t("followup.col.group"), t("followup.col.decision")),
        tuple(Row((Cell(d.meeting_date.isoformat(), value=d.meeting_date), Cell(d.group_id),
                   Cell(d.text))) for d in figures.decisions),
        widths=(2.4, 3.0, 11.6),
    ))
    return blocks


def follow_up_dataset(
    t: Translate,
    language: str,
    *,
    activities: Sequence[PlanActivity],
    organisations: Mapping[str, str],
    figures: FollowUpFigures,
    start: datetime,
    end: datetime,
) -> Datasets:
    """The follow-up as rows: a part (an Excel sheet) per part of the document."""

    t = remembering(t)
    last = local_date(end)
    year = YearView.of(activities, figures)
    name = file_name(t, "followup", plan_word(t), date(figures.year, 12, 31))
    by_code = {a.code: a for a in activities}

    def part(title: str, columns: Sequence[Column], rows: Sequence[tuple[CellValue, ...]]
             ) -> Dataset:
        return Dataset(title=title, columns=tuple(columns), rows=list(rows), filename=name,
                       language=language)

    activity_rows: list[tuple[CellValue, ...]] = []
    organisation_rows: list[tuple[CellValue, ...]] = []
    indicator_rows: list[tuple[CellValue, ...]] = []
    for _area, area_title, items in areas_of(list(activities)):
        for a in items:
            years = year.by_activity.get(a.code, [])
            activity_rows.append((
                area_title, a.code, a.title, owners_short(a.owners, organisations),
                status_text(t, year.start_status[a.code]), status_text(t, year.end_status[a.code]),
                sum(y.updates for y in years),
            ))
            for y in years:
                organisation_rows.append((
                    area_title, a.code, organisations.get(y.organisation_id, y.organisation_id),
                    t("reports.yes") if y.organisation_id in a.owners else t("reports.no"),
                    status_text(t, y.status_start), status_text(t, y.status_end), y.updates,
                    y.latest_summary if y.updates else None,
                    y.latest_next_steps if y.updates else None,
                ))
            for indicator in a.indicators:
                values = year.indicators.get((a.code, indicator.id), [])
                for v in values:
                    indicator_rows.append((
                        a.code, indicator.name, indicator.unit,
                        organisations.get(v.organisation_id, v.organisation_id),
                        indicator.baseline, v.start, v.end, indicator.target))
                end_total = total(indicator.unit, [v.end for v in values if v.end is not None])
                if end_total is not None:
                    indicator_rows.append((
                        a.code, indicator.name, indicator.unit, t("reports.col.total"),
                        indicator.baseline,
                        total(indicator.unit, [v.start for v in values if v.start is not None]),
                        end_total, indicator.target))
    col = Column
    parts = (
        part(t("followup.sheet.activities"), (
            col("goal_area", t("reports.col.goal_area"), width=28),
            col("code", t("reports.col.code"), width=9),
            col("activity", t("reports.col.activity"), width=60),
            col("owners", t("reports.col.owners"), width=24),
            col("status_start", t("followup.col.status_start", date=local_date(start)
                                  .isoformat()), width=18),
            col("status_end", t("followup.col.status_end", date=last.isoformat()), width=18),
            col("updates", t("followup.col.updates"), "integer", width=12),
        ), activity_rows),
        part(t("followup.sheet.organisations"), (
            col("goal_area", t("reports.col.goal_area"), width=28),
            col("code", t("reports.col.code"), width=9),
            col("organisation", t("reports.col.organisation"), width=16),
            col("owner", t("reports.col.owner"), width=10),
            col("status_start", t("followup.col.status_start", date=local_date(start)
                                  .isoformat()), width=18),
            col("status_end", t("followup.col.status_end", date=last.isoformat()), width=18),
            col("updates", t("followup.col.updates"), "integer", width=12),
            col("done", t("followup.col.done"), width=60),
            col("next_steps", t("followup.col.next_steps"), width=40),
        ), organisation_rows),
        part(t("followup.sheet.indicators"), (
            col("code", t("reports.col.code"), width=9),
            col("indicator", t("followup.col.indicator"), width=40),
            col("unit", t("followup.col.unit"), width=10),
            col("organisation", t("reports.col.organisation"), width=16),
            col("baseline", t("followup.col.baseline"), "number", width=12),
            col("value_start", t("followup.col.value_start"), "number", width=12),
            col("value_latest", t("followup.col.value_latest"), "number", width=12),
            col("target", t("followup.col.target"), "number", width=12),
        ), indicator_rows),
        part(t("followup.sheet.milestones"), (
            col("id", t("followup.col.id"), width=24),
            col("milestone", t("followup.col.milestone"), width=40),
            col("scope", t("followup.col.scope"), width=10),
            col("due", t("followup.col.due"), "date", width=12),
            col("owners", t("reports.col.owners"), width=24),
            col("outcome", t("followup.col.outcome"), width=16),
            col("done_at", t("followup.col.done_at"), "date", width=12),
            col("done_by", t("followup.col.done_by"), width=24),
        ), [
            (m.id, m.title, scope_text(t, m), m.due, owners_short(m.owners, organisations),
             t(f"followup.outcome_word.{milestone_outcome(m, last)}"),
             local_date(m.done_at) if m.done_at else None, m.done_by_name or None)
            for m in sorted(figures.milestones, key=lambda m: (m.due, m.position))
        ]),
        part(t("followup.sheet.budget"), (
            col("id", t("followup.col.id"), width=24),
            col("budget_line", t("followup.col.budget_line"), width=40),
            col("goal_area", t("reports.col.goal_area"), width=10),
            col("scope", t("followup.col.scope"), width=10),
            col("funding", t("followup.col.funding"), width=30),
            col("budget_tkr", t("followup.col.budget_tkr"), "number", width=12),
            col("note", t("followup.col.note"), width=40),
            col("funded_status", t("followup.col.funded_status"), width=18),
        ), [
            (line.id, line.title, budget_area(line, by_code) or None,
             line.activity_code or line.goal_area_code or t("followup.whole_plan_short"),
             line.funding, line.budget_tkr, line.note or None,
             status_text(t, funded_status(line, activities, year.end_status)))
            for line in figures.budget
        ]),
        part(t("followup.sheet.decisions"), (
            col("meeting_date", t("followup.col.meeting"), "date", width=12),
            col("group", t("followup.col.group"), width=20),
            col("decision", t("followup.col.decision"), width=80),
        ), [(d.meeting_date, d.group_id, d.text) for d in figures.decisions]),
    )
    return Datasets(title=t("followup.report.title", year=figures.year), parts=parts,
                    filename=name, language=language)
