"""Conversation references: kept in the database so that reminders survive restarts.

Each install, each "bot added" and each message refreshes the reference of its place (the
channel, the person's 1:1 chat, the group chat), with the service URL Teams used last. Which
place an activity is in (`conversation_type`, `place_of`) follows what Teams says, and only
a conversation Teams marks as 1:1 is ever kept as a person's personal chat. A stored
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

from bot.teams.tenants import channel_data_tenant, conversation_tenant
from storage.repositories import StoreFactory
from storage.teams_repo import StoredReference

Place = tuple[str, str]


def _channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    return data if isinstance(data, dict) else {}


def tenant_of(activity: Activity) -> str | None:
    """The activity's tenant (the door has checked that both places Teams names it agree)."""

    return conversation_tenant(activity) or channel_data_tenant(activity)


def channel_of(activity: Activity) -> str | None:
    """The Teams channel id (`19:…@thread.tacv2`), without the thread's `;messageid=`."""

    data = _channel_data(activity)
    channel = (data.get("channel") or {}).get("id") or (data.get("team") or {}).get("id")
    if channel:
        return str(channel)
    conversation = activity.conversation
    if conversation is not None and conversation.id and (
        conversation.conversation_type == "channel" or ";messageid=" in str(conversation.id)
    ):
        return str(conversation.id).split(";", 1)[0]
    return None


def user_of(activity: Activity) -> str:
    """Who wrote: the AAD object id (stable, as configured), else the Teams user id."""

    account = activity.from_property
    if account is None:
        return ""
    return str(account.aad_object_id or account.id or "")


def _is_group(activity: Activity) -> bool:
    conversation = activity.conversation
    return bool(conversation is not None and conversation.is_group)


def names_channel(activity: Activity) -> bool:
    """Whether the activity says it is in a team's channel: its channel data names a channel
    or a team, or its conversation id is a channel thread's (`…;messageid=…`)."""

    data = _channel_data(activity)
    if (data.get("channel") or {}).get("id") or (data.get("team") or {}).get("id"):
        return True
    conversation = activity.conversation
    return conversation is not None and ";messageid=" in str(conversation.id or "")


def conversation_type(activity: Activity) -> str:
    """`personal`, `channel` or `groupChat`: personal only when the platform says so.

    Teams' `conversationType` is missing from some activities (older clients, some channel
    messages and installs), so a missing one is not taken for personal: a conversation is
    personal when `conversationType` is `personal`, or when it is missing and the conversation
    has the `a:` id of a 1:1 chat (or is the Emulator's, which has only 1:1 chats), with no
    `isGroup: true` and no channel or team in the channel data. Everything else is a group
    conversation: a channel when it names one, a group chat otherwise. What is personal gets
    answers about one person; a group conversation never does.
    """

    conversation = activity.conversation
    kind = str(conversation.conversation_type or "") if conversation is not None else ""
    grouped = _is_group(activity) or names_channel(activity)
    if kind == "personal" and not grouped:
        return "personal"
    if not kind and not grouped and conversation is not None:
        conversation_id = str(conversation.id or "")
        if conversation_id.startswith("a:") or activity.channel_id == "emulator":
            return "personal"
    if kind == "channel" or names_channel(activity):
        return "channel"
    return "groupChat"


def is_personal(reference: ConversationReference) -> bool:
    """Whether a stored "personal" reference is a 1:1 chat: rows stored before the rule above
    may hold a channel thread or a group chat (a `19:…@thread…` id) marked personal."""

    conversation = reference.conversation
    if conversation is None or conversation.is_group:
        return False
    if conversation.conversation_type not in (None, "", "personal"):
        return False
    conversation_id = str(conversation.id or "")
    return bool(conversation_id) and not conversation_id.startswith("19:") and (
        ";messageid=" not in conversation_id)


def place_of(activity: Activity) -> Place | None:
    kind = conversation_type(activity)
    if kind == "personal":
        user = user_of(activity)
        return ("personal", user) if user else None
    if kind == "channel":
        channel = channel_of(activity)
        return ("channel", channel) if channel else None
    conversation = activity.conversation
    return ("chat", str(conversation.id)) if conversation is not None and conversation.id else None


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
        """The place's reference. A "personal" one that is not a 1:1 chat (a group conversation
        stored as someone's before `conversation_type` knew better) is no personal reference:
        None, so that the chat is opened afresh rather than a channel written to."""

        with self.stores() as store:
            stored = store.teams.get(kind, key)
        if stored is None:
            return None
        reference = loaded(stored)
        if kind == "personal" and not is_personal(reference):
            return None
        return reference

    def latest(self, tenant_id: str | None = None) -> ConversationReference | None:
        with self.stores() as store:
            stored = store.teams.latest(tenant_id) or (
                store.teams.latest() if tenant_id else None
            )
        return loaded(stored) if stored is not None else None
