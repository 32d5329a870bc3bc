"""The plan's status, "allt på ett papper": a document for the page and rows for spreadsheets.

Pure builders over `domain.report_figures` (storage aggregates in SQL); texts from the
catalogs through `t` (`domain.report_words`).

Rules chosen here:
- An activity's status is the worst current status of the organisations that reported on it
  (`domain.joint_status`); its breakdown per organisation names each owner, "ingen rapport"
  included. Each organisation's status is that of its latest update that is not withdrawn,
  latest by the time it was reported (`created_at`); correcting an update later does not
  make it newer, and the corrected text is what counts (also for the status before the
  period).
- The change since the previous period compares that status at the period's end with the
  one before the period's start. Direction follows `STATUS_RANK` (delayed is lowest, done
  highest); an activity with no update before the period is "new".
- An activity is stale when its latest update (from any organisation) is more than
  `stale_after_days` old at the period's end; one with no update at all is listed separately.
- Owners: the short names of the owner organisations, or "all parties" when an activity is
  owned by every organisation of the installation.
- Indicators: the latest value reported for each indicator (from any update of the activity
  that carries one), against its target; progress is measured from the baseline when there
  is one, else from zero.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.document import (
    Block,
    Cell,
    CellValue,
    Column,
    Dataset,
    Datasets,
    Document,
    IndicatorBar,
    Paragraph,
    Row,
    Table,
)
from domain.followup import PlanMilestone, StatusFollowUp, latest_per_organisation
from domain.followup_words import (
    budget_paragraph,
    indicator_value_text,
    milestones_paragraph,
    status_parts,
)
from domain.joint_status import JointStatus, joint_status
from domain.plan import PlanActivity
from domain.report_figures import ActivityFigures, IndicatorFigure, Period, StatusFigures
from domain.report_words import (
    DEFAULT_STALE_AFTER_DAYS,
    NO_STATUS,
    STATUS_ORDER,
    Translate,
    against_target,
    areas_of,
    change_text,
    file_name,
    footer,
    indicator_text,
    iso,
    local_date,
    long_date,
    organisation_status_text,
    owners_text,
    plan_word,
    remembering,
    status_cell,
    status_chart,
    status_light,
    status_text,
)


@dataclass(frozen=True)
class _Standing:
    """One activity as the status shows it."""

    joint: JointStatus
    figures: ActivityFigures
    # The day of its latest update (None: never), and whether that is stale.
    last: date | None
    stale: bool


@dataclass(frozen=True)
class _StatusScope:
    """What the status's page (`build_status`) and its spreadsheet (`status_dataset`) are both
    made of, so that the two can never disagree on an activity's standing."""

    # (code, title, activities) per goal area asked for, in the plan's order.
    areas: list[tuple[str, str, list[PlanActivity]]]
    # (activity code, indicator id) → the latest value reported.
    values: dict[tuple[str, str], float]
    as_of: date
    by_code: dict[str, ActivityFigures]
    stale_limit: datetime

    @classmethod
    def of(
        cls,
        activities: Sequence[PlanActivity],
        figures: StatusFigures,
        period: Period,
        stale_after_days: int,
        goal_areas: Collection[str] | None,
    ) -> _StatusScope:
        wanted = [a for a in activities if goal_areas is None or a.goal_area_code in goal_areas]
        return cls(
            areas=areas_of(wanted),
            values=_latest_values(figures.indicators),
            as_of=local_date(period.end),
            by_code={f.code: f for f in figures.activities},
            stale_limit=period.end - timedelta(days=stale_after_days),
        )

    def standing(self, activity: PlanActivity) -> _Standing:
        # An activity storage has no row for has simply never been reported on.
        f = self.by_code.get(activity.code) or ActivityFigures(activity.code)
        joint = joint_status(activity.owners, f.organisations)
        at = joint.last_update
        return _Standing(joint, f, local_date(at) if at else None,
                         at is not None and at < self.stale_limit)


def _who(t: Translate, activity: PlanActivity, standing: _Standing,
         organisations: Mapping[str, str]) -> str:
    """The owners, and where more than one organisation is involved, each one's status."""

    if standing.joint.joint and standing.joint.status is not None:
        return organisation_status_text(t, standing.joint, organisations)
    return owners_text(t, activity.owners, organisations)


def build_status(
    t: Translate,
    language: str,
    *,
    plan_title: str,
    activities: Sequence[PlanActivity],
    organisations: Mapping[str, str],
    figures: StatusFigures,
    period: Period,
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
    goal_areas: Collection[str] | None = None,
    followup: StatusFollowUp | None = None,
) -> Document:
    """Every goal area and activity on one page: status, change, last update, indicators
    (per organisation, `domain.followup_words`), and with `followup` the next and overdue
    milestones and the budget per goal area and funding source."""

    t = remembering(t)
    scope = _StatusScope.of(activities, figures, period, stale_after_days, goal_areas)
    areas, values, as_of = scope.areas, scope.values, scope.as_of
    per_organisation = latest_per_organisation(followup.values if followup else ())
    rows: list[Row] = []
    stale: list[str] = []
    never: list[str] = []
    bars: list[IndicatorBar] = []
    statuses: dict[str, str | None] = {}
    for _code, title, items in areas:
        rows.append(Row((Cell(title),), section=True))
        for activity in items:
            standing = scope.standing(activity)
            joint, last = standing.joint, standing.last
            statuses[activity.code] = joint.status
            if last is None:
                never.append(activity.code)
            elif standing.stale:
                stale.append(t("reports.status.stale_item", code=activity.code, date=iso(last)))
            texts = []
            for indicator in activity.indicators:
                value = values.get((activity.code, indicator.id))
                reported = per_organisation.get((activity.code, indicator.id), {})
                value, by_org = (indicator_value_text(t, language, indicator, reported,
                                                      organisations)
                                 if reported else (value, ""))
                texts.append(" ".join(filter(None, (
                    indicator_text(t, language, indicator, value), by_org))))
                bars.append(IndicatorBar(
                    f"{activity.code} {indicator.name}", indicator.unit, value, indicator.target,
                    indicator.baseline, against_target(t, language, indicator, value),
                ))
            rows.append(Row((
                Cell(f"{activity.code} {activity.title}", value=activity.code),
                Cell(_who(t, activity, standing, organisations)),
                status_cell(t, joint.status),
                Cell(change_text(t, joint.previous_status, joint.status)),
                Cell(iso(last) if last else "–", "yellow" if standing.stale else None, last),
                Cell("; ".join(texts) or "–"),
            )))
    blocks: list[Block] = [
        _counts_table(t, areas, statuses),
        status_chart(t, t("reports.chart.status_title"), areas, statuses.get, bars),
        Table(
            (t("reports.col.activity"), t("reports.col.by_organisation"),
             t("reports.col.status"), t("reports.col.change"), t("reports.col.last_update"),
             t("reports.col.indicators")),
            tuple(rows),
            widths=(5.0, 4.2, 1.9, 2.1, 1.6, 4.0),
        ),
    ]
    if followup is not None:
        in_scope = [a for _, _, items in areas for a in items]
        milestones = milestones_paragraph(
            t, [m for m in followup.milestones if goal_areas is None
                or _milestone_area(m, in_scope) in goal_areas], as_of)
        budget = budget_paragraph(t, language, [
            line for line in followup.budget if goal_areas is None
            or _line_area(line.activity_code, line.goal_area_code, in_scope) in goal_areas
        ], in_scope, statuses)
        blocks.extend(Paragraph(text, "note") for text in (milestones, budget) if text)
    if stale:
        blocks.append(Paragraph(
            t("reports.status.stale", count=stale_after_days, items=", ".join(stale)), "warning"
        ))
    if never:
        blocks.append(Paragraph(t("reports.status.never", items=", ".join(never)), "warning"))
    if not stale and not never and areas:
        blocks.append(Paragraph(t("reports.status.all_fresh", count=stale_after_days), "note"))
    area_names = ", ".join(title for _, title, _ in areas)
    subtitle = t(
        "reports.status.subtitle", date=long_date(language, as_of),
        since=long_date(language, local_date(period.start)),
    )
    if goal_areas is not None:
        subtitle = t("reports.status.subtitle_areas", subtitle=subtitle, areas=area_names)
    return Document(
        title=t("reports.status.title", plan=plan_title) if plan_title else t(
            "reports.status.title_plain"),
        subtitle=subtitle,
        blocks=tuple(blocks),
        language=language,
        layout="page",
        filename=file_name(t, "status", plan_word(t), as_of),
        generated_at=period.end,
        subject=t("reports.status.subject"),
        keywords=tuple(code for code, _, _ in areas),
        footer=footer(t, period.end),
    )


def _line_area(activity_code: str | None, goal_area_code: str | None,
               activities: Sequence[PlanActivity]) -> str | None:
    """The goal area of a milestone or budget line (None: the whole plan's)."""

    if activity_code is not None:
        return next((a.goal_area_code for a in activities if a.code == activity_code), "")
    return goal_area_code


def _milestone_area(milestone: PlanMilestone, activities: Sequence[PlanActivity]) -> str | None:
    return _line_area(milestone.activity_code, milestone.goal_area_code, activities)


def _latest_values(figures: Sequence[IndicatorFigure]) -> dict[tuple[str, str], float]:
    latest: dict[tuple[str, str], IndicatorFigure] = {}
    for figure in figures:
        key = (figure.activity_code, figure.indicator_id)
        if key not in latest or figure.at > latest[key].at:
            latest[key] = figure
    return {key: figure.value for key, figure in latest.items()}


def _counts_table(
    t: Translate,
    areas: Sequence[tuple[str, str, Sequence[PlanActivity]]],
    statuses: Mapping[str, str | None],
) -> Table:
    """Activities per goal area and status (each counted once, by its worst organisation's
    status); the statuses that occur only."""

    table = {
        code: Counter(statuses.get(a.code) or NO_STATUS for a in items)
        for code, _, items in areas
    }
    present = [s for s in STATUS_ORDER if any(c[s] for c in table.values())]
    rows = []
    for code, title, _ in areas:
        cells = [table[code][s] for s in present]
        rows.append(Row((
            Cell(f"{code} {title}", value=code),
            *(Cell(str(n), status_light(None if s == NO_STATUS else s) if n else None, n)
              for s, n in zip(present, cells, strict=True)),
            Cell(str(sum(cells)), value=sum(cells)),
        )))
    totals = [sum(c[s] for c in table.values()) for s in present]
    rows.append(Row((
        Cell(t("reports.col.total")),
        *(Cell(str(n), value=n) for n in totals),
        Cell(str(sum(totals)), value=sum(totals)),
    )))
    return Table(
        (t("reports.col.goal_area"),
         *(status_text(t, None if s == NO_STATUS else s) for s in present),
         t("reports.col.total")),
        tuple(rows),
        widths=(5.0, *(1.6 for _ in present), 1.3),
    )


def status_dataset(
    t: Translate,
    language: str,
    *,
    activities: Sequence[PlanActivity],
    organisations: Mapping[str, str],
    figures: StatusFigures,
    period: Period,
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
    goal_areas: Collection[str] | None = None,
    followup: StatusFollowUp | None = None,
) -> Datasets:
    """The status as typed rows: one per activity (a sheet per goal area), and one per
    activity and organisation (a sheet of its own); with `followup`, sheets for the budget,
    the indicators per organisation and the milestones (`domain.followup_words`)."""

    t = remembering(t)
    scope = _StatusScope.of(activities, figures, period, stale_after_days, goal_areas)
    areas, values, end_day = scope.areas, scope.values, scope.as_of
    indicators = [(a, i) for _, _, items in areas for a in items for i in a.indicators]
    columns = [
        Column("goal_area", t("reports.col.goal_area"), width=28),
        Column("code", t("reports.col.code"), width=9),
        Column("activity", t("reports.col.activity"), width=60),
        Column("owners", t("reports.col.owners"), width=24),
        Column("status", t("reports.col.status"), width=18),
        Column("by_organisation", t("reports.col.by_organisation"), width=48),
        Column("previous_status", t("reports.col.previous_status"), width=18),
        Column("change", t("reports.col.change"), width=22),
        Column("last_update", t("reports.col.last_update"), "date", width=12),
        Column("days_since", t("reports.col.days_since"), "integer", width=10),
        Column("updates_in_period", t("reports.col.updates_in_period"), "integer", width=12),
        Column("stale", t("reports.col.warning"), width=16),
        *(
            Column(f"indicator:{a.code}:{i.id}",
                   t("reports.col.indicator", code=a.code, name=i.name, unit=i.unit),
                   "number", width=16, sparse=True)
            for a, i in indicators
        ),
        *(
            Column(f"target:{a.code}:{i.id}",
                   t("reports.col.indicator_target", code=a.code, name=i.name, unit=i.unit),
                   "number", width=12, sparse=True)
            for a, i in indicators
        ),
    ]
    rows: list[tuple[CellValue, ...]] = []
    per_organisation: list[tuple[CellValue, ...]] = []
    for _code, title, items in areas:
        for activity in items:
            standing = scope.standing(activity)
            joint, last = standing.joint, standing.last
            if last is None:
                warning = t("reports.status.warning_never")
            elif standing.stale:
                warning = t("reports.status.warning_stale")
            else:
                warning = ""
            own = {(activity.code, i.id) for i in activity.indicators}
            rows.append((
                title, activity.code, activity.title,
                owners_text(t, activity.owners, organisations),
                status_text(t, joint.status),
                organisation_status_text(t, joint, organisations),
                status_text(t, joint.previous_status) if joint.status is not None else None,
                change_text(t, joint.previous_status, joint.status),
                last,
                (end_day - last).days if last else None,
                standing.figures.updates_in_period,
                warning,
                *(values.get((a.code, i.id)) if (a.code, i.id) in own else None
                  for a, i in indicators),
                *(i.target if (a.code, i.id) in own else None for a, i in indicators),
            ))
            for part in joint.parts:
                day = local_date(part.last_update) if part.last_update else None
                per_organisation.append((
                    title, activity.code, activity.title,
                    organisations.get(part.organisation_id, part.organisation_id),
                    t("reports.yes") if part.owner else t("reports.no"),
                    status_text(t, part.status),
                    status_text(t, part.previous_status) if part.status is not None else None,
                    change_text(t, part.previous_status, part.status),
                    day,
                    (end_day - day).days if day else None,
                ))
    name = file_name(t, "status", plan_word(t), end_day)
    in_scope = [a for _, _, items in areas for a in items]
    extra = status_parts(
        t, language, followup, in_scope, organisations,
        {a.code: scope.standing(a).joint.status for a in in_scope}, name,
    ) if followup is not None else ()
    return Datasets(
        title=t("reports.status.title_plain"),
        parts=(
            Dataset(
                title=t("reports.status.title_plain"),
                columns=tuple(columns),
                rows=rows,
                sheet_column="goal_area",
                sheets=tuple(title for _, title, _ in areas),
                all_sheet=t("reports.sheet.all"),
                filename=name,
                language=language,
            ),
            Dataset(
                title=t("reports.sheet.by_organisation"),
                columns=(
                    Column("goal_area", t("reports.col.goal_area"), width=28),
                    Column("code", t("reports.col.code"), width=9),
                    Column("activity", t("reports.col.activity"), width=60),
                    Column("organisation", t("reports.col.organisation"), width=16),
                    Column("owner", t("reports.col.owner"), width=10),
                    Column("status", t("reports.col.status"), width=18),
                    Column("previous_status", t("reports.col.previous_status"), width=18),
                    Column("change", t("reports.col.change"), width=22),
                    Column("last_update", t("reports.col.last_update"), "date", width=12),
                    Column("days_since", t("reports.col.days_since"), "integer", width=10),
                ),
                rows=per_organisation,
                filename=name,
                language=language,
            ),
            *extra,
        ),
        filename=name,
        language=language,
    )
