"""Tables of the meeting calendar: schedule changes, calendar-feed links and feed revisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class ScheduleChange(Base):
    """An administrator's change to a group's schedule; kept forever, applied in id order."""

    __tablename__ = "schedule_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    meeting_id: Mapped[str | None] = mapped_column(String(100))
    other_meeting_id: Mapped[str | None] = mapped_column(String(100))
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"))
    term_id: Mapped[str | None] = mapped_column(String(64))
    new_start: Mapped[datetime | None] = mapped_column()
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column()


class CalendarFeed(Base):
    """A secret, revocable link to a group's iCalendar feed."""

    __tablename__ = "calendar_feeds"
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id"), index=True)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class FeedRevision(Base):
    """What a calendar client last saw of a meeting, so SEQUENCE rises on every change."""

    __tablename__ = "feed_revisions"
    meeting_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column()
