"""Tables of the activity updates, their history, decisions and next steps.

Nothing here is ever deleted: an update's every version stays in `update_versions` (who, when,
what), and a withdrawn update keeps its rows, marked `withdrawn`, so that it leaves the
reports but not the history. The integer ids are the short ids users type (`#12`); `uid` is
a stable random id for links and exports that must not reveal how many rows there are.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, Person


def _authors_organisation(context: Any) -> str | None:
    """The default of `Update.organisation_id`: the author's organisation at the insert."""

    author = context.get_current_parameters()["author_id"]
    return context.connection.scalar(  # type: ignore[no-any-return]
        select(Person.organisation_id).where(Person.id == author)
    )


class Update(Base):
    """An activity update as it stands now: a copy of its latest version, for the reports."""

    __tablename__ = "updates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    activity_code: Mapped[str] = mapped_column(ForeignKey("activities.code"), index=True)
    # The activity's responsible group when reported: whose meeting the update is for.
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id"), index=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    # The author's organisation when it was reported: whose account of the activity this is.
    # A joint activity has a status per organisation (storage/report_repo.py); a later move
    # of the author to another organisation does not move their earlier reports.
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id"), default=_authors_organisation
    )
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(24))
    summary: Mapped[str] = mapped_column(Text)
    next_steps: Mapped[str] = mapped_column(Text, default="")
    risks: Mapped[str] = mapped_column(Text, default="")
    indicator_values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")

    # The reports' seeks (storage/report_repo.py): an activity's latest live update, the
    # latest of each organisation, and one group's updates written or changed since its last
    # meeting.
    __table_args__ = (
        Index("ix_updates_activity_latest", "activity_code", "withdrawn", "created_at", "id"),
        # Live updates only, ending with the status: an organisation's latest status is the
        # last entry of its range, read from the index alone.
        Index("ix_updates_activity_org_latest", "activity_code", "organisation_id",
              "created_at", "id", "status",
              postgresql_where=text("withdrawn = false"), sqlite_where=text("withdrawn = 0")),
        Index("ix_updates_group_window", "group_id", "withdrawn", "updated_at"),
    )


class UpdateVersion(Base):
    """One version of an update: the first report, each change, the withdrawal."""

    __tablename__ = "update_versions"
    update_id: Mapped[int] = mapped_column(ForeignKey("updates.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column()
    actor_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    activity_code: Mapped[str] = mapped_column(ForeignKey("activities.code"))
    status: Mapped[str] = mapped_column(String(24))
    summary: Mapped[str] = mapped_column(Text)
    next_steps: Mapped[str] = mapped_column(Text, default="")
    risks: Mapped[str] = mapped_column(Text, default="")
    indicator_values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")
    # The platform delivery that made this version, to answer a resend with the same reply.
    delivery_platform: Mapped[str | None] = mapped_column(String(16))
    delivery_id: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        Index("ix_update_versions_delivery", "delivery_platform", "delivery_id"),
    )


class Decision(Base):
    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id"))
    meeting_date: Mapped[date] = mapped_column(Date)
    meeting_id: Mapped[str | None] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column()

    __table_args__ = (Index("ix_decisions_group_meeting", "group_id", "meeting_date"),)


class NextStep(Base):
    __tablename__ = "next_steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id"))
    meeting_date: Mapped[date] = mapped_column(Date)
    meeting_id: Mapped[str | None] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    responsible_org_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")
    author_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column()
    closed_by: Mapped[str | None] = mapped_column(ForeignKey("people.id"))
    closed_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        Index("ix_next_steps_group_status", "group_id", "status"),
        Index("ix_next_steps_group_meeting", "group_id", "meeting_date"),
    )
