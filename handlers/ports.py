"""What handlers need from the outside world, as small protocols.

`storage/` implements them with SQLAlchemy; tests may implement them in memory. Handlers never
build sessions: a door opens one `Store` per command, which is one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from domain.model import GroupInfo, GroupMembership, Person
from domain.schedule import GroupCalendar, Meeting, ScheduleChange


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


class CalendarRepository(Protocol):
    def group(self, group_id: str) -> GroupInfo | None: ...

    def groups(self) -> list[GroupInfo]: ...

    def group_for_channel(self, platform: str, channel_id: str) -> GroupInfo | None: ...

    def organisation_names(self) -> dict[str, str]: ...

    def person_names(self) -> dict[str, str]: ...

    def calendar(self, group_id: str) -> GroupCalendar | None: ...

    def changes(self, group_id: str) -> list[ScheduleChange]: ...

    def add_change(
        self, group_id: str, change: ScheduleChange, *, actor_id: str, reason: str
    ) -> None: ...

    def feed_token(self, group_id: str, actor_id: str | None) -> str: ...

    def revoke_feeds(self, group_id: str) -> int: ...

    def group_for_feed(self, token: str) -> str | None: ...

    def sequences(
        self, meetings: Sequence[Meeting], fingerprints: dict[str, str]
    ) -> dict[str, int]: ...


class Store(Protocol):
    """One unit of work: everything a command reads and writes, committed together."""

    @property
    def people(self) -> PeopleRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    @property
    def calendar(self) -> CalendarRepository: ...

    def rollback(self) -> None: ...
