"""The reminder outbox: one row per delivery, claimed by its unique key before anything is sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base

# claimed: this instance's to send, nothing handed to the platform yet (a run takes over a
# stale claim and sends it); sending: marked just before the one HTTP call that delivers it
# (or that call was cut off); sent / failed / missed: final; retry: waits for next_attempt_at;
# interrupted: the process died during the send, so nobody knows whether it arrived, and it is
# not sent again. See storage/outbox_repo.py for the transitions.
OUTBOX_STATUSES = ("claimed", "sending", "sent", "retry", "failed", "missed", "interrupted")


class OutboxDelivery(Base):
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    rule: Mapped[str] = mapped_column(String(32))
    group_id: Mapped[str] = mapped_column(String(64), index=True)
    reminder_key: Mapped[str] = mapped_column(String(400))
    series_id: Mapped[str] = mapped_column(String(64))
    meeting_id: Mapped[str] = mapped_column(String(100))
    meeting_start: Mapped[datetime] = mapped_column()
    recipient: Mapped[str] = mapped_column(String(100))
    platform: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    claimed_by: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    # An error class or platform error code; never message text or personal data.
    last_error: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in OUTBOX_STATUSES) + ")",
            name="outbox_status",
        ),
    )
