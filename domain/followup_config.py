"""The plan's follow-up in the configuration: milestones (milstolpar) and budget lines.

`[[plan.milestones]]` are dated points the chefsgrupp follows up (underlag till SRO, the
annual uppföljning), each for an activity, a goal area or the whole plan; `[[plan.budget]]`
are budget lines (SSN utvecklingsmedel, statsbidrag) in tkr, each funding an activity, a goal
area or the plan as a whole. An activity may also carry its own `budget_tkr` and `funding`
(`domain.config.Activity`): the same thing, written where the activity is.

Rules chosen here (checked on the raw file by `followup_problems`, with their lines, together
with everything else `domain.config` finds):
- A milestone or budget line names at most one of `activity` and `goal_area`; neither means
  the whole plan. Each must exist in the plan.
- A milestone's owners are organisations; without owners it has the activity's (or, for a
  goal area or the plan, every owner of its activities).
- A milestone is due within the plan's years: the plan's year, or the year after it, when the
  plan is followed up (`plan.year` 2026: 2026-01-01 to 2027-12-31).
- Amounts are never negative (`ge=0`, reported as too small).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from domain.config_base import Identifier, Strict

if TYPE_CHECKING:
    from domain.config_calendar import Finding

# How many years after the plan's own year its milestones may fall (the follow-up year).
FOLLOW_UP_YEARS = 1


# A milestone's id is kept with what a chat command stored (`milestone:<id>`, 64 characters).
MilestoneId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,53}$")]


class Milestone(Strict):
    id: MilestoneId
    title: str = Field(min_length=1, max_length=200)
    due: date
    activity: str | None = None
    goal_area: str | None = None
    owners: tuple[Identifier, ...] = ()
    remind_days_before: int = Field(default=14, ge=0, le=365)


class BudgetLine(Strict):
    id: Identifier
    title: str = Field(min_length=1, max_length=200)
    budget_tkr: float = Field(ge=0, le=10_000_000)
    funding: str = Field(min_length=1, max_length=200)
    activity: str | None = None
    goal_area: str | None = None
    # The status the budget line was last reported with ("Är i uppstart"), in the words of
    # the monthly follow-up; the status of what it funds comes from the updates.
    note: str = Field(default="", max_length=300)


def followup_problems(raw: dict[str, Any]) -> list[Finding]:
    """Cross-references of the milestones and budget lines, as (path, code, params)."""

    found: list[Finding] = []
    plan = raw.get("plan")
    if not isinstance(plan, dict):
        return found

    def table(name: str, source: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
        value = source.get(name)
        if not isinstance(value, list):
            return []
        return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]

    def codes(name: str, key: str) -> set[str]:
        return {str(item[key]) for _, item in table(name, plan) if isinstance(item.get(key), str)}

    orgs = {str(o["id"]) for _, o in table("organisations", raw) if isinstance(o.get("id"), str)}
    areas = codes("goal_areas", "code")
    activities = codes("activities", "code")
    year = plan.get("year") if isinstance(plan.get("year"), int) else None

    def check(kind: str, items: list[tuple[int, dict[str, Any]]],
              extra: Callable[[tuple[str | int, ...], dict[str, Any]], None]) -> None:
        seen: Counter[str] = Counter()
        for index, item in items:
            base: tuple[str | int, ...] = ("plan", kind, index)
            ident = item.get("id")
            if isinstance(ident, str):
                seen[ident] += 1
                if seen[ident] == 2:
                    found.append(((*base, "id"), "config.duplicate_id", {"value": ident}))
            activity, area = item.get("activity"), item.get("goal_area")
            if isinstance(activity, str) and activity not in activities:
                found.append(((*base, "activity"), "config.unknown_reference",
                              {"kind": "activity", "value": activity}))
            if isinstance(area, str) and area not in areas:
                found.append(((*base, "goal_area"), "config.unknown_reference",
                              {"kind": "goal_area", "value": area}))
            if activity is not None and area is not None:
                found.append(((*base, "goal_area"), "config.activity_or_area", {}))
            extra(base, item)

    def milestone(base: tuple[str | int, ...], item: dict[str, Any]) -> None:
        owners = item.get("owners")
        if isinstance(owners, list):
            for o_index, owner in enumerate(owners):
                if isinstance(owner, str) and owner not in orgs:
                    found.append(((*base, "owners", o_index), "config.unknown_reference",
                                  {"kind": "organisation", "value": owner}))
        due = item.get("due")
        if year is not None and isinstance(due, date) and not (
            year <= due.year <= year + FOLLOW_UP_YEARS
        ):
            found.append(((*base, "due"), "config.due_outside_plan", {
                "date": due.isoformat(), "first": year, "last": year + FOLLOW_UP_YEARS,
            }))

    check("milestones", table("milestones", plan), milestone)
    check("budget", table("budget", plan), lambda base, item: None)
    for a_index, activity in table("activities", plan):
        if activity.get("funding") is not None and activity.get("budget_tkr") is None:
            found.append((("plan", "activities", a_index, "funding"),
                          "config.funding_without_budget", {}))
    return found
