"""iCalendar (RFC 5545) feed of a group's meetings, for subscription from Outlook and others."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal, get_args

from icalendar import Calendar, Event, Timezone

from domain.calendar import STOCKHOLM

FeedStatus = Literal["CONFIRMED", "CANCELLED"]

DEFAULT_PRODUCT_ID = "-//Samverkansboten//SV"


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    start: datetime  # aware
    end: datetime  # aware
    summary: str
    location: str = ""
    description: str = ""
    status: FeedStatus = "CONFIRMED"
    sequence: int = 0
    last_modified: datetime | None = None


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")


def _check(events: Sequence[FeedEvent]) -> None:
    seen: set[str] = set()
    for event in events:
        if not event.uid:
            raise ValueError("event uid is empty")
        # Clients merge events by UID; a repeated one would silently hide a meeting.
        if event.uid in seen:
            raise ValueError(f"duplicate event uid {event.uid!r}")
        seen.add(event.uid)
        _require_aware(event.start, f"start of {event.uid}")
        _require_aware(event.end, f"end of {event.uid}")
        if event.end <= event.start:
            raise ValueError(f"event {event.uid!r} does not end after it starts")
        if event.status not in get_args(FeedStatus):
            raise ValueError(f"event {event.uid!r} has unknown status {event.status!r}")
        if event.sequence < 0:
            raise ValueError(f"event {event.uid!r} has a negative sequence")
        if event.last_modified is not None:
            _require_aware(event.last_modified, f"last_modified of {event.uid}")


def _timezone_component(events: Sequence[FeedEvent], stamp: datetime) -> Timezone:
    # The generated VTIMEZONE lists explicit transitions for a date range only; whole years
    # around the events keep every event covered, and an empty feed still names its zone.
    if events:
        first_year = min(e.start.astimezone(STOCKHOLM).year for e in events)
        last_year = max(e.end.astimezone(STOCKHOLM).year for e in events)
    else:
        first_year = last_year = stamp.astimezone(STOCKHOLM).year
    return Timezone.from_tzid(
        str(STOCKHOLM.key), first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1)
    )


def _event_component(event: FeedEvent, stamp_utc: datetime) -> Event:
    component = Event()
    component.add("uid", event.uid)
    component.add("dtstamp", stamp_utc)
    component.add("dtstart", event.start.astimezone(STOCKHOLM))
    component.add("dtend", event.end.astimezone(STOCKHOLM))
    component.add("sequence", event.sequence)
    component.add("status", event.status)
    component.add("summary", event.summary)
    if event.location:
        component.add("location", event.location)
    if event.description:
        component.add("description", event.description)
    if event.last_modified is not None:
        component.add("last-modified", event.last_modified.astimezone(UTC))
    return component


def build_feed(
    calendar_name: str,
    events: Sequence[FeedEvent],
    *,
    stamp: datetime,
    product_id: str = DEFAULT_PRODUCT_ID,
) -> bytes:
    """The feed as iCalendar bytes (UTF-8, CRLF line endings).

    Times are written in Europe/Stockholm with a VTIMEZONE; cancelled events stay in the feed
    with STATUS:CANCELLED so that subscribed calendars remove them. Events are ordered by start
    and UID, so equal input gives equal bytes.
    """
    _require_aware(stamp, "stamp")
    _check(events)
    stamp_utc = stamp.astimezone(UTC)

    calendar = Calendar()
    calendar.add("prodid", product_id)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", calendar_name)
    calendar.add("x-wr-timezone", str(STOCKHOLM.key))
    calendar.add_component(_timezone_component(events, stamp))
    for event in sorted(events, key=lambda e: (e.start.astimezone(UTC), e.uid)):
        calendar.add_component(_event_component(event, stamp_utc))
    feed: bytes = calendar.to_ical()
    return feed
