"""Repositories of the action plan (read), the activity updates and the meeting notes.

Implement `app.ports.PlanRepository`, `UpdateRepository` and `NotesRepository`
structurally; they receive the session of one unit of work and never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from domain.model import GroupInfo
from domain.notes import Decision, NextStep
from domain.plan import PlanActivity, PlanIndicator, PlanOrganisation, plan_order
from domain.updates import UpdateContent, UpdateRecord, UpdateVersion
from storage import models as m
from storage import models_updates as mu


def _uid() -> str:
    return uuid.uuid4().hex


class SqlPlan:
    """The synced plan: active goal areas, activities and indicators; groups; organisations."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def activities(self) -> list[PlanActivity]:
        rows = self.session.execute(
            select(m.Activity, m.GoalArea)
            .join(m.GoalArea, m.GoalArea.code == m.Activity.goal_area_code)
            .join(m.Group, m.Group.id == m.Activity.group_id)
            .where(m.Activity.active, m.GoalArea.active, m.Group.active)
        ).all()
        indicators: dict[str, list[m.Indicator]] = {}
        for indicator in self.session.scalars(
            select(m.Indicator).where(m.Indicator.active).order_by(m.Indicator.position)
        ):
            indicators.setdefault(indicator.activity_code, []).append(indicator)
        return plan_order([
            PlanActivity(
                code=activity.code,
                title=activity.title,
                goal_area_code=area.code,
                goal_area_title=area.title,
                group_id=activity.group_id,
                owners=tuple(str(owner) for owner in activity.owners),
                indicators=tuple(
                    PlanIndicator(i.id, i.name, i.unit, i.baseline, i.target)
                    for i in indicators.get(activity.code, [])
                ),
                goal_area_position=area.position,
                position=activity.position,
            )
            for activity, area in rows
        ])

    def activity(self, code: str) -> PlanActivity | None:
        return next((a for a in self.activities() if a.code == code), None)

    def activity_title(self, code: str) -> str:
        """Also for an activity no longer in the plan: old updates still name it."""

        row = self.session.get(m.Activity, code)
        return row.title if row is not None else code

    def groups(self) -> list[GroupInfo]:
        rows = self.session.scalars(select(m.Group).where(m.Group.active).order_by(m.Group.id))
        return [
            GroupInfo(
                id=row.id, name=row.name, short_name=row.short_name or row.name,
                channels=row.channels(),
            )
            for row in rows
        ]

    def organisations(self) -> list[PlanOrganisation]:
        rows = self.session.scalars(
            select(m.Organisation).where(m.Organisation.active).order_by(m.Organisation.id)
        )
        return [PlanOrganisation(row.id, row.name, row.short_name) for row in rows]

    def is_active_member(self, person_id: str, group_id: str) -> bool:
        row = self.session.execute(
            select(m.Membership.person_id)
            .join(m.Group, m.Group.id == m.Membership.group_id)
            .where(
                m.Membership.person_id == person_id,
                m.Membership.group_id == group_id,
                m.Membership.active,
                m.Group.active,
            )
        ).first()
        return row is not None


def _content(row: mu.Update | mu.UpdateVersion) -> UpdateContent:
    return UpdateContent(
        activity_code=row.activity_code,
        status=row.status,
        summary=row.summary,
        next_steps=row.next_steps,
        risks=row.risks,
        indicator_values={str(k): float(v) for k, v in (row.indicator_values or {}).items()},
    )


def _record(row: mu.Update) -> UpdateRecord:
    return UpdateRecord(
        number=row.id,
        uid=row.uid,
        author_id=row.author_id,
        group_id=row.group_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        content=_content(row),
        withdrawn=row.withdrawn,
        withdrawn_reason=row.withdrawn_reason,
    )


def _version(row: mu.UpdateVersion) -> UpdateVersion:
    return UpdateVersion(
        number=row.update_id,
        version=row.version,
        at=row.at,
        actor_id=row.actor_id,
        content=_content(row),
        withdrawn=row.withdrawn,
        withdrawn_reason=row.withdrawn_reason,
    )


def _values(content: UpdateContent) -> dict[str, Any]:
    return {
        "activity_code": content.activity_code,
        "status": content.status,
        "summary": content.summary,
        "next_steps": content.next_steps,
        "risks": content.risks,
        "indicator_values": dict(content.indicator_values),
    }


class SqlUpdates:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        content: UpdateContent,
        *,
        author_id: str,
        group_id: str,
        at: datetime,
        delivery: tuple[str, str] | None = None,
    ) -> UpdateRecord:
        # `organisation_id`: the author's organisation, filled in by the model's default.
        row = mu.Update(
            uid=_uid(), group_id=group_id, author_id=author_id, created_at=at, updated_at=at,
            version=1, withdrawn=False, withdrawn_reason="", **_values(content),
        )
        self.session.add(row)
        self.session.flush()
        self._add_version(row, author_id, at, delivery)
        return _record(row)

    def revise(
        self,
        number: int,
        content: UpdateContent,
        *,
        actor_id: str,
        group_id: str,
        at: datetime,
        delivery: tuple[str, str] | None = None,
    ) -> UpdateRecord:
        row = self._row(number)
        for name, value in _values(content).items():
            setattr(row, name, value)
        row.group_id = group_id
        row.version += 1
        row.updated_at = at
        self._add_version(row, actor_id, at, delivery)
        return _record(row)

    def withdraw(self, number: int, reason: str, *, actor_id: str, at: datetime) -> UpdateRecord:
        row = self._row(number)
        row.withdrawn = True
        row.withdrawn_reason = reason
        row.version += 1
        row.updated_at = at
        self._add_version(row, actor_id, at, None)
        return _record(row)

    def get(self, number: int) -> UpdateRecord | None:
        row = self.session.get(mu.Update, number)
        return _record(row) if row is not None else None

    def get_by_uid(self, uid: str) -> UpdateRecord | None:
        row = self.session.scalars(select(mu.Update).where(mu.Update.uid == uid)).first()
        return _record(row) if row is not None else None

    def by_delivery(self, platform: str, delivery_id: str) -> UpdateRecord | None:
        number = self.session.scalars(
            select(mu.UpdateVersion.update_id).where(
                mu.UpdateVersion.delivery_platform == platform,
                mu.UpdateVersion.delivery_id == delivery_id,
            )
        ).first()
        return self.get(number) if number is not None else None

    def by_author(self, person_id: str, limit: int = 20) -> list[UpdateRecord]:
        rows = self.session.scalars(
            select(mu.Update)
            .where(mu.Update.author_id == person_id)
            .order_by(mu.Update.created_at.desc(), mu.Update.id.desc())
            .limit(limit)
        )
        return [_record(row) for row in rows]

    def history(self, number: int) -> list[UpdateVersion]:
        rows = self.session.scalars(
            select(mu.UpdateVersion)
            .where(mu.UpdateVersion.update_id == number)
            .order_by(mu.UpdateVersion.version)
        )
        return [_version(row) for row in rows]

    def current(
        self, *, group_ids: Sequence[str] | None = None, since: datetime | None = None
    ) -> list[UpdateRecord]:
        """Updates that count in reports: not withdrawn, oldest first."""

        query = select(mu.Update).where(mu.Update.withdrawn.is_(False))
        if group_ids is not None:
            query = query.where(mu.Update.group_id.in_(list(group_ids)))
        if since is not None:
            query = query.where(mu.Update.updated_at >= since)
        return [_record(row) for row in self.session.scalars(query.order_by(mu.Update.id))]

    def _row(self, number: int) -> mu.Update:
        row = self.session.get(mu.Update, number, with_for_update=True)
        if row is None:
            raise LookupError(f"no update {number}")
        return row

    def _add_version(
        self, row: mu.Update, actor_id: str, at: datetime, delivery: tuple[str, str] | None
    ) -> None:
        self.session.add(mu.UpdateVersion(
            update_id=row.id, version=row.version, at=at, actor_id=actor_id,
            activity_code=row.activity_code, status=row.status, summary=row.summary,
            next_steps=row.next_steps, risks=row.risks,
            indicator_values=dict(row.indicator_values or {}),
            withdrawn=row.withdrawn, withdrawn_reason=row.withdrawn_reason,
            delivery_platform=delivery[0] if delivery else None,
            delivery_id=delivery[1] if delivery else None,
        ))
        self.session.flush()


def _decision(row: mu.Decision) -> Decision:
    return Decision(
        number=row.id, uid=row.uid, group_id=row.group_id, meeting_date=row.meeting_date,
        text=row.text, author_id=row.author_id, created_at=row.created_at,
        meeting_id=row.meeting_id,
    )


def _next_step(row: mu.NextStep) -> NextStep:
    return NextStep(
        number=row.id, uid=row.uid, group_id=row.group_id, meeting_date=row.meeting_date,
        text=row.text, author_id=row.author_id, created_at=row.created_at,
        responsible_org_id=row.responsible_org_id, due=row.due_date,
        status="done" if row.status == "done" else "open",
        closed_by=row.closed_by, closed_at=row.closed_at, meeting_id=row.meeting_id,
    )


class SqlNotes:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_decision(
        self,
        *,
        group_id: str,
        meeting_date: date,
        text: str,
        author_id: str,
        at: datetime,
        meeting_id: str | None = None,
    ) -> Decision:
        row = mu.Decision(
            uid=_uid(), group_id=group_id, meeting_date=meeting_date, meeting_id=meeting_id,
            text=text, author_id=author_id, created_at=at,
        )
        self.session.add(row)
        self.session.flush()
        return _decision(row)

    def decision(self, number: int) -> Decision | None:
        row = self.session.get(mu.Decision, number)
        return _decision(row) if row is not None else None

    def decisions(self, group_id: str, meeting_date: date) -> list[Decision]:
        rows = self.session.scalars(
            select(mu.Decision)
            .where(mu.Decision.group_id == group_id, mu.Decision.meeting_date == meeting_date)
            .order_by(mu.Decision.id)
        )
        return [_decision(row) for row in rows]

    def latest_decision_date(self, group_id: str, on_or_before: date) -> date | None:
        return self.session.scalars(
            select(mu.Decision.meeting_date)
            .where(mu.Decision.group_id == group_id, mu.Decision.meeting_date <= on_or_before)
            .order_by(mu.Decision.meeting_date.desc())
            .limit(1)
        ).first()

    def add_next_step(
        self,
        *,
        group_id: str,
        meeting_date: date,
        text: str,
        author_id: str,
        at: datetime,
        responsible_org_id: str | None = None,
        due: date | None = None,
        meeting_id: str | None = None,
    ) -> NextStep:
        row = mu.NextStep(
            uid=_uid(), group_id=group_id, meeting_date=meeting_date, meeting_id=meeting_id,
            text=text, responsible_org_id=responsible_org_id, due_date=due, status="open",
            author_id=author_id, created_at=at,
        )
        self.session.add(row)
        self.session.flush()
        return _next_step(row)

    def next_step(self, number: int) -> NextStep | None:
        row = self.session.get(mu.NextStep, number)
        return _next_step(row) if row is not None else None

    def close_next_step(self, number: int, *, actor_id: str, at: datetime) -> NextStep:
        row = self.session.get(mu.NextStep, number, with_for_update=True)
        if row is None:
            raise LookupError(f"no next step {number}")
        row.status = "done"
        row.closed_by = actor_id
        row.closed_at = at
        self.session.flush()
        return _next_step(row)

    def count_for_meeting(self, group_id: str, meeting_id: str, meeting_date: date) -> int:
        """Decisions and next steps recorded against one meeting: by its id, or (recorded
        where the calendar did not know the meeting) by the group and the day."""

        total = 0
        for model in (mu.Decision, mu.NextStep):
            total += int(self.session.scalar(
                select(func.count()).select_from(model).where(
                    model.group_id == group_id,
                    or_(
                        model.meeting_id == meeting_id,
                        (model.meeting_id.is_(None)) & (model.meeting_date == meeting_date),
                    ),
                )
            ) or 0)
        return total

    def open_next_steps(self, group_ids: Sequence[str]) -> list[NextStep]:
        rows = self.session.scalars(
            select(mu.NextStep)
            .where(mu.NextStep.group_id.in_(list(group_ids)), mu.NextStep.status == "open")
            .order_by(mu.NextStep.meeting_date, mu.NextStep.id)
        )
        return [_next_step(row) for row in rows]
