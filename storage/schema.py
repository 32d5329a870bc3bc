"""The whole schema: every model module, imported so that `Base.metadata` is complete.

Alembic's environment and the schema test use this; add each new model module here.
"""

from __future__ import annotations

from storage import (  # noqa: F401
    models_agenda,
    models_calendar,
    models_cycle,
    models_followup,
    models_gdpr,
    models_reminders,
    models_reports,
    models_teams,
    models_updates,
)
from storage.models import Base

__all__ = ["Base"]
