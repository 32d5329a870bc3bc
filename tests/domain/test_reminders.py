"""domain.reminders: when each reminder is due, to whom, and under which key.

Pure functions, no database: meetings are built by hand (or from the example configuration),
the clock is a parameter. Every expected time is written out as Stockholm wall time with its
UTC offset, so an implementation that counts in UTC, forgets holidays or rolls the wrong way
fails here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import STOCKHOLM, is_working_day, local_datetime
from domain.config import load_config_text
from domain.reminders import (
    RULES,
    GroupAudience,
    Member,
    Reminder,
    ReminderRules,
    due_at,
    due_reminders,
    previous_meeting_start,
    reminders_for,
)
from domain.schedule import Meeting, build_schedule, group_calendar

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vastra-gotaland.toml"
DEFAULT = ReminderRules()
CONVENER = "malin.hedlund"
MEMBERS = ("johan.wikstrom", "sofia.marklund", "henrik.sjoberg", CONVENER)
DM_RULES = ("update_request_dm", "nudge_dm")


def meeting(
    day: date,
    start: time = time(10, 0),
    minutes: int = 60,
    *,
    series: str = "manadsmote",
    group: str = "arbetsgrupp",
    convener: str | None = CONVENER,
    status: str = "planned",
) -> Meeting:
    begins = local_datetime(day, start)
    return Meeting(
        id=f"{series}:{day.isoformat()}",
        group_id=group,
        series_id=series,
        start=begins,
        end=begins + timedelta(minutes=minutes),
        original_start=begins,
        location="https://teams.microsoft.com/l/meetup-join/exempel",
        status=status,  # type: ignore[arg-type]
        term_id="ht2026",
        convener_org="skaraborg",
        convener_person=convener,
        stand_in=None,
        convener_reason="rotation",
    )


def audience(*, has_channel: bool = True, dm_off: tuple[str, ...] = ()) -> GroupAudience:
    return GroupAudience(
        group_id="arbetsgrupp",
        has_channel=has_channel,
        members=tuple(Member(p, reminders_dm=p not in dm_off) for p in MEMBERS),
    )


def local(text: str) -> datetime:
    """An ISO time with its offset, checked to be what Stockholm's clock shows then."""

    parsed = datetime.fromisoformat(text)
    assert parsed.utcoffset() == parsed.astimezone(STOCKHOLM).utcoffset(), text
    return parsed


def assert_same_instant_and_offset(actual: datetime | None, expected: str) -> None:
    assert actual is not None
    wanted = local(expected)
    assert actual == wanted, (actual.isoformat(), expected)
    # Same instant is not enough: the reminder must carry Stockholm's offset of that day.
    assert actual.astimezone(STOCKHOLM).isoformat() == wanted.isoformat()
    assert actual.utcoffset() == wanted.utcoffset(), (actual.isoformat(), expected)


def by_rule(reminders: list[Reminder]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in reminders:
        out.setdefault(r.rule, set()).add(r.recipient)
    return out


# --- due times -------------------------------------------------------------------------------


def test_update_request_seven_days_before_at_nine_local() -> None:
    # Tue 8 Sep 2026 → Tue 1 Sep, summer time.
    m = meeting(date(2026, 9, 8))
    for rule in ("update_request", "update_request_dm"):
        assert_same_instant_and_offset(due_at(m, rule, DEFAULT), "2026-09-01T09:00:00+02:00")
    # Winter time: Tue 8 Dec 2026 → Tue 1 Dec at 09:00+01:00, i.e. 08:00 UTC.
    winter = due_at(meeting(date(2026, 12, 8)), "update_request", DEFAULT)
    assert_same_instant_and_offset(winter, "2026-12-01T09:00:00+01:00")
    assert winter is not None and winter.astimezone(UTC).hour == 8


@pytest.mark.parametrize(
    ("meeting_day", "rules", "expected", "why"),
    [
        # Wed 13 Jan 2027: 7 days before is Trettondedag jul (Wed 6 Jan) → Tue 5 Jan.
        (date(2027, 1, 13), DEFAULT, "2027-01-05T09:00:00+01:00", "6 January"),
        # 10 days before Wed 16 Sep 2026 is Sunday 6 Sep → Friday 4 Sep.
        (
            date(2026, 9, 16),
            ReminderRules(update_request_days_before=10),
            "2026-09-04T09:00:00+02:00",
            "Sunday",
        ),
        # 5 days before Wed 16 Sep 2026 is Friday 11 Sep, a working day: unchanged.
        (
            date(2026, 9, 16),
            ReminderRules(update_request_days_before=5),
            "2026-09-11T09:00:00+02:00",
            "working day",
        ),
        # 7 days before Mon 13 Apr 2026 is Easter Monday 6 Apr; Sun, Sat and Good Friday are
        # off too → Thursday 2 Apr.
        (date(2026, 4, 13), DEFAULT, "2026-04-02T09:00:00+02:00", "Easter"),
        # 7 days before Thu 7 Jan 2027 is nyårsafton, Thu 31 Dec 2026 (a de facto day off)
        # → Wed 30 Dec, in the year before.
        (date(2027, 1, 7), DEFAULT, "2026-12-30T09:00:00+01:00", "nyårsafton, across a year"),
        # Midsommarafton Fri 19 Jun 2026: meeting Fri 26 Jun → Thu 18 Jun.
        (date(2026, 6, 26), DEFAULT, "2026-06-18T09:00:00+02:00", "midsommarafton"),
    ],
)
def test_a_due_day_off_moves_to_the_working_day_before(
    meeting_day: date, rules: ReminderRules, expected: str, why: str
) -> None:
    got = due_at(meeting(meeting_day), "update_request", rules)
    assert_same_instant_and_offset(got, expected)
    assert got is not None and is_working_day(got.astimezone(STOCKHOLM).date()), why


def test_convener_reminder_counts_working_days_not_calendar_days() -> None:
    # Tue 8 Sep 2026, 5 working days before: Tue 1 Sep.
    assert_same_instant_and_offset(
        due_at(meeting(date(2026, 9, 8)), "convener_prepare", DEFAULT),
        "2026-09-01T09:00:00+02:00",
    )
    # Thu 9 Apr 2026: Wed 8, Tue 7, (Easter Monday, weekend, Good Friday), Thu 2, Wed 1,
    # Tue 31 Mar → Tue 31 Mar, already summer time. Five calendar days would give Sat 4 Apr.
    assert_same_instant_and_offset(
        due_at(meeting(date(2026, 4, 9)), "convener_prepare", DEFAULT),
        "2026-03-31T09:00:00+02:00",
    )
    # K from the rules: 3 working days before Tue 8 Sep 2026 → Thu 3 Sep.
    assert_same_instant_and_offset(
        due_at(meeting(date(2026, 9, 8)), "convener_prepare",
               ReminderRules(convener_working_days_before=3)),
        "2026-09-03T09:00:00+02:00",
    )


def test_day_before_a_monday_meeting_goes_out_on_the_friday() -> None:
    assert_same_instant_and_offset(
        due_at(meeting(date(2026, 9, 14)), "day_before", DEFAULT), "2026-09-11T09:00:00+02:00"
    )
    # Tuesday after Easter Monday 2026: Mon 6 Apr is off → Thursday 2 Apr.
    assert_same_instant_and_offset(
        due_at(meeting(date(2026, 4, 7)), "day_before", DEFAULT), "2026-04-02T09:00:00+02:00"
    )
    # An ordinary Wednesday meeting: Tuesday.
    assert_same_instant_and_offset(
        due_at(meeting(date(2026, 9, 16)), "day_before", DEFAULT), "2026-09-15T09:00:00+02:00"
    )


def test_nudge_days_before_and_zero_turns_it_off() -> None:
    m = meeting(date(2026, 9, 16))  # Wednesday
    assert_same_instant_and_offset(due_at(m, "nudge_dm", DEFAULT), "2026-09-14T09:00:00+02:00")
    off = ReminderRules(nudge_days_before=0)
    assert due_at(m, "nudge_dm", off) is None
    planned = reminders_for(m, off, audience(), frozenset())
    assert "nudge_dm" not in by_rule(planned)
    # ... and only the nudge: the first request still goes to every member.
    assert by_rule(planned)["update_request_dm"] == {f"person:{p}" for p in MEMBERS}


def test_after_meeting_is_due_when_the_meeting_ends() -> None:
    m = meeting(date(2026, 9, 24), time(13, 0), 120)
    got = due_at(m, "after_meeting", DEFAULT)
    assert got == m.end
    assert_same_instant_and_offset(got, "2026-09-24T15:00:00+02:00")
    assert due_at(m, "after_meeting", ReminderRules(after_meeting=False)) is None


def test_custom_send_time_and_rules() -> None:
    rules = ReminderRules(
        update_request_days_before=5,
        nudge_days_before=1,
        convener_working_days_before=3,
        day_before=False,
        after_meeting=False,
        send_at=time(8, 30),
    )
    m = meeting(date(2026, 9, 8))  # Tue, the example's arbetsgrupp meeting
    assert_same_instant_and_offset(due_at(m, "update_request", rules), "2026-09-03T08:30:00+02:00")
    assert_same_instant_and_offset(due_at(m, "nudge_dm", rules), "2026-09-07T08:30:00+02:00")
    assert_same_instant_and_offset(
        due_at(m, "convener_prepare", rules), "2026-09-03T08:30:00+02:00"
    )
    assert due_at(m, "day_before", rules) is None
    assert due_at(m, "after_meeting", rules) is None
    planned = by_rule(reminders_for(m, rules, audience(), frozenset()))
    assert set(planned) == {"update_request", "update_request_dm", "nudge_dm", "convener_prepare"}


def test_every_rule_goes_out_on_a_working_day_at_the_send_time_for_a_whole_year() -> None:
    day = date(2026, 1, 12)
    while day < date(2027, 12, 31):
        m = meeting(day)
        for rule in RULES:
            when = due_at(m, rule, DEFAULT)
            assert when is not None
            if rule == "after_meeting":
                continue
            wall = when.astimezone(STOCKHOLM)
            assert wall.time() == time(9, 0), (day, rule, wall)
            assert is_working_day(wall.date()), (day, rule, wall)
            assert wall < m.start
        day += timedelta(days=1)


# --- recipients ------------------------------------------------------------------------------


def test_recipients_with_a_channel() -> None:
    m = meeting(date(2026, 9, 8))
    planned = by_rule(reminders_for(m, DEFAULT, audience(), frozenset()))
    everyone = {f"person:{p}" for p in MEMBERS}
    assert planned == {
        "update_request": {"channel"},
        "day_before": {"channel"},
        "update_request_dm": everyone,
        "nudge_dm": everyone,
        "convener_prepare": {f"person:{CONVENER}"},
        "after_meeting": {f"person:{CONVENER}"},
    }


def test_members_who_reported_or_turned_dms_off_get_no_direct_message() -> None:
    m = meeting(date(2026, 9, 8))
    planned = reminders_for(
        m, DEFAULT, audience(dm_off=("sofia.marklund",)), frozenset({"johan.wikstrom"})
    )
    rules = by_rule(planned)
    for rule in DM_RULES:
        assert rules[rule] == {"person:henrik.sjoberg", f"person:{CONVENER}"}, rule
    # The channel still gets its reminders; nobody's choice silences the group.
    assert rules["update_request"] == {"channel"}
    assert rules["day_before"] == {"channel"}


def test_without_a_channel_the_day_before_goes_to_each_member_who_wants_dms() -> None:
    m = meeting(date(2026, 9, 8))
    rules = by_rule(
        reminders_for(m, DEFAULT, audience(has_channel=False, dm_off=("sofia.marklund",)),
                      frozenset())
    )
    assert "update_request" not in rules
    assert rules["day_before"] == {
        "person:johan.wikstrom", "person:henrik.sjoberg", f"person:{CONVENER}"
    }


def test_without_a_convener_no_convener_reminders() -> None:
    rules = by_rule(reminders_for(meeting(date(2026, 9, 8), convener=None), DEFAULT, audience(),
                                  frozenset()))
    assert "convener_prepare" not in rules and "after_meeting" not in rules


def test_a_cancelled_meeting_plans_nothing() -> None:
    m = meeting(date(2026, 9, 8), status="cancelled")
    assert reminders_for(m, DEFAULT, audience(), frozenset()) == []
    assert due_reminders(
        [m], {m.series_id: DEFAULT}, {m.group_id: audience()}, {},
        now=local("2026-09-08T23:00:00+02:00"), lookback=timedelta(days=30),
    ) == []


def test_a_moved_meeting_plans_its_reminders_for_the_new_date_under_new_keys() -> None:
    original = meeting(date(2026, 9, 8))
    new_start = local("2026-09-15T10:00:00+02:00")
    moved = replace(original, start=new_start, end=new_start + timedelta(hours=1), status="moved")
    before = reminders_for(original, DEFAULT, audience(), frozenset())
    after = reminders_for(moved, DEFAULT, audience(), frozenset())
    assert len(before) == len(after)
    # Same meeting id, different date part: the new date's reminders are new deliveries.
    assert {r.meeting_id for r in after} == {original.id}
    assert {r.key for r in before}.isdisjoint({r.key for r in after})
    assert all("@2026-09-15|" in r.key for r in after)
    assert all("@2026-09-08|" in r.key for r in before)
    day_before = {r.rule: r.due_at for r in after}
    assert_same_instant_and_offset(day_before["day_before"], "2026-09-14T09:00:00+02:00")
    assert_same_instant_and_offset(day_before["update_request"], "2026-09-08T09:00:00+02:00")
    assert day_before["after_meeting"] == moved.end


def test_keys_are_unique_per_series_meeting_rule_and_recipient_over_the_example() -> None:
    result = load_config_text(EXAMPLE.read_text("utf-8"))
    assert result.config is not None
    config = result.config
    keys: list[str] = []
    for group in config.groups:
        members = GroupAudience(
            group.id, True, tuple(Member(m.person) for m in group.members)
        )
        no_channel = replace(members, has_channel=False)
        for m in build_schedule(group_calendar(group, config.terms)):
            for aud in (members, no_channel):
                for r in reminders_for(m, DEFAULT, aud, frozenset()):
                    meeting_part, rule, recipient = r.key.split("|")
                    assert meeting_part == f"{m.id}@{m.local_date.isoformat()}"
                    assert m.id.startswith(f"{m.series_id}:")
                    assert (rule, recipient) == (r.rule, r.recipient)
                    if aud is members:
                        keys.append(r.key)
    counts = Counter(keys)
    assert len(keys) > 1000
    assert [k for k, n in counts.items() if n > 1] == []
    # Two series of one group meeting on the same day (KF-gruppen, 2 Dec 2026) do not collide.
    assert sum(1 for k in keys if k.endswith("@2026-12-02|day_before|channel")) == 2


# --- summer time -------------------------------------------------------------------------------

DST_CASES = [
    # (meeting day, rule, expected local time with offset)
    # 2026-03-29: clocks go forward.
    (date(2026, 3, 30), "day_before", "2026-03-27T09:00:00+01:00"),  # Mon → Fri, winter
    (date(2026, 3, 31), "day_before", "2026-03-30T09:00:00+02:00"),  # Tue → Mon, summer
    (date(2026, 3, 31), "nudge_dm", "2026-03-27T09:00:00+01:00"),  # Sun 29 → Fri 27
    (date(2026, 4, 1), "convener_prepare", "2026-03-25T09:00:00+01:00"),
    (date(2026, 4, 2), "convener_prepare", "2026-03-26T09:00:00+01:00"),
    (date(2026, 4, 7), "update_request", "2026-03-31T09:00:00+02:00"),  # Tue 7 Apr
    # 2026-10-25: clocks go back.
    (date(2026, 10, 26), "day_before", "2026-10-23T09:00:00+02:00"),
    (date(2026, 10, 27), "day_before", "2026-10-26T09:00:00+01:00"),
    (date(2026, 10, 28), "update_request", "2026-10-21T09:00:00+02:00"),  # meeting in winter
    (date(2026, 11, 2), "update_request", "2026-10-26T09:00:00+01:00"),
    (date(2026, 10, 27), "nudge_dm", "2026-10-23T09:00:00+02:00"),  # Sun 25 → Fri 23
    # 2027-03-28 (Easter Sunday too): clocks go forward; Good Friday and Easter Monday off.
    (date(2027, 3, 30), "day_before", "2027-03-25T09:00:00+01:00"),
    (date(2027, 3, 31), "day_before", "2027-03-30T09:00:00+02:00"),
    # Thu 1 Apr 2027, 5 working days: Wed 31, Tue 30, (Easter), Thu 25, Wed 24, Tue 23.
    (date(2027, 4, 1), "convener_prepare", "2027-03-23T09:00:00+01:00"),
    (date(2027, 4, 6), "update_request", "2027-03-30T09:00:00+02:00"),
    # 2027-10-31: clocks go back; Alla helgons dag is Sat 6 Nov that year.
    (date(2027, 11, 1), "day_before", "2027-10-29T09:00:00+02:00"),
    (date(2027, 11, 2), "day_before", "2027-11-01T09:00:00+01:00"),
    (date(2027, 11, 3), "update_request", "2027-10-27T09:00:00+02:00"),
    (date(2027, 11, 8), "update_request", "2027-11-01T09:00:00+01:00"),
]


@pytest.mark.parametrize(("meeting_day", "rule", "expected"), DST_CASES)
def test_summer_time_changes_keep_nine_local(meeting_day: date, rule: str, expected: str) -> None:
    got = due_at(meeting(meeting_day), rule, DEFAULT)  # type: ignore[arg-type]
    assert_same_instant_and_offset(got, expected)


def test_after_meeting_keeps_elapsed_time_on_change_days() -> None:
    # A (hypothetical) meeting across the autumn change: 01:30 + 90 minutes of elapsed time.
    start = local("2026-10-25T01:30:00+02:00")
    m = replace(meeting(date(2026, 10, 26)), start=start, end=start + timedelta(minutes=90))
    assert due_at(m, "after_meeting", DEFAULT) == local("2026-10-25T02:00:00+01:00")


# --- what is due at a given time -------------------------------------------------------------


def test_due_reminders_window_is_lookback_exclusive_now_inclusive_and_ordered() -> None:
    first, second = meeting(date(2026, 9, 8)), meeting(date(2026, 9, 9), series="varannan-vecka")
    args = (
        [second, first],
        {first.series_id: DEFAULT, second.series_id: DEFAULT},
        {"arbetsgrupp": audience()},
        {first.id: frozenset({"johan.wikstrom"})},
    )
    nine = local("2026-09-01T09:00:00+02:00")
    at_nine = due_reminders(*args, now=nine, lookback=timedelta(hours=1))
    assert {r.meeting_id for r in at_nine} == {first.id}
    assert {r.rule for r in at_nine} == {"update_request", "update_request_dm", "convener_prepare"}
    assert "person:johan.wikstrom" not in {
        r.recipient for r in at_nine if r.rule == "update_request_dm"
    }
    assert due_reminders(*args, now=nine - timedelta(seconds=1), lookback=timedelta(hours=1)) == []
    # A day later the first meeting's reminders are an hour or more behind: outside a one-hour
    # lookback, inside a two-day one, and sorted by due time, then key.
    later = nine + timedelta(days=1)
    assert {r.meeting_id for r in due_reminders(*args, now=later, lookback=timedelta(hours=1))} \
        == {second.id}
    both = due_reminders(*args, now=later, lookback=timedelta(days=2))
    assert [(r.due_at, r.key) for r in both] == sorted((r.due_at, r.key) for r in both)
    assert {r.meeting_id for r in both} == {first.id, second.id}


def test_previous_meeting_start_ignores_cancelled_and_other_groups() -> None:
    a = meeting(date(2026, 8, 11))
    b = meeting(date(2026, 9, 8), status="cancelled")
    other = meeting(date(2026, 9, 9), group="chefsgrupp", series="chefsmoten")
    c = meeting(date(2026, 10, 13))
    assert previous_meeting_start([a, b, other, c], c) == a.start
    assert previous_meeting_start([a, b, other, c], a) is None


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
    hour=st.integers(7, 18),
    days_before=st.integers(1, 60),
    nudge=st.integers(0, 30),
    working=st.integers(1, 30),
    send_hour=st.integers(6, 12),
)
def test_property_due_times_are_working_days_at_send_time_before_the_meeting(
    day: date, hour: int, days_before: int, nudge: int, working: int, send_hour: int
) -> None:
    rules = ReminderRules(
        update_request_days_before=days_before,
        nudge_days_before=nudge,
        convener_working_days_before=working,
        send_at=time(send_hour, 0),
    )
    m = meeting(day, time(hour, 0))
    for r in reminders_for(m, rules, audience(), frozenset()):
        assert r.due_at <= m.end
        if r.rule == "after_meeting":
            assert r.due_at == m.end
            continue
        wall = r.due_at.astimezone(STOCKHOLM)
        assert wall.time() == time(send_hour, 0)
        assert wall.utcoffset() == r.due_at.utcoffset()
        assert is_working_day(wall.date())
        assert wall.date() <= m.local_date
