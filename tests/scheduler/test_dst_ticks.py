"""Ticks every 30 minutes through the summer-time changes of 2026 and 2027.

The group in `SOMMARTID_CONFIG` meets at 10:00 for an hour on the Tuesday (2027: also the
Wednesday) after each change; its reminders are 4, 2 and 1 working day before, so they fall on
the working days on both sides of the change. The expected times are worked out by hand with
Stockholm's offset of each day: a service that counted in UTC, or in the offset of the meeting
day, would send some of them an hour early or late, and the test sees it.

Each reminder must be sent exactly once, by the tick at its local time (the ticks are on the
hour and half hour in UTC, which is also on the hour and half hour in Stockholm).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from domain.calendar import STOCKHOLM
from scheduler.reminders import ReminderService
from storage.repositories import StoreFactory
from tests.conftest import FixedClock
from tests.scheduler.support import SOMMARTID_CONFIG, Recorder, statuses, sync_text

MEMBERS = ("cecilia.akerblom", "johan.wikstrom", "sofia.marklund")
CONVENER = "johan.wikstrom"


def deliveries(meeting_day: str, *, requests: str, prepare: str, after: str) -> dict[str, str]:
    """Every delivery of one meeting with its expected local send time."""

    part = f"kring-omstallningen:{meeting_day}@{meeting_day}"
    out = {
        f"{part}|update_request|channel|log": requests,
        f"{part}|day_before|channel|log": prepare,
        f"{part}|convener_prepare|person:{CONVENER}|log": prepare,
        f"{part}|after_meeting|person:{CONVENER}|log": after,
    }
    for person in MEMBERS:
        out[f"{part}|update_request_dm|person:{person}|log"] = requests
        out[f"{part}|nudge_dm|person:{person}|log"] = requests
    return out


WINDOWS = {
    # Clocks forward on Sun 29 Mar 2026: Friday in winter time, Monday in summer time.
    "2026-03-29": (
        "2026-03-27T00:00:00+01:00",
        "2026-04-01T00:00:00+02:00",
        deliveries(
            "2026-03-31",
            requests="2026-03-27T09:00:00+01:00",  # 4 days before (Fri); nudge Sun → Fri
            prepare="2026-03-30T09:00:00+02:00",  # day before, 1 working day before
            after="2026-03-31T11:00:00+02:00",
        ),
    ),
    # Clocks back on Sun 25 Oct 2026.
    "2026-10-25": (
        "2026-10-23T00:00:00+02:00",
        "2026-10-28T00:00:00+01:00",
        deliveries(
            "2026-10-27",
            requests="2026-10-23T09:00:00+02:00",
            prepare="2026-10-26T09:00:00+01:00",
            after="2026-10-27T11:00:00+01:00",
        ),
    ),
    # Clocks forward on Easter Sunday, 28 Mar 2027: Good Friday and Easter Monday are off.
    "2027-03-28": (
        "2027-03-25T00:00:00+01:00",
        "2027-04-01T00:00:00+02:00",
        {
            **deliveries(
                "2027-03-30",
                requests="2027-03-25T09:00:00+01:00",  # Fri 26 is Good Friday → Thu 25
                prepare="2027-03-25T09:00:00+01:00",  # Mon 29 is Easter Monday → Thu 25
                after="2027-03-30T11:00:00+02:00",
            ),
            **deliveries(
                "2027-03-31",
                requests="2027-03-25T09:00:00+01:00",  # Sat 27 → Thu 25; nudge Mon 29 → Thu 25
                prepare="2027-03-30T09:00:00+02:00",
                after="2027-03-31T11:00:00+02:00",
            ),
        },
    ),
    # Clocks back on Sun 31 Oct 2027.
    "2027-10-31": (
        "2027-10-29T00:00:00+02:00",
        "2027-11-03T00:00:00+01:00",
        deliveries(
            "2027-11-02",
            requests="2027-10-29T09:00:00+02:00",
            prepare="2027-11-01T09:00:00+01:00",
            after="2027-11-02T11:00:00+01:00",
        ),
    ),
}


def ticks(first: datetime, last: datetime) -> Iterator[datetime]:
    at = first.astimezone(UTC)
    while at < last:
        yield at
        at += timedelta(minutes=30)


@pytest.mark.parametrize("change_day", list(WINDOWS))
def test_each_reminder_is_sent_once_at_its_local_time_around_the_summer_time_change(
    engine: Engine, clock: FixedClock, change_day: str
) -> None:
    sync_text(engine, SOMMARTID_CONFIG)
    first, last, expected = WINDOWS[change_day]
    recorder = Recorder()
    service = ReminderService(StoreFactory(engine, clock), {"log": recorder}, clock)
    sent_at: dict[str, list[datetime]] = {}
    count = 0
    for at in ticks(datetime.fromisoformat(first), datetime.fromisoformat(last)):
        clock.now = at
        report = service.run_once()
        assert report.missed == [] and report.failed == [] and report.retrying == []
        for key in report.sent:
            sent_at.setdefault(key, []).append(at)
        count += 1
    # The ticks really went through the change: one day of 23 or 25 hours among them.
    days = {t.astimezone(STOCKHOLM).date() for t in ticks(datetime.fromisoformat(first),
                                                           datetime.fromisoformat(last))}
    assert count == 48 * len(days) + (2 if change_day.endswith(("10-25", "10-31")) else -2)
    assert set(sent_at) == set(expected)
    for key, times in sent_at.items():
        assert len(times) == 1, (key, times)
        local_time = times[0].astimezone(STOCKHOLM).isoformat()
        assert local_time == expected[key], key
    assert len(recorder.sent) == len(expected)
    assert len(recorder.identities()) == len(expected)
    assert set(statuses(engine).values()) == {"sent"}
