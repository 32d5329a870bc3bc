"""The follow-up's words and blocks, shared by the one-page status and the annual follow-up:
milestones, budget lines with the status of what they fund, indicator values per organisation.

Texts from the catalogs through `t` (app/locales/*/followup.toml). Amounts are in tkr, written
with a space between thousands in Swedish (`20 800 tkr`) and a comma in English (`20,800`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date

from domain.document import CellValue, Column, Dataset
from domain.followup import (
    BudgetSum,
    OrganisationValue,
    PlanBudgetLine,
    PlanMilestone,
    StatusFollowUp,
    budget_area,
    budget_by_area,
    budget_by_funding,
    latest_per_organisation,
    milestone_view,
    total,
)
from domain.joint_status import STATUS_RANK
from domain.plan import PlanActivity, PlanIndicator
from domain.report_words import Translate, local_date, long_date, status_text
from domain.updates import format_value

# Milestones the page names: every overdue one, and this many coming.
PAGE_COMING = 2


def tkr(value: float, language: str) -> str:
    """`20 800` (sv, with a no-break space) or `20,800` (en); decimals as `format_value`."""

    whole = round(value) if value == int(value) else None
    if whole is None:
        return format_value(value, language)
    text = f"{whole:,}"
    return text.replace(",", "\u00a0") if language == "sv" else text


def scope_text(t: Translate, milestone: PlanMilestone) -> str:
    return milestone.scope or t("followup.whole_plan_short")


def owners_short(owners: Sequence[str], organisations: Mapping[str, str]) -> str:
    return ", ".join(organisations.get(o, o) for o in owners)


def milestone_line(t: Translate, language: str, milestone: PlanMilestone,
                   organisations: Mapping[str, str]) -> str:
    """`Underlag till SRO (GS), 18 mars 2027, VGR, GR`."""

    return t("followup.milestone.line", title=milestone.title, scope=scope_text(t, milestone),
             date=long_date(language, milestone.due),
             owners=owners_short(milestone.owners, organisations))


def milestones_paragraph(t: Translate, milestones: Sequence[PlanMilestone],
                         today: date) -> str | None:
    """The page's line: every overdue milestone, and the next ones (owners are in
    `milstolpar`; the page has no room for them)."""

    view = milestone_view(milestones, today)
    if not view.overdue and not view.coming:
        return None
    parts = []

    def short(milestone: PlanMilestone) -> str:
        return t("followup.milestone.page", title=milestone.title,
                 scope=scope_text(t, milestone), date=milestone.due.isoformat())

    if view.overdue:
        parts.append(t("followup.page.overdue", items="; ".join(map(short, view.overdue))))
    if view.coming:
        parts.append(t("followup.page.coming", items="; ".join(
            map(short, view.coming[:PAGE_COMING]))))
    return t("followup.page.milestones", parts=" ".join(parts))


def funded_status(line: PlanBudgetLine, activities: Sequence[PlanActivity],
                  statuses: Mapping[str, str | None]) -> str | None:
    """The status of what a budget line funds: its activity's, or the worst of its goal
    area's activities' (None: nothing reported, or the whole plan)."""

    if line.activity_code is not None:
        return statuses.get(line.activity_code)
    if line.goal_area_code is not None:
        found = [statuses.get(a.code) for a in activities
                 if a.goal_area_code == line.goal_area_code]
        known = [s for s in found if s is not None]
        return min(known, key=lambda s: STATUS_RANK.get(s, 99)) if known else None
    return None


def _status_counts(t: Translate, lines: Sequence[PlanBudgetLine],
                   activities: Sequence[PlanActivity],
                   statuses: Mapping[str, str | None]) -> str:
    counts = Counter(status_text(t, funded_status(line, activities, statuses))
                     for line in lines)
    return ", ".join(f"{label} {n}" for label, n in counts.most_common())


def budget_paragraph(t: Translate, language: str, lines: Sequence[PlanBudgetLine],
                     activities: Sequence[PlanActivity],
                     statuses: Mapping[str, str | None]) -> str | None:
    """The page's budget: per goal area (with the status of what it funds) and per funding
    source, in tkr."""

    if not lines:
        return None
    by_code = {a.code: a for a in activities}
    whole = t("followup.whole_plan")

    def area_lines(area: BudgetSum) -> list[PlanBudgetLine]:
        return [line for line in lines if budget_area(line, by_code) == area.key]

    areas = " · ".join(
        t("followup.page.budget_area", area=area.title, amount=tkr(area.budget_tkr, language),
          statuses=_status_counts(t, area_lines(area), activities, statuses))
        for area in budget_by_area(lines, activities, whole)
    )
    funding = "; ".join(
        t("followup.page.budget_funding", funding=f.title, amount=tkr(f.budget_tkr, language),
          count=f.lines)
        for f in budget_by_funding(lines)
    )
    return t("followup.page.budget", areas=areas, funding=funding)


def indicator_value_text(
    t: Translate, language: str, indicator: PlanIndicator,
    per_organisation: Mapping[str, OrganisationValue], organisations: Mapping[str, str],
) -> tuple[float | None, str]:
    """The value an indicator shows (the total where its unit adds up, else the latest
    reported), and each organisation's latest value in short: `2 (VGR 1, GR 1)`."""

    values = sorted(per_organisation.values(), key=lambda v: v.organisation_id)
    if not values:
        return None, ""
    summed = total(indicator.unit, (v.value for v in values))
    shown = summed if summed is not None else max(values, key=lambda v: v.at).value
    parts = ", ".join(
        f"{organisations.get(v.organisation_id, v.organisation_id)} "
        f"{format_value(v.value, language)}" for v in values)
    return shown, t("followup.indicator.per_organisation", parts=parts)


def status_parts(
    t: Translate, language: str, followup: StatusFollowUp, activities: Sequence[PlanActivity],
    organisations: Mapping[str, str], statuses: Mapping[str, str | None], filename: str,
) -> tuple[Dataset, ...]:
    """The status's spreadsheet parts of the follow-up: the budget lines with the status of
    what they fund, each indicator's latest value per organisation (and the total where the
    unit adds up), and the milestones."""

    by_code = {a.code: a for a in activities}
    values = latest_per_organisation(followup.values)
    budget = Dataset(
        title=t("followup.sheet.budget"),
        columns=(
            Column("id", t("followup.col.id"), width=24),
            Column("budget_line", t("followup.col.budget_line"), width=40),
            Column("goal_area", t("reports.col.goal_area"), width=10),
            Column("scope", t("followup.col.scope"), width=10),
            Column("funding", t("followup.col.funding"), width=30),
            Column("budget_tkr", t("followup.col.budget_tkr"), "number", width=12),
            Column("note", t("followup.col.note"), width=40),
            Column("funded_status", t("followup.col.funded_status"), width=18),
        ),
        rows=[
            (line.id, line.title, budget_area(line, by_code) or None,
             line.activity_code or line.goal_area_code or t("followup.whole_plan_short"),
             line.funding, line.budget_tkr, line.note or None,
             status_text(t, funded_status(line, activities, statuses)))
            for line in followup.budget
            if line.activity_code is None or line.activity_code in by_code
        ],
        filename=filename, language=language,
    )
    indicator_rows: list[tuple[CellValue, ...]] = []
    for activity in activities:
        for indicator in activity.indicators:
            per = values.get((activity.code, indicator.id), {})
            for org, value in sorted(per.items()):
                indicator_rows.append((
                    activity.code, indicator.name, indicator.unit,
                    organisations.get(org, org), value.value, local_date(value.at),
                    indicator.baseline, indicator.target))
            summed = total(indicator.unit, (v.value for v in per.values()))
            if summed is not None:
                indicator_rows.append((
                    activity.code, indicator.name, indicator.unit, t("reports.col.total"),
                    summed, None, indicator.baseline, indicator.target))
    indicators = Dataset(
        title=t("followup.sheet.indicators"),
        columns=(
            Column("code", t("reports.col.code"), width=9),
            Column("indicator", t("followup.col.indicator"), width=40),
            Column("unit", t("followup.col.unit"), width=10),
            Column("organisation", t("reports.col.organisation"), width=16),
            Column("value", t("followup.col.value_latest"), "number", width=12),
            Column("reported", t("reports.col.last_update"), "date", width=12),
            Column("baseline", t("followup.col.baseline"), "number", width=12),
            Column("target", t("followup.col.target"), "number", width=12),
        ),
        rows=indicator_rows, filename=filename, language=language,
    )
    milestones = Dataset(
        title=t("followup.sheet.milestones"),
        columns=(
            Column("id", t("followup.col.id"), width=24),
            Column("milestone", t("followup.col.milestone"), width=40),
            Column("scope", t("followup.col.scope"), width=10),
            Column("due", t("followup.col.due"), "date", width=12),
            Column("owners", t("reports.col.owners"), width=24),
            Column("done_at", t("followup.col.done_at"), "date", width=12),
            Column("done_by", t("followup.col.done_by"), width=24),
        ),
        rows=[
            (m.id, m.title, scope_text(t, m), m.due, owners_short(m.owners, organisations),
             local_date(m.done_at) if m.done_at else None, m.done_by_name or None)
            for m in sorted(followup.milestones, key=lambda m: (m.due, m.position))
        ],
        filename=filename, language=language,
    )
    return budget, indicators, milestones
