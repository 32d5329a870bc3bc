"""Wires the Teams door into the bot's one aiohttp server at `POST /api/messages`.

botbuilder's `CloudAdapter` with `ConfigurationBotFrameworkAuthentication`, set up from
`MICROSOFT_APP_ID`, `MICROSOFT_APP_PASSWORD`, `MICROSOFT_APP_TYPE` and
`MICROSOFT_APP_TENANT_ID`. Two wrappers around botbuilder's parts, explained where they live
(`bot.teams.connector`): connector clients that make one attempt per request, and credentials
kept across turns.

Tenants: every activity's tenant is checked against the tenants the installation serves
(`bot.teams.tenants`), after its token and before the bot sees it; another tenant's activity
is answered 403 and nothing of it is stored. Answers: 200 with no body for every activity
that is not an invoke (whatever its type, known or not), and for an invoke its documented
body (`bot.teams.invokes`).

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
from bot.teams.setup import TeamsSetupError, allowed_tenants, bot_config, teams_configured
from bot.teams.tenants import TenantGate
from storage.repositories import StoreFactory

log = logging.getLogger(__name__)

TEAMS_DOOR = web.AppKey("teams_door", TeamsDoor)
# How the bot signs in for its own calls (MSAL from the settings, or a test's).
CredentialsFactory: TypeAlias = ServiceClientCredentialsFactory
__all__ = ["TEAMS_DOOR", "CredentialsFactory", "TeamsSetupError", "attach_teams",
           "build_adapter", "teams_messenger"]


def build_adapter(
    settings: Settings, credentials: CredentialsFactory | None = None
) -> CloudAdapter:
    """The adapter; `credentials` replaces the settings' (MSAL) sign-in, for local tests."""

    config = bot_config(settings)
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
    gate = TenantGate(allowed_tenants(settings))
    door = TeamsDoor(
        runtime.dispatcher,
        References(runtime.stores),
        adapter,
        app_id=settings.microsoft_app_id or "",
        default_language=settings.default_language,
        public_base_url=settings.public_base_url,
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
            log.info("teams request refused", extra={"reason": type(error).__name__})
            raise web.HTTPUnauthorized() from None
        refused = gate.refusal(activity)
        if refused is not None:
            # From Microsoft, but for another organisation: nothing of it is read further.
            log.info("teams request refused", extra={"reason": refused})
            raise web.HTTPForbidden()
        response = await adapter.process_activity(authenticated, activity, door.on_turn)
        if response is None:
            # Not an invoke: Teams wants a 2xx and nothing more (the answers went out already).
            return web.Response(status=200)
        if response.body is None:
            return web.Response(status=response.status)
        body = response.body if isinstance(response.body, dict | list) else serializer_helper(
            response.body)
        return web.json_response(body, status=response.status)

    app.router.add_post("/api/messages", messages)
    if teams_configured(settings):
        log.info("teams served at /api/messages", extra={"tenants": len(gate.allowed)})
    else:
        log.warning("TEAMS WITHOUT AUTHENTICATION at /api/messages: development mode (--dev); "
                    "anyone who reaches this address can act as anyone")
        if not gate.checks:
            log.warning("teams tenant check off: no tenant configured (development mode; "
                        "MICROSOFT_APP_TENANT_ID or MICROSOFT_ALLOWED_TENANT_IDS turn it on)")
    return True
