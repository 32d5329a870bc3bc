"""Wires the Teams door into the bot's one aiohttp server at `POST /api/messages`.

botbuilder's `CloudAdapter` with `ConfigurationBotFrameworkAuthentication`, set up from
`MICROSOFT_APP_ID`, `MICROSOFT_APP_PASSWORD`, `MICROSOFT_APP_TYPE` and
`MICROSOFT_APP_TENANT_ID`. Two wrappers around botbuilder's parts, explained where they live
(`bot.teams.connector`): connector clients that make one attempt per request, and credentials
kept across turns.

Authentication: an empty app id turns botbuilder's authentication off entirely. So without
`MICROSOFT_APP_ID` Teams is not served at all, unless the server was started in the explicit
local development mode (`samverkan serve --dev`: loopback only, said loudly). With it, every
request must carry a Bot Framework token: signed by a key of the Bot Framework's OpenID
metadata, issued by the Bot Framework, for this app id (audience), for this service URL, not
expired. Anything else, however it fails inside botbuilder (a missing header, a bad signature,
an unknown key, an expired token), is answered 401 before the bot sees the activity.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, TypeAlias

from aiohttp import web
from botbuilder.core import serializer_helper
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import Activity
from botframework.connector.auth import ServiceClientCredentialsFactory

from bot.runtime import Runtime
from bot.settings import Settings
from bot.teams.bot import TeamsDoor
from bot.teams.connector import CachedCredentials, PlainConnectors
from bot.teams.messenger import TeamsMessenger
from bot.teams.references import References
from storage.repositories import StoreFactory

log = logging.getLogger(__name__)

TEAMS_DOOR = web.AppKey("teams_door", TeamsDoor)
# How the bot signs in for its own calls (MSAL from the settings, or a test's).
CredentialsFactory: TypeAlias = ServiceClientCredentialsFactory


class TeamsSetupError(RuntimeError):
    """The Teams settings cannot work (said at start, not at the first message)."""


@dataclass(frozen=True)
class _BotConfig:
    """The attribute names botbuilder's configuration classes read."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str | None


def teams_configured(settings: Settings) -> bool:
    return bool(settings.microsoft_app_id)


def _config(settings: Settings) -> _BotConfig:
    app_id = settings.microsoft_app_id or ""
    password = (
        settings.microsoft_app_password.get_secret_value()
        if settings.microsoft_app_password else ""
    )
    if not app_id:
        # Development only (`--dev`): botbuilder reads an empty MultiTenant id as "no auth".
        return _BotConfig("", "", "MultiTenant", None)
    app_type = settings.microsoft_app_type
    if app_type == "SingleTenant" and not settings.microsoft_app_tenant_id:
        raise TeamsSetupError("MICROSOFT_APP_TENANT_ID is required for a SingleTenant app")
    if app_type in ("SingleTenant", "MultiTenant") and not password:
        raise TeamsSetupError("MICROSOFT_APP_PASSWORD is required with MICROSOFT_APP_ID")
    if app_type == "UserAssignedMSI" and not settings.microsoft_app_tenant_id:
        raise TeamsSetupError("MICROSOFT_APP_TENANT_ID is required for UserAssignedMSI")
    return _BotConfig(app_id, password, app_type, settings.microsoft_app_tenant_id)


def build_adapter(
    settings: Settings, credentials: CredentialsFactory | None = None
) -> CloudAdapter:
    """The adapter; `credentials` replaces the settings' (MSAL) sign-in, for local tests."""

    config = _config(settings)
    if credentials is None:
        credentials = ConfigurationServiceClientCredentialFactory(config)
    authentication = ConfigurationBotFrameworkAuthentication(
        config, credentials_factory=CachedCredentials(credentials)
    )
    return CloudAdapter(PlainConnectors(authentication))


def teams_messenger(
    settings: Settings, stores: StoreFactory, credentials: CredentialsFactory | None = None
) -> TeamsMessenger:
    """The reminders' messenger; its own adapter, with no `on_turn_error` (see `proactive`)."""

    return TeamsMessenger(
        build_adapter(settings, credentials),
        References(stores),
        app_id=settings.microsoft_app_id or "",
        tenant_id=settings.microsoft_app_tenant_id,
    )


def attach_teams(
    app: web.Application,
    runtime: Runtime,
    *,
    dev: bool = False,
    credentials: CredentialsFactory | None = None,
) -> bool:
    """Serves `/api/messages` when Teams may be served; says why not otherwise."""

    settings = runtime.settings
    if not teams_configured(settings) and not dev:
        log.info("teams not served: MICROSOFT_APP_ID is not set "
                 "(samverkan serve --dev serves it without authentication, on loopback)")
        return False
    adapter = build_adapter(settings, credentials)
    door = TeamsDoor(
        runtime.dispatcher,
        References(runtime.stores),
        adapter,
        app_id=settings.microsoft_app_id or "",
        default_language=settings.default_language,
    )
    adapter.on_turn_error = door.on_error
    app[TEAMS_DOOR] = door
    authentication = adapter.bot_framework_authentication

    async def messages(request: web.Request) -> web.Response:
        if "application/json" not in request.headers.get("Content-Type", ""):
            raise web.HTTPUnsupportedMediaType()
        try:
            body: Any = await request.json()
            activity = Activity().deserialize(body)
        except Exception:
            raise web.HTTPBadRequest() from None
        if not isinstance(body, dict) or not activity.type:
            raise web.HTTPBadRequest()
        try:
            authenticated = await authentication.authenticate_request(
                activity, request.headers.get("Authorization", "")
            )
        except Exception as error:
            # Whatever botbuilder raised (PermissionError, jwt's errors, a key it cannot
            # find): not a Bot Framework request for this bot. Nothing is read or stored.
            log.warning("teams request refused", extra={"reason": type(error).__name__})
            raise web.HTTPUnauthorized() from None
        response = await adapter.process_activity(authenticated, activity, door.on_turn)
        if response is not None:
            return web.json_response(serializer_helper(response.body), status=response.status)
        return web.Response(status=201)

    app.router.add_post("/api/messages", messages)
    if teams_configured(settings):
        log.info("teams served at /api/messages")
    else:
        log.warning("TEAMS WITHOUT AUTHENTICATION at /api/messages: development mode (--dev); "
                    "anyone who reaches this address can act as anyone")
    return True
