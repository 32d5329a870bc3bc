"""Tables of the meeting calendar: schedule overrides and calendar-feed state."""

from __future__ import annotations

from storage.models import Base  # noqa: F401
