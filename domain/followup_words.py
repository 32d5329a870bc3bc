"""The follow-up's words and blocks, shared by the one-page status and the annual follow-up:
milestones, budget lines with the status of what they fund, indicator values per organisation.

Texts from the catalogs through `t` (app/locales/*/followup.toml). Amounts are in tkr, written
with a space between thousands in Swedish (`20 800 tkr`) and a comma in English (`20,800`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date

from domain.followup import (
    BudgetSum,
    OrganisationValue,
    PlanBudgetLine,
    PlanMilestone,
    budget_area,
    budget_by_area,
    budget_by_funding,
    milestone_view,
    total,
)
from domain.joint_status import STATUS_RANK
from domain.plan import PlanActivity, PlanIndicator
from domain.report_words import Translate, long_date, status_text
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
