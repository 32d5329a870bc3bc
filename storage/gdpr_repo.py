"""Data protection in the database: everything stored about one person, and disposal.

`extract` gathers the register extract (GDPR art. 15) as plain JSON-ready data: the person's
own rows, and of shared rows only what the person did. Other people are never named in it:
a version of the person's update made by someone else says `"by": "another person"`, a
change the person made to someone else's update carries no text (the text is the author's).

Disposal reads its rules from `disposal_rules` and lists candidates per kind with an SQL
prefilter on age; `domain.disposal.select` decides, and `dispose` deletes what it chose.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, tuple_
from sqlalchemy.orm import Session

from domain.disposal import Record, Rule
from storage import models as m
from storage.models_calendar import CalendarFeed, ScheduleChange
from storage.models_cycle import Absence as AbsenceRow
from storage.models_gdpr import DisposalRuleRow
from storage.models_reminders import OutboxDelivery
from storage.models_teams import ConversationReferenceRow
from storage.models_updates import Decision, NextStep, Update, UpdateVersion

CHUNK = 500


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(obj: Any, names: Iterable[str], **renamed: str) -> dict[str, Any]:
    out = {name: _json(getattr(obj, name)) for name in names}
    for shown, attribute in renamed.items():
        out[shown] = _json(getattr(obj, attribute))
    return out


class SqlRegister:
    def __init__(self, session: Session, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.clock = clock

    # --- the register extract ---------------------------------------------------------------

    def extract(self, person_id: str) -> dict[str, Any] | None:
        s = self.session
        person = s.get(m.Person, person_id)
        if person is None:
            return None
        organisation = s.get(m.Organisation, person.organisation_id)
        identities = list(s.scalars(
            select(m.PlatformIdentity).where(m.PlatformIdentity.person_id == person_id)
            .order_by(m.PlatformIdentity.platform, m.PlatformIdentity.user_id)
        ))
        group_names = {g.id: g.name for g in s.scalars(select(m.Group))}
        data: dict[str, Any] = {
            "person": {
                **_row(person, ("id", "name", "email", "language", "is_admin", "active",
                                "reminders_dm")),
                "organisation": {"id": person.organisation_id,
                                 "name": organisation.name if organisation else ""},
            },
            "chat_identities": [_row(i, ("platform", "user_id", "source")) for i in identities],
            "memberships": [
                {"group": r.group_id, "group_name": group_names.get(r.group_id, ""),
                 "role": r.role, "active": r.active}
                for r in s.scalars(select(m.Membership).where(m.Membership.person_id == person_id)
                                   .order_by(m.Membership.group_id))
            ],
            "representatives": [
                {"group": r.group_id, "organisation": r.organisation_id,
                 "as": "representative" if r.person_id == person_id else "stand_in",
                 "active": r.active}
                for r in s.scalars(select(m.Representative).where(or_(
                    m.Representative.person_id == person_id,
                    m.Representative.stand_in_id == person_id,
                )).order_by(m.Representative.group_id, m.Representative.organisation_id))
            ],
        }
        data["absences"] = [
            _row(a, ("start", "end", "created_at", "ended_at"))
            for a in s.scalars(select(AbsenceRow).where(AbsenceRow.person_id == person_id)
                               .order_by(AbsenceRow.start, AbsenceRow.id))
        ]
        data["updates"] = self._updates(person_id)
        data["changes_to_other_updates"] = [
            {"number": v.update_id, "version": v.version, "at": _json(v.at),
             "withdrawn": v.withdrawn}
            for v in s.scalars(
                select(UpdateVersion).join(Update, Update.id == UpdateVersion.update_id)
                .where(UpdateVersion.actor_id == person_id, Update.author_id != person_id)
                .order_by(UpdateVersion.update_id, UpdateVersion.version)
            )
        ]
        data["decisions"] = [
            _row(d, ("id", "uid", "group_id", "meeting_date", "meeting_id", "text",
                     "created_at"))
            for d in s.scalars(select(Decision).where(Decision.author_id == person_id)
                               .order_by(Decision.id))
        ]
        data["next_steps"] = [
            {**_row(n, ("id", "uid", "group_id", "meeting_date", "meeting_id", "text",
                        "responsible_org_id", "due_date", "status")),
             "recorded_by_you": n.author_id == person_id,
             "recorded_at": _json(n.created_at) if n.author_id == person_id else None,
             "closed_by_you": n.closed_by == person_id,
             "closed_at": _json(n.closed_at) if n.closed_by == person_id else None}
            for n in s.scalars(select(NextStep).where(or_(
                NextStep.author_id == person_id, NextStep.closed_by == person_id,
            )).order_by(NextStep.id))
        ]
        data["schedule_changes"] = [
            _row(c, ("id", "group_id", "kind", "meeting_id", "other_meeting_id",
                     "organisation_id", "term_id", "new_start", "reason", "created_at"))
            for c in s.scalars(select(ScheduleChange).where(ScheduleChange.created_by == person_id)
                               .order_by(ScheduleChange.id))
        ]
        # The feed's token is a credential for the whole group's calendar: never shown.
        data["calendar_links"] = [
            _row(f, ("group_id", "created_at", "revoked_at"))
            for f in s.scalars(select(CalendarFeed).where(CalendarFeed.created_by == person_id)
                               .order_by(CalendarFeed.created_at))
        ]
        data["reminders"] = [
            _row(o, ("rule", "group_id", "meeting_id", "meeting_start", "platform", "due_at",
                     "status", "attempts", "finished_at"))
            for o in s.scalars(select(OutboxDelivery)
                               .where(OutboxDelivery.recipient == f"person:{person_id}")
                               .order_by(OutboxDelivery.due_at, OutboxDelivery.id))
        ]
        teams_ids = [i.user_id for i in identities if i.platform == "teams"]
        data["conversation_references"] = [
            _row(r, ("kind", "key", "tenant_id", "service_url", "updated_at"))
            for r in s.scalars(select(ConversationReferenceRow).where(
                ConversationReferenceRow.kind == "personal",
                ConversationReferenceRow.key.in_(teams_ids),
            ))
        ] if teams_ids else []
        data["audit_entries"] = [
            _row(a, ("at", "action", "outcome", "detail"))
            for a in s.scalars(select(m.AuditLog).where(m.AuditLog.actor_id == person_id)
                               .order_by(m.AuditLog.id))
        ]
        return data

    def _updates(self, person_id: str) -> list[dict[str, Any]]:
        s = self.session
        updates = list(s.scalars(select(Update).where(Update.author_id == person_id)
                                 .order_by(Update.id)))
        versions: dict[int, list[UpdateVersion]] = {u.id: [] for u in updates}
        if updates:
            for v in s.scalars(select(UpdateVersion)
                               .where(UpdateVersion.update_id.in_(list(versions)))
                               .order_by(UpdateVersion.update_id, UpdateVersion.version)):
                versions[v.update_id].append(v)
        fields = ("status", "summary", "next_steps", "risks", "indicator_values", "withdrawn",
                  "withdrawn_reason")
        return [
            {**_row(u, ("id", "uid", "activity_code", "group_id", "created_at", "updated_at",
                        "version", *fields)),
             "history": [
                 {**_row(v, ("version", "at", "activity_code", *fields)),
                  "by": "you" if v.actor_id == person_id else "another person"}
                 for v in versions[u.id]
             ]}
            for u in updates
        ]

    # --- disposal ---------------------------------------------------------------------------

    def disposal_rules(self) -> list[Rule]:
        return [
            Rule(r.kind, r.after_months, r.reference)
            for r in self.session.scalars(
                select(DisposalRuleRow).where(DisposalRuleRow.active)
                .order_by(DisposalRuleRow.kind)
            )
        ]

    def disposal_candidates(self, kind: str, before: datetime) -> list[Record]:
        """Rows of `kind` older than `before`; `domain.disposal.select` decides which go."""

        s = self.session
        if kind == "delivered_reminders":
            rows = s.execute(
                select(OutboxDelivery.id, OutboxDelivery.status, OutboxDelivery.finished_at,
                       OutboxDelivery.claimed_at)
                .where(or_(OutboxDelivery.finished_at < before,
                           and_(OutboxDelivery.finished_at.is_(None),
                                OutboxDelivery.claimed_at < before)))
            ).all()
            return [Record(kind, str(i), finished or claimed, status=status)
                    for i, status, finished, claimed in rows]
        if kind == "audit_entries":
            return [
                Record(kind, str(i), at, action=action)
                for i, at, action in s.execute(
                    select(m.AuditLog.id, m.AuditLog.at, m.AuditLog.action)
                    .where(m.AuditLog.at < before)
                )
            ]
        if kind == "processed_deliveries":
            return [
                Record(kind, f"{platform}:{delivery}", at)
                for platform, delivery, at in s.execute(
                    select(m.ProcessedDelivery.platform, m.ProcessedDelivery.delivery_id,
                           m.ProcessedDelivery.at).where(m.ProcessedDelivery.at < before)
                )
            ]
        return []

    def dispose(self, kind: str, keys: Iterable[str]) -> int:
        keys = list(keys)
        removed = 0
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start:start + CHUNK]
            if kind == "delivered_reminders":
                statement = delete(OutboxDelivery).where(
                    OutboxDelivery.id.in_([int(k) for k in chunk]))
            elif kind == "audit_entries":
                statement = delete(m.AuditLog).where(m.AuditLog.id.in_([int(k) for k in chunk]))
            elif kind == "processed_deliveries":
                pairs = [tuple(k.split(":", 1)) for k in chunk]
                statement = delete(m.ProcessedDelivery).where(
                    tuple_(m.ProcessedDelivery.platform, m.ProcessedDelivery.delivery_id)
                    .in_(pairs))
            else:
                raise ValueError(f"no disposal for {kind!r}")
            result = self.session.execute(statement)
            removed += int(result.rowcount or 0)  # type: ignore[attr-defined]
        return removed
