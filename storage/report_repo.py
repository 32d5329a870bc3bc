"""What the reports read, aggregated in SQL: never all the updates into Python.

Implements `app.ports.ReportRepository`. Every query is bounded by the plan (an index
seek per activity on `ix_updates_activity_latest`, or per activity and organisation on
`ix_updates_activity_org_latest`) or by one group's window (`ix_updates_group_window`),
whatever the number of updates; `bench/reports.py` times them at a million updates on SQLite
and PostgreSQL, and `tests/storage/test_report_repo.py` checks that both query planners use
the indexes.

The latest update (of an activity, or of one organisation on it) is the latest by
`created_at` (then id) that is not withdrawn; see `domain.status_report` for why. Which
organisation's status counts for the activity is the domain's rule (`domain.joint_status`):
storage hands over each organisation's latest, one row per activity and organisation.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, Subquery, false, func, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import QueryableAttribute, Session

from domain.joint_status import OrganisationReport
from domain.plan import PlanActivity, PlanIndicator, plan_order
from domain.report_figures import (
    ActivityFigures,
    IndicatorFigure,
    ReportedUpdate,
    Reporter,
    StatusFigures,
    SummaryFigures,
    UpdateRow,
)
from storage import models as m
from storage import models_reports as mr
from storage import models_updates as mu

U = mu.Update
SIGNING_KEY = "export_signing_key"


def _live() -> ColumnElement[bool]:
    # `= false`, not `IS false`: only an equality lets PostgreSQL use the index column.
    return U.withdrawn == false()


def _latest_id(
    activity: QueryableAttribute[str] | ColumnElement[str] | str, *,
    organisation: QueryableAttribute[str] | ColumnElement[str] | None = None,
    before: datetime | None = None, until: datetime | None = None,
) -> Select[int]:
    """The id of the latest live update on the activity (by one organisation; before / until
    a moment): one seek on `ix_updates_activity_latest` (`ix_updates_activity_org_latest`)."""

    query = select(U.id).where(U.activity_code == activity)
    if organisation is not None:
        query = query.where(U.organisation_id == organisation)
    query = query.where(_live())
    if before is not None:
        query = query.where(U.created_at < before)
    if until is not None:
        query = query.where(U.created_at <= until)
    return query.order_by(U.created_at.desc(), U.id.desc()).limit(1)


def _values(raw: dict[str, object] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in (raw or {}).items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[str(key)] = float(value)
    return out


class SqlReports:
    def __init__(self, session: Session, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.clock = clock

    # -- the plan, as the reports read it ------------------------------------------------

    def _activities(
        self, goal_areas: Sequence[str] | None = None, group_id: str | None = None
    ) -> Select[str, str]:
        """Active activities of active goal areas and groups (as `SqlPlan.activities`)."""

        query = (
            select(m.Activity.code, m.Activity.goal_area_code)
            .join(m.GoalArea, m.GoalArea.code == m.Activity.goal_area_code)
            .join(m.Group, m.Group.id == m.Activity.group_id)
            .where(m.Activity.active, m.GoalArea.active, m.Group.active)
        )
        if goal_areas is not None:
            query = query.where(m.Activity.goal_area_code.in_(list(goal_areas)))
        if group_id is not None:
            query = query.where(m.Activity.group_id == group_id)
        return query

    def plan_activities(
        self, *, goal_areas: Sequence[str] | None = None, group_id: str | None = None
    ) -> list[PlanActivity]:
        """The plan's activities (of some goal areas, or of one group), read as columns.

        The same activities as `SqlPlan.activities`, filtered in SQL and without loading ORM
        objects: for a plan of a thousand activities that is 2 ms instead of 20.
        """

        codes = self._activities(goal_areas, group_id).subquery("wanted")
        rows = self.session.execute(
            select(m.Activity.code, m.Activity.title, m.GoalArea.code, m.GoalArea.title,
                   m.Activity.group_id, m.Activity.owners, m.GoalArea.position,
                   m.Activity.position)
            .join(codes, codes.c.code == m.Activity.code)
            .join(m.GoalArea, m.GoalArea.code == m.Activity.goal_area_code)
        ).all()
        indicators: dict[str, list[PlanIndicator]] = {}
        for code, key, name, unit, baseline, target in self.session.execute(
            select(m.Indicator.activity_code, m.Indicator.id, m.Indicator.name,
                   m.Indicator.unit, m.Indicator.baseline, m.Indicator.target)
            .join(codes, codes.c.code == m.Indicator.activity_code)
            .where(m.Indicator.active)
            .order_by(m.Indicator.position)
        ):
            indicators.setdefault(code, []).append(
                PlanIndicator(key, name, unit, baseline, target)
            )
        return plan_order([
            PlanActivity(
                code=code, title=title, goal_area_code=area, goal_area_title=area_title,
                group_id=group, owners=tuple(str(owner) for owner in owners or ()),
                indicators=tuple(indicators.get(code, ())), goal_area_position=area_position,
                position=position,
            )
            for code, title, area, area_title, group, owners, area_position, position in rows
        ])

    # -- status ------------------------------------------------------------------------------

    def status_figures(
        self, *, since: datetime, until: datetime, goal_areas: Sequence[str] | None = None
    ) -> StatusFigures:
        """Per activity and organisation: its latest status at `until` (and when) and before
        `since` (`_organisation_statuses`); per activity, the updates in the period."""

        wanted = self._activities(goal_areas).subquery("wanted")
        reports: dict[str, list[OrganisationReport]] = {}
        for code, org, status, at, previous in self.session.execute(
            self._organisation_statuses(wanted, since=since, until=until)
        ):
            if status is not None:
                reports.setdefault(code, []).append(
                    OrganisationReport(org, status, at, previous))
        counts = self.session.execute(
            select(
                wanted.c.code,
                select(func.count())
                .select_from(U)
                .where(U.activity_code == wanted.c.code, _live(), U.created_at >= since,
                       U.created_at <= until)
                .scalar_subquery(),
            )
        ).all()
        return StatusFigures(tuple(
            ActivityFigures(code, tuple(reports.get(code, ())), int(count or 0))
            for code, count in counts
        ))

    def _organisation_statuses(
        self, wanted: Subquery, *, since: datetime, until: datetime
    ) -> Select[Any]:
        """(activity, organisation, status, at, previous) for every activity wanted and every
        organisation: its latest live update at `until`, and before `since`, each one seek on
        `ix_updates_activity_org_latest` (live updates only, ending with the status).

        Each database the way it does fastest (measured at a million updates,
        `bench/reports.py`): PostgreSQL takes status and time in one index-only scan through
        a LATERAL join; SQLite, which has no LATERAL, seeks once per value (its seeks are
        cheap: 15,000 of them take 30 ms; seeking the id and reading the row by it was
        three times slower).
        """

        organisation = m.Organisation

        def latest(*columns: Any, **moment: datetime) -> Select[Any]:
            query = select(*columns).where(
                U.activity_code == wanted.c.code, U.organisation_id == organisation.id, _live())
            if "before" in moment:
                query = query.where(U.created_at < moment["before"])
            if "until" in moment:
                query = query.where(U.created_at <= moment["until"])
            return query.order_by(U.created_at.desc(), U.id.desc()).limit(1)

        pairs = select(wanted.c.code, organisation.id).select_from(wanted).join(
            organisation, true())
        if self.session.get_bind().dialect.name == "postgresql":
            now = latest(U.status, U.created_at, until=until).lateral()
            then = latest(U.status, before=since).lateral()
            return (
                pairs.add_columns(now.c.status, now.c.created_at, then.c.status)
                .outerjoin(now, true()).outerjoin(then, true())
            )
        return pairs.add_columns(
            latest(U.status, until=until).scalar_subquery(),
            latest(U.created_at, until=until).scalar_subquery(),
            latest(U.status, before=since).scalar_subquery(),
        )

    def _json_number(self, key: QueryableAttribute[str]) -> ColumnElement[Any]:
        """`indicator_values[key]`, with the key taken from a column: the JSON operators of
        each database (SQLAlchemy's JSON index takes literal keys only)."""

        if self.session.get_bind().dialect.name == "postgresql":
            return U.indicator_values.op("->>", return_type=String)(key)
        return func.json_extract(U.indicator_values, '$."' + key + '"')

    def indicator_values(
        self, *, until: datetime, goal_areas: Sequence[str] | None = None
    ) -> list[IndicatorFigure]:
        """The latest value of each active indicator, from the latest live update carrying one
        (one seek per indicator, walking back over the updates without a value)."""

        indicator = m.Indicator
        wanted = self._activities(goal_areas).subquery("wanted")
        ids = (
            select(
                indicator.activity_code, indicator.id,
                _latest_id(indicator.activity_code, until=until)
                .where(self._json_number(indicator.id).is_not(None))
                .scalar_subquery()
                .label("update_id"),
            )
            .join(wanted, wanted.c.code == indicator.activity_code)
            .where(indicator.active)
            .subquery("ids")
        )
        found: list[IndicatorFigure] = []
        for code, key, values, at in self.session.execute(
            select(ids.c.activity_code, ids.c.id, U.indicator_values, U.created_at)
            .join(U, U.id == ids.c.update_id)
        ):
            value = _values(values).get(key)
            if value is not None:
                found.append(IndicatorFigure(code, key, value, at))
        return found

    # -- summary -----------------------------------------------------------------------------

    def summary_figures(
        self, group_id: str, *, since: datetime, until: datetime
    ) -> SummaryFigures:
        """The group's updates written or changed in the window, with their authors; each
        organisation's latest status on its activities before it (a seek per activity and
        organisation); the active members without an update in it."""

        in_window = (
            U.group_id == group_id, _live(), U.updated_at >= since, U.created_at <= until,
        )
        rows = self.session.execute(
            select(U, m.Person.name)
            .join(m.Person, m.Person.id == U.author_id)
            .where(*in_window)
            .order_by(U.created_at, U.id)
        ).all()
        updates = tuple(
            ReportedUpdate(
                number=u.id, activity_code=u.activity_code, status=u.status,
                summary=u.summary, next_steps=u.next_steps, risks=u.risks,
                created_at=u.created_at, updated_at=u.updated_at, version=u.version,
                author_id=u.author_id, author_name=name, organisation_id=u.organisation_id,
                indicator_values=_values(u.indicator_values),
            )
            for u, name in rows
        )
        wanted = self._activities(group_id=group_id).subquery("wanted")
        pairs = (
            select(
                wanted.c.code, m.Organisation.id.label("organisation_id"),
                _latest_id(wanted.c.code, organisation=m.Organisation.id, before=since)
                .scalar_subquery().label("before_id"),
            )
            .select_from(wanted)
            .join(m.Organisation, true())
            .subquery("pairs")
        )
        previous: dict[str, list[OrganisationReport]] = {}
        for code, org, status, at in self.session.execute(
            select(pairs.c.code, pairs.c.organisation_id, U.status, U.created_at)
            .join(U, U.id == pairs.c.before_id)
        ):
            previous.setdefault(code, []).append(OrganisationReport(org, status, at))
        # Not correlated: the window's authors once (ix_updates_group_window), not a probe
        # per member.
        reported = m.Person.id.in_(select(U.author_id).where(*in_window))
        missing = tuple(
            Reporter(person_id, name, organisation)
            for person_id, name, organisation in self.session.execute(
                select(m.Person.id, m.Person.name, m.Person.organisation_id)
                .join(m.Membership, m.Membership.person_id == m.Person.id)
                .where(
                    m.Membership.group_id == group_id, m.Membership.active, m.Person.active,
                    ~reported,
                )
                .order_by(m.Person.name, m.Person.id)
            )
        )
        return SummaryFigures(
            updates, {code: tuple(found) for code, found in previous.items()}, missing
        )

    # -- the `uppdateringar` export ----------------------------------------------------------

    def update_rows(
        self,
        *,
        group_ids: Sequence[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Iterator[UpdateRow]:
        """Every live update reported in the period (in the groups), oldest first, streamed."""

        query = (
            select(U, m.Group.name, m.Group.short_name, m.GoalArea.code, m.GoalArea.title,
                   m.Activity.title, m.Person.name, m.Organisation.short_name)
            .join(m.Activity, m.Activity.code == U.activity_code)
            .join(m.GoalArea, m.GoalArea.code == m.Activity.goal_area_code)
            .join(m.Group, m.Group.id == U.group_id)
            .join(m.Person, m.Person.id == U.author_id)
            .join(m.Organisation, m.Organisation.id == U.organisation_id)
            .where(_live())
            .order_by(U.created_at, U.id)
        )
        if group_ids is not None:
            query = query.where(U.group_id.in_(list(group_ids)))
        if since is not None:
            query = query.where(U.created_at >= since)
        if until is not None:
            query = query.where(U.created_at <= until)
        result = self.session.execute(query.execution_options(yield_per=2000))
        for u, group, short, area_code, area_title, title, author, organisation in result:
            yield UpdateRow(
                number=u.id, created_at=u.created_at, updated_at=u.updated_at,
                version=u.version, group_id=u.group_id, group_name=short or group,
                goal_area_code=area_code, goal_area_title=area_title,
                activity_code=u.activity_code, activity_title=title, status=u.status,
                summary=u.summary, next_steps=u.next_steps, risks=u.risks,
                author_name=author, organisation_name=organisation,
                indicator_values=_values(u.indicator_values),
            )

    # -- the key that signs file links -------------------------------------------------------

    def signing_key(self) -> str:
        """The installation's own key, made at first use; the same on every instance."""

        row = self.session.get(mr.InstallationSecret, SIGNING_KEY)
        if row is not None:
            return row.value
        value = secrets.token_urlsafe(48)
        try:
            with self.session.begin_nested():
                self.session.add(mr.InstallationSecret(
                    name=SIGNING_KEY, value=value, created_at=self.clock()
                ))
        except IntegrityError:
            # Another instance made it first: theirs is the one.
            row = self.session.get(mr.InstallationSecret, SIGNING_KEY, populate_existing=True)
            assert row is not None
            return row.value
        return value
