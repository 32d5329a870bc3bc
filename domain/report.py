"""Reports as documents: the plan's status ("allt på ett papper") and a group's summary.

Pure builders: `storage.report_repo` aggregates in SQL and hands over figures (one row per
activity, the updates of one window, the members without an update); these functions turn
them into a `domain.document.Document` in the reader's language, and into typed `Dataset`
rows for spreadsheets. Texts come from the message catalogs through the `Translate` function
passed in (the domain imports no handlers); dates and numbers are formatted here.

Rules chosen here:
- An activity's status is that of its latest update that is not withdrawn, latest by the
  time it was reported (`created_at`); correcting an update later does not make it newer,
  and the corrected text is what counts (also for the status before the period).
- The change since the previous period compares that status at the period's end with the
  one before the period's start. Direction follows `STATUS_RANK` (delayed is lowest, done
  highest); an activity with no update before the period is "new".
- An activity is stale when its latest update is more than `stale_after_days` old at the
  period's end; one with no update at all is listed separately.
- Owners: the short names of the owner organisations, or "all parties" when an activity is
  owned by every organisation of the installation.
- Indicators: the latest value reported for each indicator (from any update of the activity
  that carries one), against its target; progress is measured from the baseline when there
  is one, else from zero.
- The summary's window holds the group's updates written or changed in it (the rule the
  reminders use for "has reported"); a member has reported when they wrote or changed one,
  an organisation when any of its people did.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Final

from domain.calendar import STOCKHOLM
from domain.dates import format_date_en, format_date_sv
from domain.document import (
    Block,
    BulletList,
    Cell,
    CellValue,
    Chart,
    ChartSeries,
    Column,
    Dataset,
    Document,
    Fields,
    Heading,
    IndicatorBar,
    Light,
    ListItem,
    Paragraph,
    Row,
    Table,
)
from domain.notes import Decision, NextStep
from domain.plan import PlanActivity, PlanIndicator, plan_order
from domain.updates import STATUS_BY_CODE, STATUSES, format_value

# A message catalog: `t("reports.status.title", date=...)` (handlers' `Translator`).
Translate = Callable[..., str]


# Worst to best: the direction of a change of status.
STATUS_RANK: Final[dict[str, int]] = {
    "delayed": 0, "at_risk": 1, "paused": 2, "not_started": 3, "starting": 4, "on_track": 5,
    "done": 6,
}  # fmt: skip
NO_STATUS: Final = "none"
_LAST: Final = 1_000_000
DEFAULT_STALE_AFTER_DAYS: Final = 60


# --- the figures storage hands over ---------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The previous period ends at `start`; the figures are as they stood at `end`."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class ActivityFigures:
    code: str
    # Latest status at the period's end, and before its start (None: no update then).
    status: str | None
    last_update: datetime | None
    previous_status: str | None
    updates_in_period: int = 0


@dataclass(frozen=True)
class IndicatorFigure:
    activity_code: str
    indicator_id: str
    value: float
    at: datetime


@dataclass(frozen=True)
class StatusCount:
    goal_area_code: str
    status: str | None
    count: int


@dataclass(frozen=True)
class StatusFigures:
    activities: tuple[ActivityFigures, ...]
    counts: tuple[StatusCount, ...]
    indicators: tuple[IndicatorFigure, ...] = ()


@dataclass(frozen=True)
class ReportedUpdate:
    """One update of a summary's window, with who wrote it."""

    number: int
    activity_code: str
    status: str
    summary: str
    next_steps: str
    risks: str
    created_at: datetime
    updated_at: datetime
    version: int
    author_id: str
    author_name: str
    organisation_id: str
    indicator_values: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Reporter:
    person_id: str
    name: str
    organisation_id: str


@dataclass(frozen=True)
class SummaryFigures:
    # The group's updates written or changed in the window, oldest first.
    updates: tuple[ReportedUpdate, ...]
    # Activity → its latest status before the window.
    previous_status: Mapping[str, str]
    # Active members of the group with no update in the window.
    missing: tuple[Reporter, ...]


@dataclass(frozen=True)
class NextMeeting:
    start: datetime
    # The convener as the calendar words it ("GR (Amir Haddad)").
    convener: str
    location: str = ""


@dataclass(frozen=True)
class Upphamtning:
    """What the group decided last time, and the next steps still open."""

    decisions: tuple[Decision, ...] = ()
    decisions_date: date | None = None
    open_steps: tuple[NextStep, ...] = ()


@dataclass(frozen=True)
class UpdateRow:
    """One row of the `uppdateringar` export: an update as it stands now."""

    number: int
    created_at: datetime
    updated_at: datetime
    version: int
    group_id: str
    group_name: str
    goal_area_code: str
    goal_area_title: str
    activity_code: str
    activity_title: str
    status: str
    summary: str
    next_steps: str
    risks: str
    author_name: str
    organisation_name: str
    indicator_values: Mapping[str, float] = field(default_factory=dict)


# --- small words ----------------------------------------------------------------------------


def local_date(moment: datetime) -> date:
    return moment.astimezone(STOCKHOLM).date()


def local_naive(moment: datetime) -> datetime:
    """Swedish local time without an offset: what a spreadsheet cell can hold."""

    return moment.astimezone(STOCKHOLM).replace(tzinfo=None)


def long_date(language: str, day: date) -> str:
    return format_date_sv(day) if language == "sv" else format_date_en(day)


def iso(day: date) -> str:
    return day.isoformat()


def status_text(t: Translate, code: str | None) -> str:
    if code is None or code not in STATUS_BY_CODE:
        return t("reports.status.no_report")
    return t(f"updates.status.{code}")


def status_light(code: str | None) -> Light | None:
    status = STATUS_BY_CODE.get(code or "")
    return status.colour if status is not None else None


def status_cell(t: Translate, code: str | None) -> Cell:
    return Cell(status_text(t, code), status_light(code), code or NO_STATUS)


def change_text(t: Translate, previous: str | None, current: str | None) -> str:
    if current is None:
        return "–"
    if previous is None:
        return t("reports.change.new")
    if previous == current:
        return t("reports.change.same")
    key = "up" if STATUS_RANK.get(current, 0) > STATUS_RANK.get(previous, 0) else "down"
    return t(f"reports.change.{key}", previous=status_text(t, previous))


def slug(text: str) -> str:
    """`Arbetsgruppen 2026-09-01` → `arbetsgruppen-2026-09-01`: a file name on any system."""

    plain = unicodedata.normalize("NFKD", text.casefold())
    ascii_only = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")[:80] or "rapport"


def owners_text(t: Translate, owners: Sequence[str], organisations: Mapping[str, str]) -> str:
    if organisations and set(owners) >= set(organisations):
        return t("reports.owners.all")
    return ", ".join(organisations.get(o, o) for o in owners)


def indicator_text(
    t: Translate, language: str, indicator: PlanIndicator, value: float | None
) -> str:
    shown = format_value(value, language) if value is not None else "–"
    if indicator.target is None:
        return t("reports.indicator.value", name=indicator.name, value=shown, unit=indicator.unit)
    return t(
        "reports.indicator.against_target", name=indicator.name, value=shown,
        target=format_value(indicator.target, language), unit=indicator.unit,
    )


def _against_target(
    t: Translate, language: str, indicator: PlanIndicator, value: float | None
) -> str:
    """`2,5 av 4 (antal)`: the indicator's text without its name, for the chart."""

    shown = format_value(value, language) if value is not None else "–"
    if indicator.target is None:
        return t("reports.indicator.short", value=shown, unit=indicator.unit)
    return t("reports.indicator.short_target", value=shown, unit=indicator.unit,
             target=format_value(indicator.target, language))


def progress(indicator: PlanIndicator, value: float | None) -> float | None:
    """How far from the baseline (or zero) to the target the value has come, 0–1 (or more)."""

    if value is None or indicator.target is None:
        return None
    start = indicator.baseline if indicator.baseline is not None else 0.0
    if indicator.target == start:
        return 1.0 if value >= indicator.target else 0.0
    return (value - start) / (indicator.target - start)


def _areas(activities: Sequence[PlanActivity]) -> list[tuple[str, str, list[PlanActivity]]]:
    """(code, title, activities) per goal area, in the plan's order."""

    grouped: dict[str, tuple[str, list[PlanActivity]]] = {}
    for activity in plan_order(list(activities)):
        grouped.setdefault(activity.goal_area_code, (activity.goal_area_title, []))[1].append(
            activity
        )
    return [(code, title, items) for code, (title, items) in grouped.items()]


_STATUS_ORDER: Final = (*(s.code for s in STATUSES), NO_STATUS)


def _status_chart(
    t: Translate,
    title: str,
    areas: Sequence[tuple[str, str, Sequence[PlanActivity]]],
    status_of: Callable[[str], str | None],
    indicators: Sequence[IndicatorBar] = (),
) -> Chart:
    counts = {
        code: Counter(status_of(a.code) or NO_STATUS for a in items) for code, _, items in areas
    }
    present = [s for s in _STATUS_ORDER if any(c[s] for c in counts.values())]
    series = tuple(
        ChartSeries(
            label=status_text(t, None if s == NO_STATUS else s),
            light=status_light(None if s == NO_STATUS else s),
            values=tuple(counts[code][s] for code, _, _ in areas),
        )
        for s in present
    )
    description = "; ".join(
        f"{area_title}: " + ", ".join(
            f"{status_text(t, None if s == NO_STATUS else s)} {counts[code][s]}"
            for s in present if counts[code][s]
        )
        for code, area_title, _ in areas
    )
    return Chart(
        title=title,
        categories=tuple(code for code, _, _ in areas),
        series=series,
        indicator_title=t("reports.chart.indicators") if indicators else "",
        indicators=tuple(indicators),
        count_label=t("reports.chart.count"),
        value_label=t("reports.chart.value"),
        target_label=t("reports.chart.target"),
        baseline_label=t("reports.chart.baseline"),
        progress_label=t("reports.chart.progress"),
        description=description,
    )


# --- status: "allt på ett papper" ---------------------------------------------------------


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
            areas=_areas(wanted),
            values=_latest_values(figures.indicators),
            as_of=local_date(period.end),
            by_code={f.code: f for f in figures.activities},
            stale_limit=period.end - timedelta(days=stale_after_days),
        )

    def figures_of(self, code: str) -> ActivityFigures:
        # An activity storage has no row for has simply never been reported on.
        return self.by_code.get(code) or ActivityFigures(code, None, None, None)

    def standing(self, code: str) -> tuple[ActivityFigures, date | None, bool]:
        """Its figures, the day of its latest update (None: never) and whether that is stale."""

        f = self.figures_of(code)
        last = local_date(f.last_update) if f.last_update else None
        return f, last, f.last_update is not None and f.last_update < self.stale_limit


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
) -> Document:
    """Every goal area and activity on one page: status, change, last update, indicators."""

    scope = _StatusScope.of(activities, figures, period, stale_after_days, goal_areas)
    areas, values, as_of = scope.areas, scope.values, scope.as_of
    rows: list[Row] = []
    stale: list[str] = []
    never: list[str] = []
    bars: list[IndicatorBar] = []
    for _code, title, items in areas:
        rows.append(Row((Cell(title),), section=True))
        for activity in items:
            f, last, is_stale = scope.standing(activity.code)
            if last is None:
                never.append(activity.code)
            elif is_stale:
                stale.append(t("reports.status.stale_item", code=activity.code, date=iso(last)))
            texts = []
            for indicator in activity.indicators:
                value = values.get((activity.code, indicator.id))
                texts.append(indicator_text(t, language, indicator, value))
                bars.append(IndicatorBar(
                    f"{activity.code} {indicator.name}", indicator.unit, value, indicator.target,
                    indicator.baseline, _against_target(t, language, indicator, value),
                ))
            rows.append(Row((
                Cell(f"{activity.code} {activity.title}", value=activity.code),
                Cell(owners_text(t, activity.owners, organisations)),
                status_cell(t, f.status),
                Cell(change_text(t, f.previous_status, f.status)),
                Cell(iso(last) if last else "–", "yellow" if is_stale else None, last),
                Cell("; ".join(texts) or "–"),
            )))
    blocks: list[Block] = [
        _counts_table(t, areas, figures.counts),
        _status_chart(t, t("reports.chart.status_title"), areas,
                      lambda code: scope.figures_of(code).status, bars),
        Table(
            (t("reports.col.activity"), t("reports.col.owners"), t("reports.col.status"),
             t("reports.col.change"), t("reports.col.last_update"), t("reports.col.indicators")),
            tuple(rows),
            widths=(7.0, 2.2, 2.3, 2.5, 1.8, 3.2),
        ),
    ]
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
        filename=f"status-{as_of.isoformat()}",
        generated_at=period.end,
        subject=t("reports.status.subject"),
        keywords=tuple(code for code, _, _ in areas),
        footer=_footer(t, period.end),
    )


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
    counts: Sequence[StatusCount],
) -> Table:
    """Counts per goal area and status, as storage counted them; statuses that occur only."""

    table: dict[tuple[str, str], int] = {}
    for count in counts:
        key = (count.goal_area_code, count.status or NO_STATUS)
        table[key] = table.get(key, 0) + count.count
    codes = [code for code, _, _ in areas]
    present = [s for s in _STATUS_ORDER if any(table.get((c, s), 0) for c in codes)]
    rows = []
    for code, title, _ in areas:
        cells = [table.get((code, s), 0) for s in present]
        rows.append(Row((
            Cell(f"{code} {title}", value=code),
            *(Cell(str(n), status_light(None if s == NO_STATUS else s) if n else None, n)
              for s, n in zip(present, cells, strict=True)),
            Cell(str(sum(cells)), value=sum(cells)),
        )))
    totals = [sum(table.get((c, s), 0) for c in codes) for s in present]
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
) -> Dataset:
    """The status as typed rows, one per activity, one sheet per goal area."""

    scope = _StatusScope.of(activities, figures, period, stale_after_days, goal_areas)
    areas, values, end_day = scope.areas, scope.values, scope.as_of
    indicators = [(a, i) for _, _, items in areas for a in items for i in a.indicators]
    columns = [
        Column("goal_area", t("reports.col.goal_area"), width=28),
        Column("code", t("reports.col.code"), width=9),
        Column("activity", t("reports.col.activity"), width=60),
        Column("owners", t("reports.col.owners"), width=24),
        Column("status", t("reports.col.status"), width=18),
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
    for _code, title, items in areas:
        for activity in items:
            f, last, is_stale = scope.standing(activity.code)
            if last is None:
                warning = t("reports.status.warning_never")
            elif is_stale:
                warning = t("reports.status.warning_stale")
            else:
                warning = ""
            own = {(activity.code, i.id) for i in activity.indicators}
            rows.append((
                title, activity.code, activity.title,
                owners_text(t, activity.owners, organisations),
                status_text(t, f.status),
                status_text(t, f.previous_status) if f.status is not None else None,
                change_text(t, f.previous_status, f.status),
                last,
                (end_day - last).days if last else None,
                f.updates_in_period,
                warning,
                *(values.get((a.code, i.id)) if (a.code, i.id) in own else None
                  for a, i in indicators),
                *(i.target if (a.code, i.id) in own else None for a, i in indicators),
            ))
    return Dataset(
        title=t("reports.status.title_plain"),
        columns=tuple(columns),
        rows=rows,
        sheet_column="goal_area",
        sheets=tuple(title for _, title, _ in areas),
        all_sheet=t("reports.sheet.all"),
        filename=f"status-{end_day.isoformat()}",
        language=language,
    )


# --- summary: before a meeting ------------------------------------------------------------


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
) -> Document:
    """For the convener: what was reported since the last meeting, and a draft agenda.

    `activities` are the group's own (it follows them up); an update in the window about an
    activity not among them (moved since, say) is shown under its own code all the same.
    """

    updates_by_activity: dict[str, list[ReportedUpdate]] = {}
    for update in figures.updates:
        updates_by_activity.setdefault(update.activity_code, []).append(update)
    known = {a.code for a in activities}
    extra = [
        PlanActivity(code, code, "", t("reports.summary.other_activities"), "",
                     goal_area_position=_LAST, position=i)
        for i, code in enumerate(sorted(set(updates_by_activity) - known))
    ]
    areas = _areas([*activities, *extra])
    indicators = {(a.code, i.id): i for a in activities for i in a.indicators}

    def current(code: str) -> str | None:
        reported = updates_by_activity.get(code)
        if reported:
            return max(reported, key=lambda u: (u.created_at, u.number)).status
        return figures.previous_status.get(code)

    since_day = local_date(since)
    blocks: list[Block] = []
    items = [
        (t("reports.summary.group"), group_name),
        (t("reports.summary.period"), t(
            "reports.summary.period_value", since=long_date(language, since_day),
            until=long_date(language, local_date(until)))),
    ]
    if next_meeting is not None:
        items += [
            (t("reports.summary.next_meeting"), _meeting_time(language, next_meeting.start)),
            (t("reports.summary.convener"), next_meeting.convener),
        ]
    items.append((t("reports.summary.count"), str(len(figures.updates))))
    blocks.append(Fields(tuple(items)))

    # 1. Upphämtning från förra gången
    blocks.append(Heading(t("reports.summary.upphamtning"), 1))
    blocks.extend(_upphamtning(t, language, upphamtning, organisations, local_date(until)))

    # 2. Lägesrapporter per målområde
    blocks.append(Heading(t("reports.summary.reports"), 1))
    blocks.append(_status_chart(t, t("reports.chart.group_title", group=group_name), areas,
                                current))
    risks: list[Row] = []
    area_counts: list[tuple[str, int, int]] = []
    for _code, title, items_in_area in areas:
        blocks.append(Heading(title, 2))
        silent: list[str] = []
        reported_here = 0
        risks_here = 0
        for activity in items_in_area:
            reported = updates_by_activity.get(activity.code, [])
            if not reported:
                silent.append(activity.code)
                continue
            reported_here += len(reported)
            blocks.append(Heading(f"{activity.code} {activity.title}", 3))
            previous = figures.previous_status.get(activity.code)
            latest = current(activity.code)
            blocks.append(Paragraph(t(
                "reports.summary.status_line", status=status_text(t, latest),
                change=change_text(t, previous, latest),
            )))
            for update in reported:
                blocks.append(Paragraph(_update_heading(t, update, organisations), "note"))
                fields = [(t("updates.field.summary"), update.summary)]
                if update.next_steps:
                    fields.append((t("updates.field.next_steps"), update.next_steps))
                if update.risks:
                    fields.append((t("updates.field.risks"), update.risks))
                    risks_here += 1
                    risks.append(Row((
                        Cell(activity.code), Cell(update.risks),
                        Cell(_who(update, organisations)),
                    )))
                values = [
                    indicator_text(t, language, indicators[(activity.code, key)], value)
                    for key, value in update.indicator_values.items()
                    if (activity.code, key) in indicators
                ]
                if values:
                    fields.append((t("reports.col.indicators"), "; ".join(values)))
                blocks.append(Fields(tuple(fields)))
        if silent:
            blocks.append(Paragraph(t(
                "reports.summary.no_update", date=long_date(language, since_day),
                codes=", ".join(silent),
            ), "warning"))
        area_counts.append((title, reported_here, risks_here))

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
            (t("reports.summary.when"), _meeting_time(language, next_meeting.start)),
            (t("reports.summary.convener"), next_meeting.convener),
        ]
        if next_meeting.location:
            meeting_items.append((t("reports.summary.where"), next_meeting.location))
        blocks.append(Fields(tuple(meeting_items)))
    blocks.append(Heading(t("reports.summary.agenda"), 1))
    blocks.append(_agenda(t, language, upphamtning, area_counts, next_meeting))

    title_day = local_date(next_meeting.start) if next_meeting else local_date(until)
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
        filename=f"sammanfattning-{slug(group_name)}-{title_day.isoformat()}",
        generated_at=until,
        subject=t("reports.summary.subject", group=group_name),
        keywords=(group_name,),
        footer=_footer(t, until),
    )


def _footer(t: Translate, moment: datetime) -> str:
    local = moment.astimezone(STOCKHOLM)
    return t("reports.footer", date=local.date().isoformat(), time=f"{local:%H:%M}")


def _meeting_time(language: str, start: datetime) -> str:
    local = start.astimezone(STOCKHOLM)
    return f"{long_date(language, local.date())} {local:%H:%M}"


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


def _missing(
    t: Translate, figures: SummaryFigures, organisations: Mapping[str, str]
) -> list[Block]:
    reported_orgs = {u.organisation_id for u in figures.updates}
    missing_orgs = sorted(
        {m.organisation_id for m in figures.missing} - reported_orgs,
        key=lambda o: organisations.get(o, o),
    )
    blocks: list[Block] = []
    if figures.missing:
        people = ", ".join(
            f"{m.name} ({organisations.get(m.organisation_id, m.organisation_id)})"
            for m in figures.missing
        )
        blocks.append(Paragraph(t("reports.summary.missing_members", people=people), "warning"))
    else:
        blocks.append(Paragraph(t("reports.summary.all_members")))
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
) -> BulletList:
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
    return BulletList((
        ListItem(t("reports.agenda.upphamtning"), tuple(recap)),
        ListItem(t("reports.agenda.checkin")),
        ListItem(t("reports.agenda.reports"), tuple(reports)),
        ListItem(t("reports.agenda.other")),
        ListItem(t("reports.agenda.next_steps"), tuple(closing)),
    ), numbered=True)


# --- the `uppdateringar` export -----------------------------------------------------------


def update_dataset(
    t: Translate,
    language: str,
    rows: Sequence[UpdateRow],
    *,
    activities: Sequence[PlanActivity],
    filename: str,
) -> Dataset:
    """One row per update, typed: dates as dates, numbers as numbers; a sheet per goal area."""

    indicators = [(a, i) for a in plan_order(list(activities)) for i in a.indicators]
    columns = (
        Column("number", t("reports.col.number"), "integer", width=7),
        Column("date", t("reports.col.date"), "date", width=12),
        Column("changed", t("reports.col.changed"), "date", width=12),
        Column("version", t("reports.col.version"), "integer", width=8),
        Column("group", t("reports.col.group"), width=20),
        Column("goal_area", t("reports.col.goal_area"), width=28),
        Column("code", t("reports.col.code"), width=9),
        Column("activity", t("reports.col.activity"), width=50),
        Column("status", t("reports.col.status"), width=18),
        Column("summary", t("updates.field.summary"), width=60),
        Column("next_steps", t("updates.field.next_steps"), width=40),
        Column("risks", t("updates.field.risks"), width=40),
        Column("reporter", t("reports.col.reporter"), width=22),
        Column("organisation", t("reports.col.organisation"), width=14),
        *(
            Column(f"indicator:{a.code}:{i.id}",
                   t("reports.col.indicator", code=a.code, name=i.name, unit=i.unit),
                   "number", width=16, sparse=True)
            for a, i in indicators
        ),
    )
    typed = [
        (
            row.number, local_date(row.created_at), local_date(row.updated_at), row.version,
            row.group_name, row.goal_area_title, row.activity_code, row.activity_title,
            status_text(t, row.status), row.summary, row.next_steps, row.risks,
            row.author_name, row.organisation_name,
            *(row.indicator_values.get(i.id) if row.activity_code == a.code else None
              for a, i in indicators),
        )
        for row in rows
    ]
    area_order = {a.goal_area_title: a.goal_area_position for a in activities}
    sheets = sorted({row.goal_area_title for row in rows},
                    key=lambda title: (area_order.get(title, 1_000_000), title))
    return Dataset(
        title=t("reports.updates.title"),
        columns=columns,
        rows=typed,
        sheet_column="goal_area",
        sheets=tuple(sheets),
        all_sheet=t("reports.sheet.all"),
        filename=filename,
        language=language,
    )
