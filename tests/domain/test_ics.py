from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event, vDDDTypes

from domain.calendar import STOCKHOLM
from domain.ics import FeedEvent, build_feed

STAMP = datetime(2026, 3, 1, 11, 0, tzinfo=STOCKHOLM)  # 10:00 UTC

WINTER = FeedEvent(
    uid="arbetsgrupp-manad-2026-03-27@samverkan",
    start=datetime(2026, 3, 27, 9, tzinfo=STOCKHOLM),
    end=datetime(2026, 3, 27, 10, tzinfo=STOCKHOLM),
    summary="Länsgemensam arbetsgrupp; sammankallande: GR, Fyrbodal",
    location="Regionens hus, Göteborg",
    description="Upphämtning från förra gången.\nNästa steg.",
)
SUMMER = FeedEvent(
    uid="arbetsgrupp-manad-2026-04-24@samverkan",
    # Given in UTC on purpose: the feed must still write Stockholm wall time.
    start=datetime(2026, 4, 24, 7, tzinfo=UTC),
    end=datetime(2026, 4, 24, 8, tzinfo=UTC),
    summary="Länsgemensam arbetsgrupp – sammankallande: Skaraborg",
    sequence=2,
    last_modified=datetime(2026, 2, 20, 9, 30, tzinfo=STOCKHOLM),
)
CANCELLED = FeedEvent(
    uid="arbetsgrupp-manad-2026-05-29@samverkan",
    start=datetime(2026, 5, 29, 9, tzinfo=STOCKHOLM),
    end=datetime(2026, 5, 29, 10, tzinfo=STOCKHOLM),
    summary="Länsgemensam arbetsgrupp – sammankallande: VGR",
    status="CANCELLED",
    sequence=1,
)
EVENTS = (CANCELLED, WINTER, SUMMER)


def feed(events: tuple[FeedEvent, ...] = EVENTS) -> bytes:
    return build_feed("Länsgemensam arbetsgrupp", events, stamp=STAMP)


def parsed_events(raw: bytes) -> dict[str, Event]:
    return {e.uid: e for e in Calendar.from_ical(raw).events}


def as_datetime(value: date) -> datetime:
    assert isinstance(value, datetime)
    return value


def test_calendar_properties() -> None:
    calendar = Calendar.from_ical(feed())
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Samverkansboten//SV"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == "Länsgemensam arbetsgrupp"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Stockholm"
    custom = build_feed("x", (), stamp=STAMP, product_id="-//Test//EN")
    assert str(Calendar.from_ical(custom)["PRODID"]) == "-//Test//EN"


def test_vtimezone_for_stockholm_precedes_the_events() -> None:
    raw = feed()
    [timezone] = Calendar.from_ical(raw).timezones
    assert timezone.tz_name == "Europe/Stockholm"
    own_zone = timezone.to_tz(lookup_tzid=False)
    for day, hours in ((28, 1), (29, 2)):
        assert datetime(2026, 3, day, 12, tzinfo=own_zone).utcoffset() == timedelta(hours=hours)
    for day, hours in ((24, 2), (25, 1)):
        assert datetime(2026, 10, day, 12, tzinfo=own_zone).utcoffset() == timedelta(hours=hours)
    assert raw.index(b"BEGIN:VTIMEZONE") < raw.index(b"BEGIN:VEVENT")


def test_vtimezone_alone_gives_every_event_its_instant() -> None:
    # A client without the tz database reads times through the feed's own VTIMEZONE, which
    # lists transitions for a limited range only: it must reach the last event.
    late = FeedEvent(
        uid="late@samverkan",
        start=datetime(2027, 10, 29, 9, tzinfo=STOCKHOLM),
        end=datetime(2027, 11, 29, 10, tzinfo=STOCKHOLM),
        summary="x",
    )
    events = (*EVENTS, late)
    raw = feed(events)
    [timezone] = Calendar.from_ical(raw).timezones
    own_zone = timezone.to_tz(lookup_tzid=False)
    by_uid = parsed_events(raw)
    for event in events:
        parsed = by_uid[event.uid]
        for written, expected in ((parsed.start, event.start), (parsed.end, event.end)):
            wall = as_datetime(written).replace(tzinfo=own_zone)
            assert wall.astimezone(UTC) == expected.astimezone(UTC)


def test_empty_feed_still_names_its_timezone() -> None:
    calendar = Calendar.from_ical(build_feed("Tom", (), stamp=STAMP))
    assert calendar.events == []
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Stockholm"]


def test_uids_sequence_and_status() -> None:
    events = parsed_events(feed())
    assert set(events) == {e.uid for e in EVENTS}
    assert {uid: e.sequence for uid, e in events.items()} == {
        WINTER.uid: 0,
        SUMMER.uid: 2,
        CANCELLED.uid: 1,
    }
    assert {uid: e.status for uid, e in events.items()} == {
        WINTER.uid: "CONFIRMED",
        SUMMER.uid: "CONFIRMED",
        CANCELLED.uid: "CANCELLED",
    }
    assert b"STATUS:CANCELLED\r\n" in feed()


def test_start_and_end_carry_the_stockholm_tzid() -> None:
    raw = feed()
    assert b"DTSTART;TZID=Europe/Stockholm:20260327T090000\r\n" in raw
    assert b"DTEND;TZID=Europe/Stockholm:20260327T100000\r\n" in raw
    assert b"DTSTART;TZID=Europe/Stockholm:20260424T090000\r\n" in raw
    events = parsed_events(raw)
    for uid, offset in ((WINTER.uid, 1), (SUMMER.uid, 2), (CANCELLED.uid, 2)):
        for name in ("DTSTART", "DTEND"):
            prop = events[uid][name]
            assert isinstance(prop, vDDDTypes)
            assert prop.params["TZID"] == "Europe/Stockholm"
        start = as_datetime(events[uid].start)
        assert start.hour == 9
        assert start.utcoffset() == timedelta(hours=offset)
        assert as_datetime(events[uid].end).hour == 10


def test_dtstamp_and_last_modified_are_utc() -> None:
    raw = feed()
    events = parsed_events(raw)
    for event in events.values():
        assert event.stamp == datetime(2026, 3, 1, 10, tzinfo=UTC)
        assert event.stamp.utcoffset() == timedelta(0)
    assert b"DTSTAMP:20260301T100000Z\r\n" in raw
    assert b"LAST-MODIFIED:20260220T083000Z\r\n" in raw
    assert events[SUMMER.uid].last_modified == SUMMER.last_modified
    assert "LAST-MODIFIED" not in events[WINTER.uid]


def test_text_round_trips_with_escaping() -> None:
    events = parsed_events(feed())
    winter = events[WINTER.uid]
    assert winter.summary == WINTER.summary
    assert winter.location == WINTER.location
    assert winter.description == WINTER.description
    assert b"sammankallande: GR\\, Fyrbodal" in feed()
    # Empty optional texts are left out rather than written empty.
    assert "LOCATION" not in events[SUMMER.uid]
    assert "DESCRIPTION" not in events[SUMMER.uid]


def test_crlf_line_endings_and_folding() -> None:
    long = FeedEvent(
        uid="long@samverkan",
        start=datetime(2026, 9, 8, 9, tzinfo=STOCKHOLM),
        end=datetime(2026, 9, 8, 10, tzinfo=STOCKHOLM),
        summary="Länsgemensam chefsgrupp psykisk hälsa och suicidprevention " * 4,
    )
    raw = feed((*EVENTS, long))
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n")
    assert raw.endswith(b"END:VCALENDAR\r\n")
    assert raw.count(b"\n") == raw.count(b"\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    assert parsed_events(raw)[long.uid].summary == long.summary


def test_output_is_deterministic_and_ordered_by_start() -> None:
    raw = feed()
    assert feed((SUMMER, WINTER, CANCELLED)) == raw
    order = [raw.index(e.uid.encode()) for e in (WINTER, SUMMER, CANCELLED)]
    assert order == sorted(order)


def test_other_zones_are_converted() -> None:
    helsinki = FeedEvent(
        uid="h@samverkan",
        start=datetime(2026, 9, 8, 10, tzinfo=ZoneInfo("Europe/Helsinki")),
        end=datetime(2026, 9, 8, 11, tzinfo=ZoneInfo("Europe/Helsinki")),
        summary="x",
    )
    assert b"DTSTART;TZID=Europe/Stockholm:20260908T090000\r\n" in feed((helsinki,))


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ((WINTER, WINTER), "duplicate event uid"),
        ((FeedEvent(uid="n", start=datetime(2026, 3, 27, 9), end=WINTER.end, summary="x"),),
         "must be timezone-aware"),
        ((FeedEvent(uid="e", start=WINTER.end, end=WINTER.start, summary="x"),), "end after"),
        ((FeedEvent(uid="", start=WINTER.start, end=WINTER.end, summary="x"),), "uid is empty"),
        ((FeedEvent(uid="s", start=WINTER.start, end=WINTER.end, summary="x", sequence=-1),),
         "negative sequence"),
        ((FeedEvent(uid="t", start=WINTER.start, end=WINTER.end, summary="x",
                    status="TENTATIVE"),),  # type: ignore[arg-type]
         "unknown status"),
    ],
)
def test_invalid_events_are_refused(events: tuple[FeedEvent, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        feed(events)


def test_naive_stamp_is_refused() -> None:
    with pytest.raises(ValueError, match="stamp"):
        build_feed("x", (WINTER,), stamp=datetime(2026, 3, 1, 10))
