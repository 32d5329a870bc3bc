"""The tenant gate: an activity is served only when it comes from a tenant the bot serves.

A valid Bot Framework token says that Microsoft sent the activity to this bot, not from which
organisation: a SingleTenant app registration does not stop another tenant's users from
reaching the bot (an app uploaded there, a message from a guest's home tenant). So every
activity, whatever its type, is checked before the bot sees it: the tenant Teams names in
the conversation (`conversation.tenantId`) and in the channel data (`channelData.tenant.id`)
must agree, at least one must be given, and it must be one of the allowed tenants
(`bot.teams.setup.allowed_tenants`). A refused activity is answered 403 and nothing of it is
read further: no answer, no member lookup, no stored reference, no identity learned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botbuilder.schema import Activity


def _text(value: Any) -> str | None:
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def conversation_tenant(activity: Activity) -> str | None:
    """`conversation.tenantId`. Teams writes `tenantId`; botbuilder's schema reads only
    `tenantID`, and keeps Teams' spelling among the conversation's additional properties."""

    conversation = activity.conversation
    if conversation is None:
        return None
    extra = conversation.additional_properties or {}
    return _text(conversation.tenant_id) or _text(extra.get("tenantId"))


def channel_data_tenant(activity: Activity) -> str | None:
    """`channelData.tenant.id`."""

    data = activity.channel_data
    tenant = data.get("tenant") if isinstance(data, dict) else None
    return _text(tenant.get("id")) if isinstance(tenant, dict) else None


def named_tenants(activity: Activity) -> set[str]:
    """The tenant ids the activity names, in either place (lower case)."""

    return {t for t in (conversation_tenant(activity), channel_data_tenant(activity)) if t}


@dataclass(frozen=True)
class TenantGate:
    """`allowed` empty: nothing is checked (development mode with no tenant configured)."""

    allowed: frozenset[str]

    @property
    def checks(self) -> bool:
        return bool(self.allowed)

    def refusal(self, activity: Activity) -> str | None:
        """Why the activity is refused (a code safe to log), or None when it may be served."""

        if not self.allowed:
            return None
        named = named_tenants(activity)
        if not named:
            return "tenant_missing"
        if len(named) > 1:
            return "tenant_mismatch"
        if not named <= self.allowed:
            return "tenant_not_allowed"
        return None
