"""The plan's follow-up as the chefsgrupp owns it: milestones, budget lines, indicator values
per organisation. Read models (storage fills them) and the pure rules over them.

Rules chosen here:
- A milestone is done once someone marked it (`done_at`); until then it is overdue from the
  day after its due date (the due day itself is still "today", not late), and coming before.
- A milestone belongs to its configured owners; without them, to the owners of its activity;
  for a goal area, to every owner of the area's activities; for the whole plan, to every
  owner in the plan. Someone of an owner organisation, or an administrator, may mark it done.
- An owner is reminded `remind_days_before` days before the due date (0: on the day), once.
- A budget line belongs to a goal area through its activity, or directly; a line of neither
  is the whole plan's. The status of what it funds is its activity's joint status (or, for a
  goal area, the worst status among the area's activities); its `note` is the status it was
  last reported with in the monthly follow-up.
- Indicator values: each organisation's latest reported value is its value. A total over the
  organisations is shown only where the unit adds up (a count: `antal`, `st`, `personer`,
  ...); a share (`procent`) or an average does not add up, and has no total.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from domain.calendar import (
    is_working_day,
    local_datetime,
    previous_working_day,
    swedish_days_off,
)
from domain.plan import PlanActivity
from domain.reminders import Reminder

# Units whose values add up over organisations (folded to lower case).
ADDITIVE_UNITS = frozenset({
    "antal", "st", "stycken", "personer", "kommuner", "delregioner", "tillfällen",
    "count", "number", "people", "municipalities", "tkr", "kr",
})


@dataclass(frozen=True)
class PlanMilestone:
    id: str
    title: str
    due: date
    activity_code: str | None = None
    goal_area_code: str | None = None
    # Resolved: the configured owners, else the activity's or goal area's (see the module).
    owners: tuple[str, ...] = ()
    remind_days_before: int = 14
    done_at: datetime | None = None
    done_by: str | None = None
    done_by_name: str = ""
    # The group that carries the activity (or the goal area's first activity): where the
    # reminder is posted. None: the whole plan, no group of its own.
    group_id: str | None = None
    position: int = 0

    @property
    def done(self) -> bool:
        return self.done_at is not None

    def overdue(self, today: date) -> bool:
        return not self.done and self.due < today

    @property
    def scope(self) -> str:
        """What it is for, as a code: the activity, the goal area, or "" (the whole plan)."""

        return self.activity_code or self.goal_area_code or ""


@dataclass(frozen=True)
class PlanBudgetLine:
    id: str
    title: str
    budget_tkr: float
    funding: str
    activity_code: str | None = None
    goal_area_code: str | None = None
    note: str = ""
    position: int = 0


@dataclass(frozen=True)
class OrganisationValue:
    """An indicator's latest value reported by one organisation (up to a moment)."""

    activity_code: str
    indicator_id: str
    organisation_id: str
    value: float
    at: datetime


def owners_of(
    configured: Sequence[str],
    activity_code: str | None,
    goal_area_code: str | None,
    activities: Sequence[PlanActivity],
) -> tuple[str, ...]:
    """A milestone's owners (see the module's rules), in the order first named."""

    if configured:
        return tuple(configured)
    if activity_code is not None:
        wanted = [a for a in activities if a.code == activity_code]
    elif goal_area_code is not None:
        wanted = [a for a in activities if a.goal_area_code == goal_area_code]
    else:
        wanted = list(activities)
    return tuple(dict.fromkeys(owner for a in wanted for owner in a.owners))


def group_of(
    activity_code: str | None, goal_area_code: str | None, activities: Sequence[PlanActivity]
) -> str | None:
    """The group a milestone's reminder is posted to: its activity's, else the first
    activity's of its goal area; the whole plan has none."""

    for activity in activities:
        if activity_code is not None and activity.code == activity_code:
            return activity.group_id
        if activity_code is None and goal_area_code is not None and (
            activity.goal_area_code == goal_area_code
        ):
            return activity.group_id
    return None


def may_mark_done(milestone: PlanMilestone, organisation_id: str, is_admin: bool) -> bool:
    return is_admin or organisation_id in milestone.owners


@dataclass(frozen=True)
class MilestoneView:
    overdue: tuple[PlanMilestone, ...]
    coming: tuple[PlanMilestone, ...]
    done: tuple[PlanMilestone, ...]


def milestone_view(milestones: Iterable[PlanMilestone], today: date) -> MilestoneView:
    """Overdue (oldest first), coming (soonest first) and done (latest done first)."""

    items = sorted(milestones, key=lambda m: (m.due, m.position, m.id))
    done = sorted((m for m in items if m.done), key=lambda m: m.done_at or datetime.min,
                  reverse=True)
    return MilestoneView(
        tuple(m for m in items if m.overdue(today)),
        tuple(m for m in items if not m.done and m.due >= today),
        tuple(done),
    )


def reminder_day(milestone: PlanMilestone) -> date:
    """`remind_days_before` days before the due date, or the working day before that."""

    day = milestone.due - timedelta(days=milestone.remind_days_before)
    days_off = swedish_days_off((day.year - 1, day.year))
    return day if is_working_day(day, days_off) else previous_working_day(day, days_off)


def milestone_reminders(
    milestones: Iterable[PlanMilestone],
    contacts: Mapping[str, Sequence[str]],
    *,
    now: datetime,
    lookback: timedelta,
    send_at: time = time(9, 0),
) -> list[Reminder]:
    """The milestone reminders due at `now` (or within `lookback` before it, for a scheduler
    that was down): for each milestone not done and not yet past its due date, one to the
    group that carries it and one to each owner contact (`contacts`: milestone id → person
    ids). A milestone of the whole plan has no group to be posted in and is not reminded:
    give it an activity or a goal area. The key names the milestone and its due date, so a
    moved date reminds again and a repeat never does."""

    found: list[Reminder] = []
    for milestone in milestones:
        if milestone.done or milestone.group_id is None:
            continue
        at = local_datetime(reminder_day(milestone), send_at)
        due_end = local_datetime(milestone.due, time(23, 59))
        if not (now - lookback <= at <= now) or now > due_end:
            continue
        part = f"milestone:{milestone.id}:{milestone.due.isoformat()}"
        recipients = ["channel", *(f"person:{p}" for p in contacts.get(milestone.id, ()))]
        for recipient in recipients:
            found.append(Reminder(
                key=f"{part}|milestone|{recipient}", rule="milestone",
                group_id=milestone.group_id, meeting_id=f"milestone:{milestone.id}",
                series_id="", meeting_start=local_datetime(milestone.due, send_at),
                recipient=recipient, due_at=at,
            ))
    return found


def adds_up(unit: str) -> bool:
    return unit.strip().lower() in ADDITIVE_UNITS


def latest_per_organisation(
    values: Iterable[OrganisationValue],
) -> dict[tuple[str, str], dict[str, OrganisationValue]]:
    """(activity, indicator) → organisation → its latest value."""

    out: dict[tuple[str, str], dict[str, OrganisationValue]] = {}
    for value in values:
        per = out.setdefault((value.activity_code, value.indicator_id), {})
        current = per.get(value.organisation_id)
        if current is None or value.at > current.at:
            per[value.organisation_id] = value
    return out


def total(unit: str, values: Iterable[float]) -> float | None:
    """The sum over organisations where the unit adds up; None where it does not."""

    found = list(values)
    if not found or not adds_up(unit):
        return None
    return sum(found)


@dataclass(frozen=True)
class BudgetSum:
    key: str
    title: str
    budget_tkr: float
    lines: int


def budget_area(line: PlanBudgetLine, activities: Mapping[str, PlanActivity]) -> str:
    """The goal area a budget line belongs to ("": the whole plan)."""

    if line.activity_code is not None and line.activity_code in activities:
        return activities[line.activity_code].goal_area_code
    return line.goal_area_code or ""


def budget_by_area(
    lines: Sequence[PlanBudgetLine], activities: Sequence[PlanActivity], whole_plan: str
) -> list[BudgetSum]:
    """Per goal area in the plan's order, then the whole plan's lines."""

    by_code = {a.code: a for a in activities}
    areas: dict[str, str] = {}
    for activity in activities:
        areas.setdefault(activity.goal_area_code, activity.goal_area_title)
    sums: dict[str, list[float]] = {}
    for line in lines:
        sums.setdefault(budget_area(line, by_code), []).append(line.budget_tkr)
    ordered = [code for code in areas if code in sums] + [
        code for code in sums if code not in areas]
    return [
        BudgetSum(code, areas.get(code, whole_plan) if code else whole_plan, sum(sums[code]),
                  len(sums[code]))
        for code in ordered
    ]


def budget_by_funding(lines: Sequence[PlanBudgetLine]) -> list[BudgetSum]:
    """Per funding source, in the order first named."""

    sums: dict[str, list[float]] = {}
    for line in lines:
        sums.setdefault(line.funding, []).append(line.budget_tkr)
    return [BudgetSum(key, key, sum(values), len(values)) for key, values in sums.items()]


def activity_budget_lines(activities: Sequence[PlanActivity],
                          budgets: Mapping[str, tuple[float, str]]) -> list[PlanBudgetLine]:
    """An activity's own `budget_tkr` and `funding` as a budget line of its own."""

    return [
        PlanBudgetLine(f"{a.code}", a.title, budgets[a.code][0], budgets[a.code][1],
                       activity_code=a.code, position=-1)
        for a in activities if a.code in budgets
    ]


@dataclass(frozen=True)
class OrganisationYear:
    """One organisation's year on one activity: its status at the start and at the end,
    how many updates it made in the year, and its latest of them (what was done)."""

    activity_code: str
    organisation_id: str
    status_start: str | None
    status_end: str | None
    updates: int
    latest_summary: str = ""
    latest_next_steps: str = ""
    latest_at: datetime | None = None


@dataclass(frozen=True)
class IndicatorYear:
    """An indicator's value per organisation at the year's start and at its end."""

    activity_code: str
    indicator_id: str
    organisation_id: str
    start: float | None
    end: float | None


@dataclass(frozen=True)
class YearDecision:
    number: int
    group_id: str
    meeting_date: date
    text: str


@dataclass(frozen=True)
class FollowUpFigures:
    """What the annual follow-up is made of, aggregated by the database (storage/
    followup_repo.py): bounded by the plan (activities × organisations, indicators ×
    organisations), the milestones, the budget lines and the year's decisions."""

    year: int
    organisations: tuple[OrganisationYear, ...]
    indicators: tuple[IndicatorYear, ...]
    milestones: tuple[PlanMilestone, ...]
    budget: tuple[PlanBudgetLine, ...]
    decisions: tuple[YearDecision, ...]


@dataclass(frozen=True)
class StatusFollowUp:
    """What the one-page status shows of the follow-up: the milestones (the next and the
    overdue), the budget lines, and each organisation's latest indicator values."""

    milestones: tuple[PlanMilestone, ...] = ()
    budget: tuple[PlanBudgetLine, ...] = ()
    values: tuple[OrganisationValue, ...] = ()
