"""Tables of the activity updates, their history, decisions and next steps."""

from __future__ import annotations

from storage.models import Base  # noqa: F401
