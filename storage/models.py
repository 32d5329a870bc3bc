"""The database schema as typed SQLAlchemy 2 models.

Changes go through Alembic migrations (`storage/migrations/`); a test checks that the models and
the migrations agree. Rows that people reported are never deleted by a configuration sync:
configured things are deactivated instead (`active`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no offset of its own)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON,
    }


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Person(Base):
    __tablename__ = "people"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    email: Mapped[str] = mapped_column(String(254), index=True)
    language: Mapped[str] = mapped_column(String(5), default="sv")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A person's own choice, kept across syncs: the configuration does not own it.
    reminders_dm: Mapped[bool] = mapped_column(Boolean, default=True)


class PlatformIdentity(Base):
    """A chat identity: from the configuration, or learned once from a matching e-mail."""

    __tablename__ = "platform_identities"
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    source: Mapped[str] = mapped_column(String(16), default="config")


class Group(Base):
    __tablename__ = "groups"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(60), default="")
    slack_channel: Mapped[str | None] = mapped_column(String(64))
    teams_channel: Mapped[str | None] = mapped_column(String(300))

    # The configuration's `[groups.channels]`, a column per door; read as a mapping by door.
    CHANNEL_COLUMNS: ClassVar[dict[str, str]] = {"slack": "slack_channel", "teams": "teams_channel"}

    def channels(self) -> dict[str, str]:
        found = {door: getattr(self, column) for door, column in self.CHANNEL_COLUMNS.items()}
        return {door: channel for door, channel in found.items() if channel}
    rotation_per: Mapped[str | None] = mapped_column(String(16))
    rotation_order: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The group that gave this one its mandate (`reports_to`): questions are raised to it.
    reports_to: Mapped[str | None] = mapped_column(String(64))


class Membership(Base):
    __tablename__ = "memberships"
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Representative(Base):
    """Who convenes for an organisation in a group's rotation, and who stands in."""

    __tablename__ = "representatives"
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    stand_in_id: Mapped[str | None] = mapped_column(ForeignKey("people.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Term(Base):
    __tablename__ = "terms"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(2))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    breaks: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MeetingSeries(Base):
    __tablename__ = "meeting_series"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    rrule: Mapped[str | None] = mapped_column(String(300))
    dtstart: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    dates: Mapped[list[Any]] = mapped_column(default=list)
    start_time: Mapped[time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(500), default="")
    on_non_working_day: Mapped[str] = mapped_column(String(24), default="next_working_day")
    reminders: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class GoalArea(Base):
    __tablename__ = "goal_areas"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Activity(Base):
    __tablename__ = "activities"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    goal_area_code: Mapped[str] = mapped_column(ForeignKey("goal_areas.code"), index=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id"), index=True)
    owners: Mapped[list[Any]] = mapped_column(default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The activity's own budget line (`[[plan.activities]] budget_tkr`, `funding`).
    budget_tkr: Mapped[float | None] = mapped_column(Float)
    funding: Mapped[str | None] = mapped_column(String(200))


class Indicator(Base):
    __tablename__ = "indicators"
    activity_code: Mapped[str] = mapped_column(ForeignKey("activities.code"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40))
    baseline: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[str | None] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")


class ProcessedDelivery(Base):
    """Platforms resend on timeouts: a delivery id seen here has been handled.

    `at` is the moment the command was handled; `outcome` says what it stored, by kind and id
    (`decision:7`), or that it was refused: a resend is answered from it. Never text.
    """

    __tablename__ = "processed_deliveries"
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_processed_deliveries_at", "at"),)

