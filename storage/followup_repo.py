"""The plan's follow-up in the database: milestones, budget lines, indicator values per
organisation, and the annual follow-up's figures. Implements `app.ports.FollowUpRepository`.

Aggregated in SQL like the status (storage/report_repo.py), never all the updates into
Python: every figure is a seek per activity and organisation on
`ix_updates_activity_org_latest` (the latest status, the latest value of an indicator
walking back over the updates without one) or a count of one such range; `bench/reports.py`
times the annual follow-up at a million updates on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, false, func, select, text, true, update
from sqlalchemy.orm import Session

from domain.followup import (
    FollowUpFigures,
    IndicatorYear,
    OrganisationValue,
    OrganisationYear,
    PlanBudgetLine,
    PlanMilestone,
    YearDecision,
    group_of,
    owners_of,
)
from domain.plan import PlanActivity
from storage import models as m
from storage import models_followup as mf
from storage import models_updates as mu

U = mu.Update


def _live() -> ColumnElement[bool]:
    # `= false` as a literal, not a bound parameter: it is what the partial index
    # `ix_updates_activity_org_latest` (live updates only) is made for, on both databases.
    return U.withdrawn == false()


def _number(raw: Any) -> float | None:
    if raw is None or isinstance(raw, bool):
        return None
    try:
        return float(raw)
    except (TypeError, ValueError):
        return None


class SqlFollowUp:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- milestones --------------------------------------------------------------------------

    def milestones(self, activities: Sequence[PlanActivity]) -> list[PlanMilestone]:
        """The active milestones, owners resolved against the plan's activities."""

        rows = self.session.execute(
            select(mf.Milestone, m.Person.name)
            .outerjoin(m.Person, m.Person.id == mf.Milestone.done_by)
            .where(mf.Milestone.active)
            .order_by(mf.Milestone.due, mf.Milestone.position)
        ).all()
        return [self._milestone(row, name, activities) for row, name in rows]

    @staticmethod
    def _milestone(row: mf.Milestone, done_by_name: str | None,
                   activities: Sequence[PlanActivity]) -> PlanMilestone:
        return PlanMilestone(
            id=row.id, title=row.title, due=row.due, activity_code=row.activity_code,
            goal_area_code=row.goal_area_code,
            owners=owners_of([str(o) for o in row.owners or ()], row.activity_code,
                             row.goal_area_code, activities),
            remind_days_before=row.remind_days_before, done_at=row.done_at,
            done_by=row.done_by, done_by_name=done_by_name or "",
            group_id=group_of(row.activity_code, row.goal_area_code, activities),
            position=row.position,
        )

    def mark_done(self, milestone_id: str, *, actor_id: str, at: datetime) -> bool:
        """Marks an active milestone done, once: False when it was done already (or by
        another instance a moment before: the update is conditional)."""

        result = self.session.execute(
            update(mf.Milestone)
            .where(mf.Milestone.id == milestone_id, mf.Milestone.active,
                   mf.Milestone.done_at.is_(None))
            .values(done_at=at, done_by=actor_id)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def contacts(self, milestones: Sequence[PlanMilestone]) -> dict[str, list[str]]:
        """Milestone id → its owners' contacts in the group that carries it: each owner
        organisation's representative in the group's rotation (active, direct reminders on)."""

        groups = {m.group_id for m in milestones if m.group_id is not None}
        if not groups:
            return {}
        rows = self.session.execute(
            select(m.Representative.group_id, m.Representative.organisation_id, m.Person.id)
            .join(m.Person, m.Person.id == m.Representative.person_id)
            .where(m.Representative.group_id.in_(sorted(groups)), m.Representative.active,
                   m.Person.active, m.Person.reminders_dm)
            .order_by(m.Representative.organisation_id)
        ).all()
        found: dict[str, list[str]] = {}
        for milestone in milestones:
            found[milestone.id] = [
                person for group, org, person in rows
                if group == milestone.group_id and org in milestone.owners
            ]
        return found

    # -- budget ------------------------------------------------------------------------------

    def budget_lines(self) -> list[PlanBudgetLine]:
        """The active budget lines; then each active activity's own budget, as a line."""

        lines = [
            PlanBudgetLine(r.id, r.title, r.budget_tkr, r.funding, r.activity_code,
                           r.goal_area_code, r.note, r.position)
            for r in self.session.scalars(
                select(mf.BudgetLine).where(mf.BudgetLine.active)
                .order_by(mf.BudgetLine.position)
            )
        ]
        for code, title, amount, funding in self.session.execute(
            select(m.Activity.code, m.Activity.title, m.Activity.budget_tkr, m.Activity.funding)
            .where(m.Activity.active, m.Activity.budget_tkr.is_not(None))
            .order_by(m.Activity.position)
        ):
            lines.append(PlanBudgetLine(code, title, float(amount or 0), funding or "",
                                        activity_code=code))
        return lines

    # -- indicators per organisation ---------------------------------------------------------

    def _json_number(self, key: Any) -> ColumnElement[Any]:
        if self.session.get_bind().dialect.name == "postgresql":
            return U.indicator_values.op("->>", return_type=String)(key)
        return func.json_extract(U.indicator_values, '$."' + key + '"')

    def _wanted(self, goal_areas: Sequence[str] | None) -> Select[str, str]:
        query = (
            select(m.Indicator.activity_code, m.Indicator.id.label("indicator_id"))
            .join(m.Activity, m.Activity.code == m.Indicator.activity_code)
            .join(m.GoalArea, m.GoalArea.code == m.Activity.goal_area_code)
            .where(m.Indicator.active, m.Activity.active, m.GoalArea.active)
        )
        if goal_areas is not None:
            query = query.where(m.Activity.goal_area_code.in_(list(goal_areas)))
        return query

    def _value_seek(self, pairs: Any, *, until: datetime | None = None,
                    before: datetime | None = None) -> Any:
        """The id of an organisation's latest live update on the activity carrying the
        indicator: one seek on `ix_updates_activity_org_latest`, walking back."""

        query = select(U.id).where(
            U.activity_code == pairs.c.activity_code, U.organisation_id == pairs.c.org,
            _live(), self._json_number(pairs.c.indicator_id).is_not(None))
        if until is not None:
            query = query.where(U.created_at <= until)
        if before is not None:
            query = query.where(U.created_at < before)
        return query.order_by(U.created_at.desc(), U.id.desc()).limit(1).scalar_subquery()

    def _pairs(self, goal_areas: Sequence[str] | None) -> Any:
        wanted = self._wanted(goal_areas).subquery("wanted")
        return (
            select(wanted.c.activity_code, wanted.c.indicator_id, m.Organisation.id.label("org"))
            .select_from(wanted).join(m.Organisation, true())
            .subquery("pairs")
        )

    def organisation_values(
        self, *, until: datetime, goal_areas: Sequence[str] | None = None,
        before: datetime | None = None,
    ) -> list[OrganisationValue]:
        """Each organisation's latest value of each active indicator at `until` (or before
        `before`): one seek per indicator and organisation."""

        pairs = self._pairs(goal_areas)
        ids = select(
            pairs.c.activity_code, pairs.c.indicator_id, pairs.c.org,
            (self._value_seek(pairs, before=before) if before is not None
             else self._value_seek(pairs, until=until)).label("update_id"),
        ).subquery("ids")
        found: list[OrganisationValue] = []
        for code, key, org, values, at in self.session.execute(
            select(ids.c.activity_code, ids.c.indicator_id, ids.c.org, U.indicator_values,
                   U.created_at)
            .join(U, U.id == ids.c.update_id)
        ):
            value = _number((values or {}).get(key))
            if value is not None:
                found.append(OrganisationValue(code, key, org, value, at))
        return found

    # -- the annual follow-up ----------------------------------------------------------------

    def follow_up_figures(
        self, year: int, *, start: datetime, end: datetime,
        activities: Sequence[PlanActivity], goal_areas: Sequence[str] | None = None,
    ) -> FollowUpFigures:
        """The year `start` ≤ t ≤ `end` per activity and organisation, per indicator and
        organisation, the milestones, the budget lines and the year's decisions."""

        if self.session.get_bind().dialect.name == "postgresql":
            # The planner prices these thousands of one-row seeks above `jit_above_cost`, and
            # compiling them took longer than running them (measured at a million updates,
            # `bench/reports.py`): no JIT for the rest of this unit of work.
            self.session.execute(text("SET LOCAL jit = off"))
        return FollowUpFigures(
            year=year,
            organisations=tuple(self._organisation_years(start, end, goal_areas)),
            indicators=tuple(self._indicator_years(start, end, goal_areas)),
            milestones=tuple(self.milestones(activities)),
            budget=tuple(self.budget_lines()),
            decisions=tuple(self._decisions(year, {a.group_id for a in activities})),
        )

    def _organisation_years(
        self, start: datetime, end: datetime, goal_areas: Sequence[str] | None
    ) -> list[OrganisationYear]:
        wanted = (
            select(m.Activity.code)
            .join(m.GoalArea, m.GoalArea.code == m.Activity.goal_area_code)
            .where(m.Activity.active, m.GoalArea.active)
        )
        if goal_areas is not None:
            wanted = wanted.where(m.Activity.goal_area_code.in_(list(goal_areas)))
        w = wanted.subquery("wanted")
        org = m.Organisation

        def seek(*columns: Any, until: datetime | None = None,
                 before: datetime | None = None, since: datetime | None = None) -> Select[Any]:
            query = select(*columns).where(U.activity_code == w.c.code,
                                         U.organisation_id == org.id, _live())
            if until is not None:
                query = query.where(U.created_at <= until)
            if before is not None:
                query = query.where(U.created_at < before)
            if since is not None:
                query = query.where(U.created_at >= since)
            return query.order_by(U.created_at.desc(), U.id.desc()).limit(1)

        count = (
            select(func.count()).select_from(U)
            .where(U.activity_code == w.c.code, U.organisation_id == org.id, _live(),
                   U.created_at >= start, U.created_at <= end)
            .scalar_subquery()
        )
        pairs = select(w.c.code, org.id.label("org")).select_from(w).join(org, true())
        if self.session.get_bind().dialect.name == "postgresql":
            # Status at both ends in one index-only scan each (the index ends with the
            # status), through LATERAL joins, as `SqlReports._organisation_statuses` does.
            then = seek(U.status, before=start).lateral("then")
            now = seek(U.status, U.id, until=end).lateral("now")
            pairs = (pairs.add_columns(then.c.status.label("status_start"),
                                       now.c.status.label("status_end"),
                                       now.c.id.label("end_id"))
                     .outerjoin(then, true()).outerjoin(now, true()))
        else:
            # SQLite has no LATERAL: a seek per value, each read from the index alone.
            pairs = pairs.add_columns(
                seek(U.status, before=start).scalar_subquery().label("status_start"),
                seek(U.status, until=end).scalar_subquery().label("status_end"),
                seek(U.id, until=end).scalar_subquery().label("end_id"),
            )
        found = pairs.add_columns(count.label("updates")).subquery("pairs")
        # The latest update at the end is the year's latest when it is of the year: its text
        # (what was done) is read from the table for those pairs only.
        in_year = U.__table__.alias("in_year")
        rows = self.session.execute(
            select(found.c.code, found.c.org, found.c.status_start, found.c.status_end,
                   found.c.updates, in_year.c.summary, in_year.c.next_steps,
                   in_year.c.created_at)
            .outerjoin(in_year, (in_year.c.id == found.c.end_id)
                       & (in_year.c.created_at >= start))
            .where(found.c.status_end.is_not(None))
        ).all()
        return [
            OrganisationYear(code, org_id, before, after, int(n or 0), summary or "",
                             steps or "", _aware(at))
            for code, org_id, before, after, n, summary, steps, at in rows
        ]

    def _indicator_years(
        self, start: datetime, end: datetime, goal_areas: Sequence[str] | None
    ) -> list[IndicatorYear]:
        first = {
            (v.activity_code, v.indicator_id, v.organisation_id): v.value
            for v in self.organisation_values(until=end, before=start, goal_areas=goal_areas)
        }
        last = {
            (v.activity_code, v.indicator_id, v.organisation_id): v.value
            for v in self.organisation_values(until=end, goal_areas=goal_areas)
        }
        keys = sorted(set(first) | set(last))
        return [IndicatorYear(*key, first.get(key), last.get(key)) for key in keys]

    def _decisions(self, year: int, groups: set[str]) -> list[YearDecision]:
        return [
            YearDecision(row.id, row.group_id, row.meeting_date, row.text)
            for row in self.session.scalars(
                select(mu.Decision)
                .where(mu.Decision.group_id.in_(sorted(groups)),
                       mu.Decision.meeting_date >= date(year, 1, 1),
                       mu.Decision.meeting_date <= date(year, 12, 31))
                .order_by(mu.Decision.meeting_date, mu.Decision.id)
            )
        ]


def _aware(value: datetime | None) -> datetime | None:
    """A moment read through a table alias, which skips `UTCDateTime`: made aware UTC."""

    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
