"""Read models shared by storage (which fills them) and handlers (which use them)."""

from __future__ import annotations

from dataclasses import dataclass
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
    slack_channel: str | None = None
    teams_channel: str | None = None
    # The group this one reports to (`reports_to` in the configuration).
    reports_to: str | None = None
