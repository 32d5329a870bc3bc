"""The whole schema: every model module, imported so that `Base.metadata` is complete.

Alembic's environment and the schema test use this; add each new model module here.
"""

from __future__ import annotations

from storage import models_calendar, models_reminders, models_updates  # noqa: F401
from storage.models import Base

__all__ = ["Base"]
