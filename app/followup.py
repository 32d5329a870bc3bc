"""The plan's follow-up as the chat, the CLI, the files and the scheduler use it: milestones,
budget lines, indicator values per organisation, and the annual follow-up (uppföljning).

Reads through `Store.followup` (storage/followup_repo.py, aggregated in SQL); the rules are
`domain.followup`'s, the documents `domain.followup_report`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from app.core import UserError
from app.i18n import Translator, translator
from app.messages import Reply, ReplyBuilder
from app.ports import Store
from app.wording import format_day
from domain.calendar import local_datetime
from domain.document import Datasets, Document
from domain.followup import (
    FollowUpFigures,
    PlanMilestone,
    StatusFollowUp,
    milestone_reminders,
)
from domain.followup_report import build_follow_up, follow_up_dataset
from domain.followup_words import owners_short, scope_text
from domain.plan import PlanActivity
from domain.reminders import Reminder
from domain.report_words import local_date


def milestones(store: Store, activities: Sequence[PlanActivity] | None = None
               ) -> list[PlanMilestone]:
    """Every active milestone, owners resolved against the plan."""

    plan = list(activities) if activities is not None else store.reports.plan_activities()
    return store.followup.milestones(plan)


def milestone_reminders_due(store: Store, now: datetime, lookback: timedelta
                            ) -> list[Reminder]:
    """The milestone reminders due at `now` (rule `milestone`), for the scheduler: one place,
    whatever the outbox that sends them (`scheduler.reminders`)."""

    found = milestones(store)
    return milestone_reminders(found, store.followup.contacts(found), now=now,
                               lookback=lookback)


def render_milestone_reminder(store: Store, reminder: Reminder, language: str
                              ) -> Reply | None:
    """The message of a milestone reminder as the plan stands now; None when the milestone
    is gone, done, or has another date than the reminder was planned for."""

    t = translator(language)
    wanted = reminder.meeting_id.removeprefix("milestone:")
    milestone = next((m for m in milestones(store) if m.id == wanted), None)
    if milestone is None or milestone.done or (
        local_date(reminder.meeting_start) != milestone.due
    ):
        return None
    organisations = {o.id: o.short_name for o in store.plan.organisations()}
    params = {"title": milestone.title, "date": format_day(t, milestone.due),
              "scope": scope_text(t, milestone),
              "owners": owners_short(milestone.owners, organisations), "id": milestone.id}
    return (
        ReplyBuilder(heading=t("reminder.milestone.title", **params))
        .paragraph(t("reminder.milestone.body", **params))
        .paragraph(t("reminder.milestone.hint", **params))
        .build()
    )


def status_followup(
    store: Store, activities: Sequence[PlanActivity], *, until: datetime,
    goal_areas: Sequence[str] | None = None,
) -> StatusFollowUp:
    """What the one-page status shows of the follow-up (`domain.status_report`)."""

    plan = activities if goal_areas is None else store.reports.plan_activities()
    return StatusFollowUp(
        tuple(milestones(store, plan)),
        tuple(store.followup.budget_lines()),
        tuple(store.followup.organisation_values(until=until, goal_areas=goal_areas)),
    )


# --- the annual follow-up -------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpInput:
    """Everything the follow-up is built from, read once from the store."""

    year: int
    activities: list[PlanActivity]
    organisations: dict[str, str]
    figures: FollowUpFigures
    start: datetime
    end: datetime


def year_bounds(year: int, now: datetime) -> tuple[datetime, datetime]:
    """Local midnight on 1 January, and the end of 31 December (or now, if sooner)."""

    start = local_datetime(date(year, 1, 1), time(0))
    end = local_datetime(date(year + 1, 1, 1), time(0)) - timedelta(microseconds=1)
    return start, min(end, now)


def follow_up_input(store: Store, year: int, now: datetime,
                    goal_areas: Sequence[str] | None = None) -> FollowUpInput:
    start, end = year_bounds(year, now)
    if end < start:
        raise UserError("followup.error.future_year", year=year)
    activities = store.reports.plan_activities(goal_areas=goal_areas)
    every = activities if goal_areas is None else store.reports.plan_activities()
    figures = store.followup.follow_up_figures(year, start=start, end=end, activities=every,
                                               goal_areas=goal_areas)
    if goal_areas is not None:
        codes = {a.code for a in activities}
        figures = replace(
            figures,
            milestones=tuple(m for m in figures.milestones if (m.activity_code in codes) or (
                m.activity_code is None and m.goal_area_code in goal_areas)),
            budget=tuple(b for b in figures.budget if (b.activity_code in codes) or (
                b.activity_code is None and b.goal_area_code in goal_areas)),
            decisions=tuple(d for d in figures.decisions
                            if d.group_id in {a.group_id for a in activities}),
        )
    organisations = {o.id: o.short_name for o in store.plan.organisations()}
    return FollowUpInput(year, activities, organisations, figures, start, end)


def follow_up_document(store: Store, t: Translator, year: int, now: datetime,
                       goal_areas: Sequence[str] | None = None) -> Document:
    data = follow_up_input(store, year, now, goal_areas)
    return build_follow_up(t, t.language, plan_title="", activities=data.activities,
                           organisations=data.organisations, figures=data.figures,
                           start=data.start, end=data.end)


def follow_up_rows(store: Store, t: Translator, year: int, now: datetime,
                   goal_areas: Sequence[str] | None = None) -> Datasets:
    data = follow_up_input(store, year, now, goal_areas)
    return follow_up_dataset(t, t.language, activities=data.activities,
                             organisations=data.organisations, figures=data.figures,
                             start=data.start, end=data.end)
