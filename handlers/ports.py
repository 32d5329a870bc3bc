"""What handlers need from the outside world, as small protocols.

`storage/` implements them with SQLAlchemy; tests may implement them in memory. Handlers never
build sessions: a door opens one `Store` per command, which is one transaction.
"""

from __future__ import annotations

from typing import Literal, Protocol

from domain.model import GroupMembership, Person


class PeopleRepository(Protocol):
    def get(self, person_id: str) -> Person | None: ...

    def find_by_platform(self, platform: str, user_id: str) -> Person | None: ...

    def find_by_email(self, email: str) -> Person | None: ...

    def link_platform(self, person_id: str, platform: str, user_id: str) -> None: ...

    def memberships(self, person_id: str) -> list[GroupMembership]: ...


class AuditRepository(Protocol):
    def record(
        self,
        actor_id: str | None,
        action: str,
        outcome: Literal["ok", "denied", "invalid"],
        detail: str = "",
    ) -> None: ...


class Store(Protocol):
    """One unit of work: everything a command reads and writes, committed together."""

    @property
    def people(self) -> PeopleRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    def rollback(self) -> None: ...
