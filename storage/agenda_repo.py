"""The agenda items, questions and attendance of `app.ports.AgendaRepository`.

Receives the session of one unit of work and never commits, except where a method says so.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.agenda import AgendaItem, Attendance, AttendanceAnswer, ItemKind, ItemStatus
from domain.notes import NextStep
from storage import models as m
from storage import models_agenda as ma
from storage import models_updates as mu
from storage.updates_repo import _next_step


def _item(row: ma.AgendaItem) -> AgendaItem:
    return AgendaItem(
        number=row.id, uid=row.uid, group_id=row.group_id,
        kind=row.kind,  # type: ignore[arg-type]
        text=row.text, proposer_id=row.proposer_id, organisation_id=row.organisation_id,
        created_at=row.created_at,
        status=row.status,  # type: ignore[arg-type]
        meeting_date=row.meeting_date, meeting_id=row.meeting_id,
        from_group_id=row.from_group_id, decided_by=row.decided_by, decided_at=row.decided_at,
        answer_decision=row.answer_decision_id, answered_at=row.answered_at,
    )


def _attendance(row: ma.AttendanceAnswer) -> Attendance:
    return Attendance(
        group_id=row.group_id, meeting_date=row.meeting_date, person_id=row.person_id,
        organisation_id=row.organisation_id,
        answer=row.answer,  # type: ignore[arg-type]
        at=row.at, meeting_id=row.meeting_id,
    )


class SqlAgenda:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- items and questions -----------------------------------------------------------------

    def add_item(
        self, *, group_id: str, kind: ItemKind, text: str, proposer_id: str,
        organisation_id: str, at: datetime, meeting_date: date | None,
        meeting_id: str | None = None, from_group_id: str | None = None,
    ) -> AgendaItem:
        row = ma.AgendaItem(
            uid=uuid.uuid4().hex, group_id=group_id, kind=kind, text=text,
            proposer_id=proposer_id, organisation_id=organisation_id, created_at=at,
            status="proposed", meeting_date=meeting_date, meeting_id=meeting_id,
            from_group_id=from_group_id,
        )
        self.session.add(row)
        self.session.flush()
        return _item(row)

    def item(self, number: int) -> AgendaItem | None:
        row = self.session.get(ma.AgendaItem, number)
        return _item(row) if row is not None else None

    def items(
        self, group_id: str, meeting_date: date | None,
        statuses: Sequence[ItemStatus] | None = None,
    ) -> list[AgendaItem]:
        """The items of one meeting of a group (`None`: those not tied to a date)."""

        query = select(ma.AgendaItem).where(ma.AgendaItem.group_id == group_id)
        if meeting_date is None:
            query = query.where(ma.AgendaItem.meeting_date.is_(None))
        else:
            query = query.where(ma.AgendaItem.meeting_date == meeting_date)
        if statuses is not None:
            query = query.where(ma.AgendaItem.status.in_(list(statuses)))
        return [_item(r) for r in self.session.scalars(query.order_by(ma.AgendaItem.id))]

    def questions_from(
        self, from_group_id: str, *, since: datetime | None, until: datetime
    ) -> list[AgendaItem]:
        """Questions a group raised in a window (`since` None: from the start)."""

        query = select(ma.AgendaItem).where(
            ma.AgendaItem.from_group_id == from_group_id, ma.AgendaItem.created_at <= until
        )
        if since is not None:
            query = query.where(ma.AgendaItem.created_at > since)
        return [_item(r) for r in self.session.scalars(query.order_by(ma.AgendaItem.id))]

    def answered_questions(self, group_id: str, decision_numbers: Sequence[int]
                           ) -> list[AgendaItem]:
        """The questions to a group that the given decisions answered."""

        if not decision_numbers:
            return []
        rows = self.session.scalars(
            select(ma.AgendaItem).where(
                ma.AgendaItem.group_id == group_id,
                ma.AgendaItem.answer_decision_id.in_(list(decision_numbers)),
            ).order_by(ma.AgendaItem.id)
        )
        return [_item(r) for r in rows]

    def _locked(self, number: int) -> ma.AgendaItem:
        row = self.session.get(ma.AgendaItem, number, with_for_update=True)
        if row is None:
            raise LookupError(f"no agenda item {number}")
        return row

    def set_status(self, number: int, status: ItemStatus, *, actor_id: str, at: datetime
                   ) -> AgendaItem:
        row = self._locked(number)
        row.status, row.decided_by, row.decided_at = status, actor_id, at
        self.session.flush()
        return _item(row)

    def move(self, number: int, *, meeting_date: date, meeting_id: str | None, actor_id: str,
             at: datetime) -> AgendaItem:
        row = self._locked(number)
        row.meeting_date, row.meeting_id = meeting_date, meeting_id
        row.decided_by, row.decided_at = actor_id, at
        self.session.flush()
        return _item(row)

    def answer(self, number: int, *, decision_number: int, at: datetime) -> AgendaItem:
        row = self._locked(number)
        row.status, row.answer_decision_id, row.answered_at = "answered", decision_number, at
        self.session.flush()
        return _item(row)

    def answered_between(self, since: datetime, until: datetime) -> list[AgendaItem]:
        """Questions answered in a window (the outbox sends each answer back once)."""

        rows = self.session.scalars(
            select(ma.AgendaItem).where(
                ma.AgendaItem.status == "answered", ma.AgendaItem.answered_at > since,
                ma.AgendaItem.answered_at <= until,
            ).order_by(ma.AgendaItem.id)
        )
        return [_item(r) for r in rows]

    # -- attendance --------------------------------------------------------------------------

    def record_attendance(
        self, *, group_id: str, meeting_date: date, meeting_id: str | None, person_id: str,
        organisation_id: str, answer: AttendanceAnswer, at: datetime,
    ) -> Attendance:
        row = self.session.scalars(
            select(ma.AttendanceAnswer).where(
                ma.AttendanceAnswer.group_id == group_id,
                ma.AttendanceAnswer.meeting_date == meeting_date,
                ma.AttendanceAnswer.person_id == person_id,
            ).with_for_update()
        ).first()
        if row is None:
            row = ma.AttendanceAnswer(group_id=group_id, meeting_date=meeting_date,
                                      person_id=person_id)
            self.session.add(row)
        row.meeting_id, row.organisation_id, row.answer, row.at = (
            meeting_id, organisation_id, answer, at)
        self.session.flush()
        return _attendance(row)

    def attendance(self, group_id: str, meeting_date: date) -> list[Attendance]:
        rows = self.session.scalars(
            select(ma.AttendanceAnswer).where(
                ma.AttendanceAnswer.group_id == group_id,
                ma.AttendanceAnswer.meeting_date == meeting_date,
            ).order_by(ma.AttendanceAnswer.at, ma.AttendanceAnswer.id)
        )
        return [_attendance(r) for r in rows]

    # -- what the minutes read besides ---------------------------------------------------------

    def members(self, group_id: str) -> list[tuple[str, str, str]]:
        """The group's active members: (person id, name, organisation id)."""

        rows = self.session.execute(
            select(m.Person.id, m.Person.name, m.Person.organisation_id)
            .join(m.Membership, m.Membership.person_id == m.Person.id)
            .where(m.Membership.group_id == group_id, m.Membership.active, m.Person.active)
            .order_by(m.Person.name)
        )
        return [(pid, name, org) for pid, name, org in rows.all()]

    def next_steps_of(self, group_id: str, meeting_date: date) -> list[NextStep]:
        """The next steps recorded at one meeting, open or done."""

        rows = self.session.scalars(
            select(mu.NextStep).where(
                mu.NextStep.group_id == group_id, mu.NextStep.meeting_date == meeting_date
            ).order_by(mu.NextStep.id)
        )
        return [_next_step(r) for r in rows]
