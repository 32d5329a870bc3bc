"""Microsoft Teams: where the bot may write proactively (conversation references).

Teams gives a bot a conversation reference (service URL, conversation, tenant, bot account)
when it is installed, added to a team or spoken to; a proactive message (a reminder) needs
one. botbuilder's samples keep them in a dict and lose them on restart: here they live in the
database, one row per place, with the latest service URL Teams used for the tenant.

Keys: a channel's id (`19:…@thread.tacv2`) for `channel`, a person's AAD object id for
`personal`, the conversation id for a group chat (`chat`). The reference holds ids only:
names are dropped before it is stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base

REFERENCE_KINDS = ("channel", "personal", "chat")


class ConversationReferenceRow(Base):
    __tablename__ = "conversation_references"
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    # The botbuilder ConversationReference, serialised (camelCase JSON), without names.
    reference: Mapped[dict[str, Any]] = mapped_column()
    # The latest service URL for this place; Teams may move a tenant to another one.
    service_url: Mapped[str] = mapped_column(String(500))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column()

    __table_args__ = (
        Index("ix_conversation_references_tenant_updated", "tenant_id", "updated_at"),
    )
