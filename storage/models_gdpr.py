"""Tables of data protection: the disposal (gallring) rules synced from the configuration.

A rule removed from the file is deactivated, not deleted, like everything the sync writes: an
inactive rule disposes nothing, and the audit log keeps which rule allowed what.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class DisposalRuleRow(Base):
    __tablename__ = "disposal_rules"
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    after_months: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
