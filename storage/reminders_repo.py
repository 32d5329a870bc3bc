"""What the reminder planner reads: rules, members, who reported, chat identities.

The outbox itself is `storage/outbox_repo.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from domain.reminders import ReminderRules
from storage import models as m
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
