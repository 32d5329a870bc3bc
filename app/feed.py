"""A group's schedule for calendars and operators: the iCalendar feed and plain records.

SEQUENCE (RFC 5545) tells a subscribed calendar that an event it already has was changed; a
client that sees the same UID with the same SEQUENCE may keep its old copy. It rises in two
places, from one fingerprint of what a calendar shows of a meeting:
- when a change to the schedule is stored (`record_revisions`): every meeting whose time,
  status or convener the change alters, whether or not anyone has fetched the feed yet;
- when the feed is fetched (`group_feed`): anything else that changed since the last fetch
  (a new location or a representative's name from the configuration).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from app.i18n import Translator
from app.ports import Store
from app.schedule_text import Names, convener_text, schedule_of, status_text
from domain.calendar import STOCKHOLM
from domain.ics import FeedEvent, build_feed
from domain.model import GroupInfo
from domain.schedule import Meeting


def feed_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/kalender/{token}.ics"


def fingerprint(meeting: Meeting, names: Names, group: GroupInfo) -> str:
    """What a calendar shows of a meeting, in no particular language: a feed fetched in English
    must not look like a change to one fetched in Swedish. Times in Stockholm time, however
    they were stored: the same moment is the same fingerprint."""

    return "|".join(
        str(part)
        for part in (
            meeting.start.astimezone(STOCKHOLM).isoformat(),
            meeting.end.astimezone(STOCKHOLM).isoformat(), meeting.status, meeting.location,
            meeting.convener_org, names.person(meeting.convener_person),
            names.person(meeting.stand_in), group.name,
        )
    )


def record_revisions(
    store: Store, group: GroupInfo, before: Sequence[Meeting], after: Sequence[Meeting]
) -> None:
    """Raises SEQUENCE of every meeting that a stored change made look different."""

    names = Names.of(store)
    old = {m.id: fingerprint(m, names, group) for m in before}
    changed = {
        m.id: new
        for m in after
        if (new := fingerprint(m, names, group)) != old.get(m.id)
    }
    if changed:
        store.calendar.raise_sequences(changed)


def group_feed(
    store: Store,
    group_id: str,
    t: Translator,
    now: datetime,
    window: tuple[date, date] | None = None,
) -> bytes | None:
    group = store.calendar.group(group_id)
    if group is None:
        return None
    names = Names.of(store)
    meetings = schedule_of(store, group_id, window)
    events = {m.id: _feed_event(t, group, m, names) for m in meetings}
    sequences = store.calendar.sequences(
        meetings, {m.id: fingerprint(m, names, group) for m in meetings}
    )
    return build_feed(
        group.name,
        [replace(event, sequence=sequences[i]) for i, event in events.items()],
        stamp=now,
    )


def feed_for_token(store: Store, token: str, t: Translator, now: datetime) -> bytes | None:
    group_id = store.calendar.group_for_feed(token)
    return group_feed(store, group_id, t, now) if group_id else None


def _feed_event(t: Translator, group: GroupInfo, meeting: Meeting, names: Names) -> FeedEvent:
    convener = convener_text(t, meeting, names)
    summary = t(
        "calendar.feed.summary",
        group=group.short_name,
        convener=names.org(meeting.convener_org) or "–",
    )
    if meeting.status == "cancelled":
        summary = t("calendar.feed.cancelled", summary=summary)
    description = t("calendar.feed.description", group=group.name, convener=convener)
    return FeedEvent(
        uid=f"{meeting.id}.{group.id}@samverkansboten",
        start=meeting.start,
        end=meeting.end,
        summary=summary,
        location=meeting.location,
        description=description,
        status="CANCELLED" if meeting.status == "cancelled" else "CONFIRMED",
    )


def schedule_records(
    store: Store, group: GroupInfo, window: tuple[date, date], t: Translator
) -> list[dict[str, Any]]:
    """The schedule as plain records, for `samverkan schedule --format json|text`.

    `status` is the code (planned, moved, cancelled) for programs; `status_text` says it in
    the chosen language.
    """

    names = Names.of(store)
    return [
        {
            "group": group.id,
            "meeting_id": m.id,
            "start": m.start.astimezone(STOCKHOLM).isoformat(),
            "end": m.end.astimezone(STOCKHOLM).isoformat(),
            "status": m.status,
            "status_text": status_text(t, m),
            "convener_org": m.convener_org,
            "convener": names.org(m.convener_org) or None,
            "convener_person": names.person(m.convener_person) or None,
            "convener_person_id": m.convener_person,
            "stand_in": names.person(m.stand_in) or None,
            "term": m.term_id,
            "location": m.location,
            "original_start": m.original_start.astimezone(STOCKHOLM).isoformat(),
        }
        for m in schedule_of(store, group.id, window)
    ]
