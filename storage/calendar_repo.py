"""The calendar's reads and writes: group calendars, schedule changes, feed links, revisions."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain import config as cfg
from domain.model import GroupInfo
from domain.schedule import GroupCalendar, Meeting, ScheduleChange, group_calendar
from storage import models as m
from storage import models_calendar as mc


def _group_info(row: m.Group) -> GroupInfo:
    return GroupInfo(
        id=row.id,
        name=row.name,
        short_name=row.short_name or row.name,
        channels=row.channels(),
    )


def _change(row: mc.ScheduleChange) -> ScheduleChange:
    return ScheduleChange(
        kind=row.kind,  # type: ignore[arg-type]
        meeting=row.meeting_id,
        other_meeting=row.other_meeting_id,
        organisation=row.organisation_id,
        term_id=row.term_id,
        new_start=row.new_start,
    )


class SqlCalendar:
    def __init__(self, session: Session, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.clock = clock

    # -- groups -------------------------------------------------------------------------------

    def group(self, group_id: str) -> GroupInfo | None:
        row = self.session.get(m.Group, group_id)
        return _group_info(row) if row is not None and row.active else None

    def groups(self) -> list[GroupInfo]:
        rows = self.session.scalars(select(m.Group).where(m.Group.active).order_by(m.Group.id))
        return [_group_info(row) for row in rows]

    def group_for_channel(self, platform: str, channel_id: str) -> GroupInfo | None:
        column_name = m.Group.CHANNEL_COLUMNS.get(platform)
        if column_name is None:
            return None
        column = getattr(m.Group, column_name)
        row = self.session.scalars(
            select(m.Group).where(column == channel_id, m.Group.active)
        ).first()
        return _group_info(row) if row is not None else None

    def organisation_names(self) -> dict[str, str]:
        rows = self.session.execute(select(m.Organisation.id, m.Organisation.short_name))
        return {org_id: short for org_id, short in rows.all()}

    def person_names(self) -> dict[str, str]:
        rows = self.session.execute(select(m.Person.id, m.Person.name))
        return {person_id: name for person_id, name in rows.all()}

    # -- the calendar -------------------------------------------------------------------------

    def calendar(self, group_id: str) -> GroupCalendar | None:
        """Rebuilds the group's configuration from its rows and translates it the one way."""

        group = self.session.get(m.Group, group_id)
        if group is None:
            return None
        series = self.session.scalars(
            select(m.MeetingSeries)
            .where(m.MeetingSeries.group_id == group_id, m.MeetingSeries.active)
            .order_by(m.MeetingSeries.id)
        ).all()
        representatives = self.session.scalars(
            select(m.Representative).where(
                m.Representative.group_id == group_id, m.Representative.active
            )
        ).all()
        terms = self.session.scalars(select(m.Term).where(m.Term.active)).all()
        rotation = None
        if group.rotation_per and group.rotation_order:
            rotation = cfg.Rotation(
                per=group.rotation_per,  # type: ignore[arg-type]
                order=tuple(group.rotation_order),
                representatives=tuple(
                    cfg.Representative(
                        organisation=r.organisation_id, person=r.person_id, stand_in=r.stand_in_id
                    )
                    for r in representatives
                ),
            )
        config_group = cfg.Group(
            id=group.id,
            name=group.name,
            series=tuple(
                cfg.MeetingSeries(
                    id=s.id,
                    name=s.name,
                    rrule=s.rrule,
                    dtstart=s.dtstart,
                    until=s.until,
                    dates=tuple(s.dates),
                    start_time=s.start_time,
                    duration_minutes=s.duration_minutes,
                    location=s.location,
                    on_non_working_day=s.on_non_working_day,  # type: ignore[arg-type]
                    reminders=cfg.ReminderRules.model_validate(s.reminders or {}),
                )
                for s in series
            ),
            rotation=rotation,
        )
        config_terms = [
            cfg.Term(
                id=t.id,
                kind=t.kind,  # type: ignore[arg-type]
                start=t.start,
                end=t.end,
                breaks=tuple(cfg.Break.model_validate(b) for b in t.breaks),
            )
            for t in terms
        ]
        return group_calendar(config_group, config_terms)

    def changes(self, group_id: str, *, before: int | None = None) -> list[ScheduleChange]:
        """The group's changes in the order made; `before`: only those made before that one."""

        query = select(mc.ScheduleChange).where(mc.ScheduleChange.group_id == group_id)
        if before is not None:
            query = query.where(mc.ScheduleChange.id < before)
        return [_change(row) for row in self.session.scalars(query.order_by(mc.ScheduleChange.id))]

    def change(self, change_id: int) -> tuple[str, ScheduleChange, str] | None:
        """One change: its group, the change and the reason given."""

        row = self.session.get(mc.ScheduleChange, change_id)
        return (row.group_id, _change(row), row.reason) if row is not None else None

    def add_change(
        self, group_id: str, change: ScheduleChange, *, actor_id: str, reason: str
    ) -> int:
        row = mc.ScheduleChange(
            group_id=group_id,
            kind=change.kind,
            meeting_id=change.meeting,
            other_meeting_id=change.other_meeting,
            organisation_id=change.organisation,
            term_id=change.term_id,
            new_start=change.new_start,
            reason=reason,
            created_by=actor_id,
            created_at=self.clock(),
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    # -- feed links and revisions -----------------------------------------------------------

    def feed_token(self, group_id: str, actor_id: str | None) -> str:
        row = self.session.scalars(
            select(mc.CalendarFeed).where(
                mc.CalendarFeed.group_id == group_id, mc.CalendarFeed.revoked_at.is_(None)
            )
        ).first()
        if row is not None:
            return row.token
        token = secrets.token_urlsafe(24)
        self.session.add(
            mc.CalendarFeed(
                token=token, group_id=group_id, created_by=actor_id, created_at=self.clock()
            )
        )
        self.session.flush()
        return token

    def revoke_feeds(self, group_id: str) -> int:
        rows = self.session.scalars(
            select(mc.CalendarFeed).where(
                mc.CalendarFeed.group_id == group_id, mc.CalendarFeed.revoked_at.is_(None)
            )
        ).all()
        for row in rows:
            row.revoked_at = self.clock()
        return len(rows)

    def group_for_feed(self, token: str) -> str | None:
        row = self.session.get(mc.CalendarFeed, token)
        if row is None or row.revoked_at is not None:
            return None
        return row.group_id

    def raise_sequences(self, fingerprints: dict[str, str]) -> None:
        """A stored change altered these meetings: each one's SEQUENCE goes up by one, now,
        whether or not the feed was ever fetched (a meeting not yet seen starts at 1)."""

        for meeting_id, text in fingerprints.items():
            fingerprint = hashlib.sha256(text.encode()).hexdigest()
            for _attempt in range(2):
                row = self.session.get(mc.FeedRevision, meeting_id, with_for_update=True)
                if row is not None:
                    if row.fingerprint != fingerprint:
                        row.fingerprint, row.sequence, row.changed_at = (
                            fingerprint, row.sequence + 1, self.clock(),
                        )
                    break
                try:
                    with self.session.begin_nested():
                        self.session.add(mc.FeedRevision(
                            meeting_id=meeting_id, fingerprint=fingerprint, sequence=1,
                            changed_at=self.clock(),
                        ))
                    break
                except IntegrityError:
                    # A first fetch of the feed recorded the meeting meanwhile: raise that row.
                    continue
        self.session.flush()

    def sequences(
        self, meetings: Sequence[Meeting], fingerprints: dict[str, str]
    ) -> dict[str, int]:
        """SEQUENCE per meeting: raised whenever what a calendar shows of it has changed."""

        ids = [meeting.id for meeting in meetings]
        known = {
            row.meeting_id: row
            for row in self.session.scalars(
                select(mc.FeedRevision).where(mc.FeedRevision.meeting_id.in_(ids))
            )
        }
        result: dict[str, int] = {}
        first_seen: list[mc.FeedRevision] = []
        for meeting_id in ids:
            fingerprint = hashlib.sha256(fingerprints[meeting_id].encode()).hexdigest()
            row = known.get(meeting_id)
            if row is None:
                first_seen.append(
                    mc.FeedRevision(
                        meeting_id=meeting_id,
                        fingerprint=fingerprint,
                        sequence=0,
                        changed_at=self.clock(),
                    )
                )
                result[meeting_id] = 0
                continue
            if row.fingerprint != fingerprint:
                row.fingerprint, row.sequence, row.changed_at = (
                    fingerprint,
                    row.sequence + 1,
                    self.clock(),
                )
            result[meeting_id] = row.sequence
        self.session.flush()
        if first_seen:
            try:
                with self.session.begin_nested():
                    self.session.add_all(first_seen)
            except IntegrityError:
                # Two first fetches at once: the other one recorded the same first revision.
                pass
        return result
