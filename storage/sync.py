"""Configuration as code → database, in one transaction, reporting what changed.

A second sync of the same file changes nothing. What disappeared from the file is deactivated,
never deleted: updates, notes and reminders already stored keep their references.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from domain.config import Config
from storage import models as m
from storage import models_followup as mf
from storage.models_gdpr import DisposalRuleRow

KINDS = (
    "organisations", "people", "groups", "memberships", "representatives", "terms", "series",
    "goal_areas", "activities", "indicators", "milestones", "budget_lines", "disposal_rules",
)


@dataclass
class Changes:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.created or self.updated or self.deactivated)


@dataclass
class SyncReport:
    changes: dict[str, Changes] = field(default_factory=lambda: {k: Changes() for k in KINDS})

    @property
    def changed(self) -> bool:
        return any(self.changes.values())

    def as_dict(self) -> dict[str, dict[str, list[str]]]:
        return {
            kind: {"created": c.created, "updated": c.updated, "deactivated": c.deactivated}
            for kind, c in self.changes.items()
        }


def _label(key: Hashable) -> str:
    return "/".join(map(str, key)) if isinstance(key, tuple) else str(key)


def _sync_rows(
    session: Session,
    model: type[m.Base],
    key_of: Any,
    desired: Mapping[Hashable, dict[str, Any]],
    changes: Changes,
) -> None:
    existing = {key_of(row): row for row in session.scalars(select(model))}
    for key, values in desired.items():
        row = existing.get(key)
        if row is None:
            session.add(model(**values, active=True))
            changes.created.append(_label(key))
            continue
        differs = [name for name, value in values.items() if getattr(row, name) != value]
        if differs or not row.active:  # type: ignore[attr-defined]
            for name in differs:
                setattr(row, name, values[name])
            row.active = True  # type: ignore[attr-defined]
            changes.updated.append(_label(key))
    for key, row in existing.items():
        if key not in desired and row.active:  # type: ignore[attr-defined]
            row.active = False  # type: ignore[attr-defined]
            changes.deactivated.append(_label(key))


def sync_config(session: Session, config: Config) -> SyncReport:
    report = SyncReport()
    c = report.changes
    admins = set(config.administrators)

    _sync_rows(session, m.Organisation, lambda r: r.id, {
        o.id: {"id": o.id, "name": o.name, "short_name": o.short_name}
        for o in config.organisations
    }, c["organisations"])
    _sync_rows(session, m.Person, lambda r: r.id, {
        p.id: {
            "id": p.id, "name": p.name, "organisation_id": p.organisation,
            "email": p.email.lower(), "language": p.language, "is_admin": p.id in admins,
        }
        for p in config.people
    }, c["people"])
    session.flush()
    _sync_identities(session, config)

    _sync_rows(session, m.Group, lambda r: r.id, {
        g.id: {
            "id": g.id, "name": g.name, "short_name": g.short_name,
            "slack_channel": g.channels.slack, "teams_channel": g.channels.teams,
            "rotation_per": g.rotation.per if g.rotation else None,
            "rotation_order": list(g.rotation.order) if g.rotation else [],
            "reports_to": g.reports_to,
        }
        for g in config.groups
    }, c["groups"])
    session.flush()
    _sync_rows(session, m.Membership, lambda r: (r.group_id, r.person_id), {
        (g.id, mem.person): {"group_id": g.id, "person_id": mem.person, "role": mem.role}
        for g in config.groups for mem in g.members
    }, c["memberships"])
    _sync_rows(session, m.Representative, lambda r: (r.group_id, r.organisation_id), {
        (g.id, rep.organisation): {
            "group_id": g.id, "organisation_id": rep.organisation,
            "person_id": rep.person, "stand_in_id": rep.stand_in,
        }
        for g in config.groups if g.rotation for rep in g.rotation.representatives
    }, c["representatives"])
    _sync_rows(session, m.Term, lambda r: r.id, {
        t.id: {
            "id": t.id, "kind": t.kind, "start": t.start, "end": t.end,
            "breaks": [
                {"name": b.name, "start": b.start.isoformat(), "end": b.end.isoformat()}
                for b in t.breaks
            ],
        }
        for t in config.terms
    }, c["terms"])
    _sync_rows(session, m.MeetingSeries, lambda r: r.id, {
        s.id: {
            "id": s.id, "group_id": g.id, "name": s.name, "rrule": s.rrule,
            "dtstart": s.dtstart, "until": s.until, "dates": [d.isoformat() for d in s.dates],
            "start_time": s.start_time, "duration_minutes": s.duration_minutes,
            "location": s.location, "on_non_working_day": s.on_non_working_day,
            "reminders": s.reminders.model_dump(mode="json"),
        }
        for g in config.groups for s in g.series
    }, c["series"])

    plan = config.plan
    _sync_rows(session, m.GoalArea, lambda r: r.code, {
        a.code: {"code": a.code, "title": a.title, "position": i}
        for i, a in enumerate(plan.goal_areas)
    }, c["goal_areas"])
    session.flush()
    _sync_rows(session, m.Activity, lambda r: r.code, {
        a.code: {
            "code": a.code, "title": a.title, "goal_area_code": a.goal_area,
            "group_id": a.group, "owners": list(a.owners), "position": i,
            "budget_tkr": a.budget_tkr, "funding": a.funding,
        }
        for i, a in enumerate(plan.activities)
    }, c["activities"])
    session.flush()
    _sync_rows(session, m.Indicator, lambda r: (r.activity_code, r.id), {
        (a.code, ind.id): {
            "activity_code": a.code, "id": ind.id, "name": ind.name, "unit": ind.unit,
            "baseline": ind.baseline, "target": ind.target, "position": i,
        }
        for a in plan.activities for i, ind in enumerate(a.indicators)
    }, c["indicators"])
    # A milestone's done_at / done_by are set in chat, not here: a sync keeps them.
    _sync_rows(session, mf.Milestone, lambda r: r.id, {
        ms.id: {
            "id": ms.id, "title": ms.title, "due": ms.due, "activity_code": ms.activity,
            "goal_area_code": ms.goal_area, "owners": list(ms.owners),
            "remind_days_before": ms.remind_days_before, "position": i,
        }
        for i, ms in enumerate(plan.milestones)
    }, c["milestones"])
    _sync_rows(session, mf.BudgetLine, lambda r: r.id, {
        line.id: {
            "id": line.id, "title": line.title, "budget_tkr": line.budget_tkr,
            "funding": line.funding, "activity_code": line.activity,
            "goal_area_code": line.goal_area, "note": line.note, "position": i,
        }
        for i, line in enumerate(plan.budget)
    }, c["budget_lines"])
    _sync_rows(session, DisposalRuleRow, lambda r: r.kind, {
        rule.kind: {"kind": rule.kind, "after_months": rule.after_months,
                    "reference": rule.reference}
        for rule in config.disposal
    }, c["disposal_rules"])
    session.flush()
    return report


def _sync_identities(session: Session, config: Config) -> None:
    """Chat identities from the file replace earlier configured ones. A learned one stays while
    its person has no id configured on its platform; once the file gives one, the learned one
    goes (the file is the truth), and an id the file names is the file's, whoever learned it."""

    desired = {
        (platform, user_id): person.id
        for person in config.people
        for platform, user_id in (
            ("slack", person.slack_user_id), ("teams", person.teams_aad_object_id),
        )
        if user_id
    }
    existing = {
        (row.platform, row.user_id): row
        for row in session.scalars(select(m.PlatformIdentity))
    }
    for key, row in existing.items():
        if row.source == "config" and key not in desired:
            session.execute(
                delete(m.PlatformIdentity).where(
                    m.PlatformIdentity.platform == key[0], m.PlatformIdentity.user_id == key[1]
                )
            )
    configured = {(person_id, platform) for (platform, _), person_id in desired.items()}
    for key, row in existing.items():
        if row.source != "config" and key not in desired and (
            (row.person_id, row.platform) in configured
        ):
            # A learned id stands in only while the person has none configured there.
            session.delete(row)
    for (platform, user_id), person_id in desired.items():
        current = existing.get((platform, user_id))
        if current is None:
            session.add(m.PlatformIdentity(
                platform=platform, user_id=user_id, person_id=person_id, source="config"
            ))
        elif current.person_id != person_id or current.source != "config":
            current.person_id, current.source = person_id, "config"
