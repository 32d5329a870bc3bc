"""The action plan as the handlers read it: goal areas, activities, indicators, organisations.

Read models only (storage fills them from the synced configuration); the rules that use them
live beside their use (`domain.updates` for who may report on what).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlanIndicator:
    id: str
    name: str
    unit: str
    baseline: float | None = None
    target: float | None = None


@dataclass(frozen=True)
class PlanActivity:
    """An activity of the plan, with the goal area it is shown under."""

    code: str
    title: str
    goal_area_code: str
    goal_area_title: str
    # Responsible group: the one that follows the activity up and collects its updates.
    group_id: str
    owners: tuple[str, ...] = ()
    indicators: tuple[PlanIndicator, ...] = ()
    goal_area_position: int = 0
    position: int = 0

    def indicator(self, indicator_id: str) -> PlanIndicator | None:
        return next((i for i in self.indicators if i.id == indicator_id), None)


@dataclass(frozen=True)
class PlanOrganisation:
    id: str
    name: str
    short_name: str


def plan_order(activities: list[PlanActivity]) -> list[PlanActivity]:
    """The plan's own order: goal areas as configured, activities as configured within them."""

    return sorted(activities, key=lambda a: (a.goal_area_position, a.position, a.code))
