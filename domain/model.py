"""Read models shared by storage (which fills them) and handlers (which use them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Role = Literal["member", "chef"]


@dataclass(frozen=True)
class Organisation:
    id: str
    name: str
    short_name: str


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    organisation: Organisation
    email: str
    language: str
    is_admin: bool
    active: bool = True
    reminders_dm: bool = True


IdentitySource = Literal["config", "learned"]


@dataclass(frozen=True)
class ChatIdentity:
    """A person's id on a chat platform: from the configuration, or learned once by e-mail."""

    person_id: str
    platform: str
    user_id: str
    source: IdentitySource


@dataclass(frozen=True)
class GroupMembership:
    group_id: str
    group_name: str
    role: Role


@dataclass(frozen=True)
class AuditEntry:
    at: str
    actor_id: str | None
    action: str
    outcome: Literal["ok", "denied", "invalid"]
    detail: str


@dataclass(frozen=True)
class GroupInfo:
    id: str
    name: str
    short_name: str
    # The group's channel on each door that has one: door name → the platform's channel id.
    channels: Mapping[str, str] = field(default_factory=dict, hash=False)
