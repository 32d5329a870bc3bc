"""The Teams door as the rest of the bot sees it (see bot/door.py)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.door import Door

if TYPE_CHECKING:
    from aiohttp import web

    from bot.runtime import Runtime
    from bot.settings import Settings
    from scheduler.messenger import Messenger
    from storage.repositories import StoreFactory

log = logging.getLogger(__name__)


def configured(settings: Settings) -> bool:
    return bool(settings.microsoft_app_id)


def attach(app: web.Application, runtime: Runtime, dev: bool, options: Mapping[str, Any]
           ) -> bool:
    """Served when configured, or in development (`serve --dev`: loopback, no sign-in).
    `options["credentials"]` replaces the Bot Framework sign-in (local tests)."""

    settings = runtime.settings
    if not configured(settings) and not dev:
        if settings.microsoft_app_password or settings.microsoft_app_tenant_id:
            log.warning("teams not served: MICROSOFT_APP_ID is not set")
        return False
    from bot.teams.server import attach_teams

    return attach_teams(app, runtime, dev=dev, credentials=options.get("credentials"))


def messenger(settings: Settings, stores: StoreFactory | None) -> Messenger | None:
    # Teams writes from the conversation references in the database: it needs the stores.
    if stores is None:
        return None
    from bot.teams.server import teams_messenger

    return teams_messenger(settings, stores)


TEAMS = Door("teams", configured, attach, messenger)
