"""Tables of agenda items (and questions raised to another group) and attendance answers.

Like decisions and next steps, agenda items are records of the group's work: nothing here is
deleted. An item's integer id is the number people type (`punkt godkänn 3`, `beslut … --svar 3`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class AgendaItem(Base):
    __tablename__ = "agenda_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    # The group whose meeting the item is for (for a question: the group asked).
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    proposer_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    meeting_date: Mapped[date | None] = mapped_column(Date)
    meeting_id: Mapped[str | None] = mapped_column(String(100))
    from_group_id: Mapped[str | None] = mapped_column(ForeignKey("groups.id"))
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    answer_decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    answered_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        Index("ix_agenda_items_group_meeting", "group_id", "meeting_date"),
        Index("ix_agenda_items_from_group", "from_group_id"),
        # The answers the scheduler sends back: those recorded within its lookback.
        Index("ix_agenda_items_answered", "answered_at"),
    )


class AttendanceAnswer(Base):
    """One person's latest answer for one meeting: comes, does not, or sends the stand-in."""

    __tablename__ = "attendance"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id"))
    meeting_date: Mapped[date] = mapped_column(Date)
    meeting_id: Mapped[str | None] = mapped_column(String(100))
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    answer: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column()

    __table_args__ = (
        UniqueConstraint("group_id", "meeting_date", "person_id",
                         name="uq_attendance_group_meeting_person"),
    )
