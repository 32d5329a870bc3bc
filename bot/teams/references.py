"""Conversation references: kept in the database so that reminders survive restarts.

Each install, each "bot added" and each message refreshes the reference of its place (the
channel, the person's 1:1 chat, the group chat), with the service URL Teams used last. A stored
reference holds ids only (conversation, tenant, bot, for a 1:1 chat the person's ids): names
are left out, nothing a person wrote is in it. The blocking database calls run in a worker
thread (`asyncio.to_thread` in the door), never on the event loop.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
)

from storage.repositories import StoreFactory
from storage.teams_repo import StoredReference

Place = tuple[str, str]


def _channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    return data if isinstance(data, dict) else {}


def tenant_of(activity: Activity) -> str | None:
    tenant = activity.conversation.tenant_id if activity.conversation else None
    if not tenant:
        tenant = (_channel_data(activity).get("tenant") or {}).get("id")
    return str(tenant) if tenant else None


def channel_of(activity: Activity) -> str | None:
    """The Teams channel id (`19:…@thread.tacv2`), without the thread's `;messageid=`."""

    data = _channel_data(activity)
    channel = (data.get("channel") or {}).get("id") or (data.get("team") or {}).get("id")
    if channel:
        return str(channel)
    conversation = activity.conversation
    if conversation is not None and conversation.conversation_type == "channel":
        return str(conversation.id).split(";", 1)[0]
    return None


def user_of(activity: Activity) -> str:
    """Who wrote: the AAD object id (stable, as configured), else the Teams user id."""

    account = activity.from_property
    if account is None:
        return ""
    return str(account.aad_object_id or account.id or "")


def conversation_type(activity: Activity) -> str:
    conversation = activity.conversation
    kind = conversation.conversation_type if conversation is not None else None
    if kind:
        return str(kind)
    return "channel" if channel_of(activity) else "personal"


def place_of(activity: Activity) -> Place | None:
    kind = conversation_type(activity)
    if kind == "personal":
        user = user_of(activity)
        return ("personal", user) if user else None
    if kind == "channel":
        channel = channel_of(activity)
        return ("channel", channel) if channel else None
    conversation = activity.conversation
    return ("chat", str(conversation.id)) if conversation is not None else None


def reference_of(activity: Activity, place: Place) -> dict[str, Any]:
    """The activity's reference for proactive messages: new posts, not replies; ids only."""

    kind, key = place
    reference = TurnContext.get_conversation_reference(activity)
    reference.activity_id = None
    conversation = activity.conversation
    reference.conversation = ConversationAccount(
        id=key if kind == "channel" else conversation.id,
        conversation_type=conversation_type(activity),
        tenant_id=tenant_of(activity),
        is_group=kind != "personal",
    )
    reference.bot = ChannelAccount(id=activity.recipient.id if activity.recipient else None)
    user = activity.from_property
    reference.user = (
        ChannelAccount(id=user.id, aad_object_id=user.aad_object_id)
        if kind == "personal" and user is not None else None
    )
    reference.locale = None
    serialised: dict[str, Any] = reference.serialize()
    return serialised


def loaded(stored: StoredReference) -> ConversationReference:
    reference: ConversationReference = ConversationReference.deserialize(stored.reference)
    reference.service_url = stored.service_url
    return reference


class References:
    """The door's and the messenger's way to the `conversation_references` table."""

    def __init__(self, stores: StoreFactory) -> None:
        self.stores = stores

    def remember(self, activity: Activity) -> Place | None:
        place = place_of(activity)
        if place is None or not activity.service_url:
            return None
        reference = reference_of(activity, place)
        with self.stores() as store:
            store.teams.save(*place, reference, activity.service_url, tenant_of(activity))
        return place

    def save(self, place: Place, reference: ConversationReference) -> None:
        tenant = reference.conversation.tenant_id if reference.conversation else None
        with self.stores() as store:
            store.teams.save(*place, reference.serialize(), reference.service_url, tenant)

    def forget(self, activity: Activity) -> None:
        place = place_of(activity)
        if place is not None:
            with self.stores() as store:
                store.teams.forget(*place)

    def get(self, kind: str, key: str) -> ConversationReference | None:
        with self.stores() as store:
            stored = store.teams.get(kind, key)
        return loaded(stored) if stored is not None else None

    def latest(self, tenant_id: str | None = None) -> ConversationReference | None:
        with self.stores() as store:
            stored = store.teams.latest(tenant_id) or (
                store.teams.latest() if tenant_id else None
            )
        return loaded(stored) if stored is not None else None
