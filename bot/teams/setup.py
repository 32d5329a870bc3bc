"""The Teams settings: botbuilder's configuration, and the tenants the bot serves.

`MICROSOFT_APP_ID`, `MICROSOFT_APP_PASSWORD`, `MICROSOFT_APP_TYPE` and `MICROSOFT_APP_TENANT_ID`
become botbuilder's configuration. Which tenants' activities are served (`allowed_tenants`):

- SingleTenant: `MICROSOFT_APP_TENANT_ID`, and only it (a list naming any other tenant is a
  setup error: such an app cannot serve them).
- MultiTenant: exactly the tenants in `MICROSOFT_ALLOWED_TENANT_IDS`. There is no "any
  tenant": a MultiTenant app without the list does not start.
- UserAssignedMSI: `MICROSOFT_APP_TENANT_ID` and any listed.
- Development mode without an app id (`serve --dev`, the Bot Framework Emulator): the tenants
  configured, if any; with none configured nothing is checked (the Emulator names no tenant).

A setting that cannot work is a `TeamsSetupError` at start (a catalog key), never a surprise
at the first message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.settings import Settings, SetupError

TENANT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class TeamsSetupError(SetupError):
    """The Teams settings cannot work (said at start, not at the first message)."""


@dataclass(frozen=True)
class BotConfig:
    """The attribute names botbuilder's configuration classes read."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str | None


def teams_configured(settings: Settings) -> bool:
    return bool(settings.microsoft_app_id)


def bot_config(settings: Settings) -> BotConfig:
    app_id = settings.microsoft_app_id or ""
    password = (
        settings.microsoft_app_password.get_secret_value()
        if settings.microsoft_app_password else ""
    )
    if not app_id:
        # Development only (`--dev`): botbuilder reads an empty MultiTenant id as "no auth".
        return BotConfig("", "", "MultiTenant", None)
    app_type = settings.microsoft_app_type
    if app_type != "MultiTenant" and not settings.microsoft_app_tenant_id:
        raise TeamsSetupError("teams.setup.tenant_required", app_type=app_type)
    if app_type != "UserAssignedMSI" and not password:
        raise TeamsSetupError("teams.setup.password_required")
    return BotConfig(app_id, password, app_type, settings.microsoft_app_tenant_id)


def _tenant(text: str, setting: str) -> str:
    tenant = text.strip().lower()
    if not TENANT_ID.match(tenant):
        # The setting's name only: a tenant id is no secret, but a typo may be anything.
        raise TeamsSetupError("teams.setup.bad_tenant_id", setting=setting)
    return tenant


def allowed_tenants(settings: Settings) -> frozenset[str]:
    """The tenants whose activities are served; empty only in development mode without one."""

    listed = frozenset(
        _tenant(part, "MICROSOFT_ALLOWED_TENANT_IDS")
        for part in (settings.microsoft_allowed_tenant_ids or "").split(",") if part.strip()
    )
    own = (
        frozenset({_tenant(settings.microsoft_app_tenant_id, "MICROSOFT_APP_TENANT_ID")})
        if settings.microsoft_app_tenant_id else frozenset()
    )
    if not teams_configured(settings):
        return own | listed
    app_type = settings.microsoft_app_type
    if app_type != "MultiTenant" and not own:
        raise TeamsSetupError("teams.setup.tenant_required", app_type=app_type)
    if app_type == "SingleTenant":
        if listed - own:
            raise TeamsSetupError("teams.setup.single_tenant_only")
        return own
    if app_type == "MultiTenant":
        if not listed:
            raise TeamsSetupError("teams.setup.tenants_required")
        return listed
    return own | listed
