"""Tables of the reports: the installation's own secrets (the key that signs file links)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class InstallationSecret(Base):
    """A secret the installation made itself, where none was configured (`SECRET_KEY`).

    Kept in the database so that links signed with it survive restarts and work on every
    instance. Never shown, logged or exported.
    """

    __tablename__ = "installation_secrets"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column()

    def __repr__(self) -> str:
        return f"InstallationSecret(name={self.name!r})"
