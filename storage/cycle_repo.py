"""Absences, and what announcements are planned from: recent schedule changes, administrators."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.absence import Absence, Absences
from domain.announcements import StoredChange
from domain.reminders import ReminderRules
from storage import models as m
from storage import models_calendar as mc
from storage.calendar_repo import _change
from storage.models_cycle import Absence as AbsenceRow
from storage.reminders_repo import SqlReminders


def utc_now() -> datetime:
    return datetime.now(UTC)


def _absence(row: AbsenceRow) -> Absence:
    return Absence(id=row.id, person_id=row.person_id, start=row.start, end=row.end,
                   created_at=row.created_at)


class SqlAbsences:
    def __init__(self, session: Session, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.clock = clock

    def add(self, person_id: str, start: date, end: date) -> Absence:
        row = AbsenceRow(person_id=person_id, start=start, end=end, created_at=self.clock())
        self.session.add(row)
        self.session.flush()
        return _absence(row)

    def of_person(self, person_id: str, since: date) -> list[Absence]:
        """The person's absences that end on or after `since`, by start."""

        rows = self.session.scalars(
            select(AbsenceRow)
            .where(AbsenceRow.person_id == person_id, AbsenceRow.end >= since,
                   AbsenceRow.end >= AbsenceRow.start)
            .order_by(AbsenceRow.start, AbsenceRow.id)
        )
        return [_absence(row) for row in rows]

    def end_now(self, person_id: str, today: date) -> list[Absence]:
        """Ends the person's absences from `today` on: one under way ends yesterday, one not
        begun is dropped (kept, with an end before its start). Answers them as they were."""

        rows = self.session.scalars(
            select(AbsenceRow).where(
                AbsenceRow.person_id == person_id, AbsenceRow.end >= today,
                AbsenceRow.end >= AbsenceRow.start,
            ).order_by(AbsenceRow.start, AbsenceRow.id).with_for_update()
        ).all()
        ended = [_absence(row) for row in rows]
        yesterday = date.fromordinal(today.toordinal() - 1)
        for row in rows:
            row.end = yesterday if row.start < today else date.fromordinal(
                row.start.toordinal() - 1)
            row.ended_at = self.clock()
        self.session.flush()
        return ended

    def between(self, first: date, last: date) -> Absences:
        """Everyone's absences that touch the days from `first` to `last`."""

        rows = self.session.scalars(
            select(AbsenceRow).where(
                AbsenceRow.end >= first, AbsenceRow.start <= last,
                AbsenceRow.end >= AbsenceRow.start,
            )
        )
        return Absences.of([_absence(row) for row in rows])


class SqlAnnouncements:
    """What the planner reads to announce schedule changes."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def changes(self, group_id: str) -> list[StoredChange]:
        """The group's changes in the order made, with their numbers and times."""

        rows = self.session.scalars(
            select(mc.ScheduleChange).where(mc.ScheduleChange.group_id == group_id)
            .order_by(mc.ScheduleChange.id)
        )
        return [StoredChange(row.id, _change(row), row.created_at) for row in rows]

    def reminder_rules(self, group_id: str) -> dict[str, ReminderRules]:
        return SqlReminders(self.session, utc_now).rules(group_id)

    def admins(self) -> tuple[str, ...]:
        return tuple(self.session.scalars(
            select(m.Person.id).where(m.Person.is_admin, m.Person.active).order_by(m.Person.id)
        ))
