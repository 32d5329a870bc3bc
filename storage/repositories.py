"""Repositories over one SQLAlchemy session: the `Store` that handlers receive.

A door opens a store per command (`unit_of_work`): it commits when the command returns and
rolls back on any exception, so every command is one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Engine, Select, delete, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from domain import model
from storage import models as m
from storage.agenda_repo import SqlAgenda
from storage.calendar_repo import SqlCalendar
from storage.cycle_repo import SqlAbsences, SqlAnnouncements
from storage.db import DatabaseUnavailable, unavailable
from storage.followup_repo import SqlFollowUp
from storage.gdpr_repo import SqlRegister
from storage.outbox_repo import SqlOutbox
from storage.reminders_repo import SqlReminders
from storage.report_repo import SqlReports
from storage.teams_repo import SqlTeamsReferences
from storage.updates_repo import SqlNotes, SqlPlan, SqlUpdates


def to_person(row: m.Person, organisation: m.Organisation) -> model.Person:
    return model.Person(
        id=row.id,
        name=row.name,
        organisation=model.Organisation(
            organisation.id, organisation.name, organisation.short_name
        ),
        email=row.email,
        language=row.language,
        is_admin=row.is_admin,
        active=row.active,
        reminders_dm=row.reminders_dm,
    )


class SqlPeople:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _query(self) -> Select[m.Person, m.Organisation]:
        return select(m.Person, m.Organisation).join(
            m.Organisation, m.Organisation.id == m.Person.organisation_id
        )

    def _one(self, query: Select[m.Person, m.Organisation]) -> model.Person | None:
        row = self.session.execute(query).first()
        return to_person(row[0], row[1]) if row else None

    def get(self, person_id: str) -> model.Person | None:
        return self._one(self._query().where(m.Person.id == person_id))

    def find_by_platform(self, platform: str, user_id: str) -> model.Person | None:
        return self._one(
            self._query()
            .join(m.PlatformIdentity, m.PlatformIdentity.person_id == m.Person.id)
            .where(m.PlatformIdentity.platform == platform, m.PlatformIdentity.user_id == user_id)
        )

    def administrators(self) -> list[model.Person]:
        """The active administrators (who are told when a reminder cannot be delivered)."""

        rows = self.session.execute(
            self._query().where(m.Person.is_admin, m.Person.active).order_by(m.Person.id)
        ).all()
        return [to_person(person, organisation) for person, organisation in rows]

    def find_by_email(self, email: str) -> model.Person | None:
        return self._one(
            self._query().where(m.Person.email == email.strip().lower(), m.Person.active)
        )

    def identities(self, person_id: str | None = None) -> list[model.ChatIdentity]:
        """Chat identities, configured and learned, of one person or of everyone."""

        query = select(m.PlatformIdentity).order_by(
            m.PlatformIdentity.person_id, m.PlatformIdentity.platform,
            m.PlatformIdentity.source, m.PlatformIdentity.user_id,
        )
        if person_id is not None:
            query = query.where(m.PlatformIdentity.person_id == person_id)
        return [
            model.ChatIdentity(row.person_id, row.platform, row.user_id,
                               "config" if row.source == "config" else "learned")
            for row in self.session.scalars(query)
        ]

    def link_platform(self, person_id: str, platform: str, user_id: str) -> None:
        """A learned identity, added (never merged: an id already known, configured or not,
        is not taken over; the insert fails instead)."""

        self.session.add(
            m.PlatformIdentity(
                platform=platform, user_id=user_id, person_id=person_id, source="learned"
            )
        )
        self.session.flush()

    def unlink_learned(self, person_id: str, platform: str) -> list[str]:
        """Removes the person's learned ids on the platform; configured ones stay. The ids."""

        rows = list(self.session.scalars(
            select(m.PlatformIdentity).where(
                m.PlatformIdentity.person_id == person_id,
                m.PlatformIdentity.platform == platform,
                m.PlatformIdentity.source != "config",
            ).order_by(m.PlatformIdentity.user_id)
        ))
        for row in rows:
            self.session.delete(row)
        self.session.flush()
        return [row.user_id for row in rows]

    def memberships(self, person_id: str) -> list[model.GroupMembership]:
        rows = self.session.execute(
            select(m.Group.id, m.Group.name, m.Membership.role)
            .join(m.Membership, m.Membership.group_id == m.Group.id)
            .where(m.Membership.person_id == person_id, m.Membership.active, m.Group.active)
            .order_by(m.Group.name)
        ).all()
        return [
            model.GroupMembership(gid, name, "chef" if role == "chef" else "member")
            for gid, name, role in rows
        ]

    def set_reminders_dm(self, person_id: str, enabled: bool) -> None:
        person = self.session.get(m.Person, person_id)
        if person is not None:
            person.reminders_dm = enabled


class SqlAudit:
    def __init__(self, session: Session, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.clock = clock

    def record(
        self,
        actor_id: str | None,
        action: str,
        outcome: Literal["ok", "denied", "invalid"],
        detail: str = "",
    ) -> None:
        self.session.add(
            m.AuditLog(at=self.clock(), actor_id=actor_id, action=action, outcome=outcome,
                       detail=detail[:2000])
        )

    def entries(self, since: datetime | None = None) -> list[model.AuditEntry]:
        query = select(m.AuditLog).order_by(m.AuditLog.id)
        if since is not None:
            query = query.where(m.AuditLog.at >= since)
        return [
            model.AuditEntry(
                at=row.at.isoformat(), actor_id=row.actor_id, action=row.action,
                outcome=row.outcome,  # type: ignore[arg-type]
                detail=row.detail,
            )
            for row in self.session.scalars(query)
        ]


class SqlDeliveries:
    def __init__(self, session: Session, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.clock = clock

    def first_time(
        self, platform: str, delivery_id: str, *, at: datetime | None = None,
        outcome: str | None = None,
    ) -> bool:
        """True the first time a delivery id is seen; it is remembered in this transaction."""

        try:
            with self.session.begin_nested():
                self.session.add(
                    m.ProcessedDelivery(platform=platform, delivery_id=delivery_id,
                                        at=at or self.clock(), outcome=outcome or None)
                )
        except IntegrityError:
            return False
        return True

    def seen(self, platform: str, delivery_id: str) -> bool:
        """True when a delivery id has already been claimed (and committed)."""

        return self.claimed(platform, delivery_id) is not None

    def claimed(self, platform: str, delivery_id: str) -> tuple[datetime, str] | None:
        """When a claimed delivery was handled and what it stored (`""`: nothing)."""

        row = self.session.get(m.ProcessedDelivery, (platform, delivery_id))
        return (row.at, row.outcome or "") if row is not None else None

    def forget_before(self, cutoff: datetime) -> int:
        """Forgets the delivery ids handled before `cutoff`; answers how many."""

        result = self.session.execute(
            delete(m.ProcessedDelivery).where(m.ProcessedDelivery.at < cutoff)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def settle(self, platform: str, delivery_id: str, *, was: str, outcome: str,
               at: datetime) -> bool:
        """Replaces a claim's outcome, only if it still is `was` (one of two twins wins)."""

        result = self.session.execute(
            update(m.ProcessedDelivery)
            .where(m.ProcessedDelivery.platform == platform,
                   m.ProcessedDelivery.delivery_id == delivery_id,
                   m.ProcessedDelivery.outcome == was)
            .values(outcome=outcome or None, at=at)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class SqlStore:
    def __init__(self, session: Session, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.clock = clock
        self.people = SqlPeople(session)
        self.audit = SqlAudit(session, clock)
        self.deliveries = SqlDeliveries(session, clock)
        self.calendar = SqlCalendar(session, clock)
        self.reminders = SqlReminders(session, clock)
        self.outbox = SqlOutbox(session)
        self.plan = SqlPlan(session)
        self.updates = SqlUpdates(session)
        self.notes = SqlNotes(session)
        self.agenda = SqlAgenda(session)
        self.reports = SqlReports(session, clock)
        self.followup = SqlFollowUp(session)
        self.teams = SqlTeamsReferences(session, clock)
        self.register = SqlRegister(session, clock)
        self.absences = SqlAbsences(session, clock)
        self.announcements = SqlAnnouncements(session)

    def rollback(self) -> None:
        self.session.rollback()


def utc_now() -> datetime:
    return datetime.now(UTC)


class StoreFactory:
    """Opens one `SqlStore` per command: commit on return, roll back on any exception.

    A database that cannot be reached, is locked or does not answer in time, whether on
    opening, during the work or at the commit, raises `DatabaseUnavailable` (a
    `StoreUnavailable`, see `storage.db`) after the rollback: nothing of the unit is saved.
    """

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.clock = clock

    @contextmanager
    def __call__(self) -> Iterator[SqlStore]:
        try:
            with self.sessions() as session:
                store = SqlStore(session, self.clock)
                try:
                    yield store
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        except SQLAlchemyError as error:
            if isinstance(error, DatabaseUnavailable) or not unavailable(error):
                raise
            raise DatabaseUnavailable(f"database unavailable: {type(error).__name__}") from error
