"""The example plan's follow-up as the one-page status gets it, without a database."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.config import Config
from domain.followup import (
    OrganisationValue,
    PlanBudgetLine,
    PlanMilestone,
    StatusFollowUp,
    group_of,
    owners_of,
)
from domain.plan import PlanActivity


def milestones_of(config: Config, activities: list[PlanActivity]) -> list[PlanMilestone]:
    return [
        PlanMilestone(m.id, m.title, m.due, m.activity, m.goal_area,
                      owners_of(m.owners, m.activity, m.goal_area, activities),
                      m.remind_days_before,
                      group_id=group_of(m.activity, m.goal_area, activities), position=n)
        for n, m in enumerate(config.plan.milestones)
    ]


def budget_of(config: Config) -> list[PlanBudgetLine]:
    return [
        PlanBudgetLine(b.id, b.title, b.budget_tkr, b.funding, b.activity, b.goal_area, b.note,
                       n)
        for n, b in enumerate(config.plan.budget)
    ]


def worst_case(config: Config, activities: list[PlanActivity], now: datetime) -> StatusFollowUp:
    """The most the page must hold: every milestone, one of them overdue, every budget line,
    and every indicator reported by every owner."""

    overdue = PlanMilestone("sro-juni-2026", "Underlag till SRO", date(2026, 6, 11),
                            goal_area_code="GS", owners=("vgr", "gr"), group_id="chefsgrupp")
    values = tuple(
        OrganisationValue(a.code, i.id, owner, float(n + 1), now - timedelta(days=n))
        for a in activities for i in a.indicators for n, owner in enumerate(a.owners)
    )
    return StatusFollowUp((overdue, *milestones_of(config, activities)),
                          tuple(budget_of(config)), values)
