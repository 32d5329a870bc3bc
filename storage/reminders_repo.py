"""What the reminder planner reads: rules, members, who reported, chat identities, the outbox."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, time

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from domain.reminders import ReminderRules
from storage import models as m
from storage.models_reminders import OutboxDelivery
from storage.models_updates import Update


class SqlReminders:
    def __init__(self, session: Session, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.clock = clock

    def rules(self, group_id: str) -> dict[str, ReminderRules]:
        rows = self.session.scalars(
            select(m.MeetingSeries).where(
                m.MeetingSeries.group_id == group_id, m.MeetingSeries.active
            )
        )
        out: dict[str, ReminderRules] = {}
        for row in rows:
            raw = dict(row.reminders or {})
            if isinstance(raw.get("send_at"), str):
                raw["send_at"] = time.fromisoformat(raw["send_at"])
            out[row.id] = ReminderRules(**raw)
        return out

    def members(self, group_id: str) -> list[tuple[str, bool]]:
        rows = self.session.execute(
            select(m.Person.id, m.Person.reminders_dm)
            .join(m.Membership, m.Membership.person_id == m.Person.id)
            .where(m.Membership.group_id == group_id, m.Membership.active, m.Person.active)
            .order_by(m.Person.id)
        )
        return [(person_id, bool(dm)) for person_id, dm in rows]

    def platforms_of(self, person_id: str) -> dict[str, str]:
        rows = self.session.execute(
            select(m.PlatformIdentity.platform, m.PlatformIdentity.user_id).where(
                m.PlatformIdentity.person_id == person_id
            )
        )
        return {platform: user_id for platform, user_id in rows}

    def reported_since(self, group_id: str, since: datetime | None) -> frozenset[str]:
        """Members with a (not withdrawn) update for the group written or changed since then."""

        query = select(Update.author_id).where(
            Update.group_id == group_id, Update.withdrawn.is_(False)
        )
        if since is not None:
            query = query.where(or_(Update.created_at >= since, Update.updated_at >= since))
        return frozenset(self.session.scalars(query.distinct()))

    def claims(self, keys: Sequence[str]) -> dict[str, tuple[str, datetime]]:
        """Of these delivery keys, those in the outbox: who claimed each, and when."""

        found: dict[str, tuple[str, datetime]] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            rows = self.session.execute(
                select(OutboxDelivery.key, OutboxDelivery.claimed_by, OutboxDelivery.claimed_at)
                .where(OutboxDelivery.key.in_(chunk))
            )
            found.update((key, (claimed_by, claimed_at)) for key, claimed_by, claimed_at in rows)
        return found

    def log(self, since: datetime | None = None) -> list[OutboxDelivery]:
        query = select(OutboxDelivery).order_by(OutboxDelivery.due_at, OutboxDelivery.id)
        if since is not None:
            query = query.where(OutboxDelivery.due_at >= since)
        return list(self.session.scalars(query))
