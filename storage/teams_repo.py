"""Conversation references for Teams: saved on every install and message, read to send."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models_teams import ConversationReferenceRow


@dataclass(frozen=True)
class StoredReference:
    kind: str
    key: str
    reference: dict[str, Any]
    service_url: str
    tenant_id: str | None
    updated_at: datetime


def _stored(row: ConversationReferenceRow) -> StoredReference:
    return StoredReference(
        row.kind, row.key, dict(row.reference), row.service_url, row.tenant_id, row.updated_at
    )


class SqlTeamsReferences:
    def __init__(self, session: Session, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.clock = clock

    def save(
        self,
        kind: str,
        key: str,
        reference: dict[str, Any],
        service_url: str,
        tenant_id: str | None,
    ) -> bool:
        """Inserts or refreshes one place; False when nothing changed (no write at all).

        Every tenant's other places get the new service URL too: Teams moves a tenant, not a
        conversation, and a reminder must not go to the old address.
        """

        now = self.clock()
        if tenant_id:
            self.session.execute(
                update(ConversationReferenceRow)
                .where(
                    ConversationReferenceRow.tenant_id == tenant_id,
                    ConversationReferenceRow.service_url != service_url,
                )
                .values(service_url=service_url, updated_at=now)
                .execution_options(synchronize_session=False)
            )
        row = self.session.get(ConversationReferenceRow, (kind, key))
        if row is not None:
            if (row.reference, row.service_url, row.tenant_id) == (
                reference, service_url, tenant_id
            ):
                return False
            row.reference, row.service_url, row.tenant_id = reference, service_url, tenant_id
            row.updated_at = now
            return True
        try:
            with self.session.begin_nested():
                self.session.add(
                    ConversationReferenceRow(
                        kind=kind, key=key, reference=reference, service_url=service_url,
                        tenant_id=tenant_id, updated_at=now,
                    )
                )
        except IntegrityError:
            # Another turn stored the same place a moment ago: take ours, it is as new.
            self.session.execute(
                update(ConversationReferenceRow)
                .where(ConversationReferenceRow.kind == kind, ConversationReferenceRow.key == key)
                .values(reference=reference, service_url=service_url, tenant_id=tenant_id,
                        updated_at=now)
            )
        return True

    def get(self, kind: str, key: str) -> StoredReference | None:
        row = self.session.get(ConversationReferenceRow, (kind, key))
        return _stored(row) if row is not None else None

    def latest(self, tenant_id: str | None = None) -> StoredReference | None:
        """The most recently refreshed place (of the tenant): its service URL and bot account
        open conversations the bot was never spoken to in."""

        query = select(ConversationReferenceRow).order_by(
            ConversationReferenceRow.updated_at.desc(), ConversationReferenceRow.key
        )
        if tenant_id:
            query = query.where(ConversationReferenceRow.tenant_id == tenant_id)
        row = self.session.scalars(query.limit(1)).first()
        return _stored(row) if row is not None else None

    def forget(self, kind: str, key: str) -> None:
        self.session.execute(
            delete(ConversationReferenceRow).where(
                ConversationReferenceRow.kind == kind, ConversationReferenceRow.key == key
            )
        )

    def all(self) -> list[StoredReference]:
        rows = self.session.scalars(
            select(ConversationReferenceRow).order_by(
                ConversationReferenceRow.kind, ConversationReferenceRow.key
            )
        )
        return [_stored(row) for row in rows]
