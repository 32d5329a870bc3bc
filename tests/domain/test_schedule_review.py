"""`domain.schedule_review`: the pure judgement of a schedule change, on hand-made meetings."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from domain.calendar import STOCKHOLM
from domain.schedule import GroupCalendar, Meeting
from domain.schedule_review import (
    changed_history,
    convener_changes,
    held,
    new_repeats,
    overlapping,
)

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=STOCKHOLM)


def meeting(day: int, org: str | None, *, month: int = 12, hour: int = 9, term: str = "ht",
            status: str = "planned") -> Meeting:
    start = datetime(2026, month, day, hour, 0, tzinfo=STOCKHOLM)
    return Meeting(
        id=f"s:{month}-{day}-{hour}", group_id="g", series_id="s", start=start,
        end=start + timedelta(hours=1), original_start=start, location="", status=status,  # type: ignore[arg-type]
        term_id=term, convener_org=org, convener_person=None, stand_in=None,
        convener_reason="rotation",
    )


def calendar(per: str, order: tuple[str, ...]) -> GroupCalendar:
    return GroupCalendar("g", (), (), per, order)  # type: ignore[arg-type]


def test_a_meeting_that_has_begun_or_has_notes_is_held() -> None:
    coming = meeting(8, "a")
    assert not held(coming, NOW)
    assert held(coming, NOW, notes=1)
    assert held(coming, coming.start)


def test_overlap_is_any_shared_minute_not_only_the_same_start() -> None:
    first, moving = meeting(8, "a", hour=9), meeting(9, "a")
    at = datetime(2026, 12, 8, 9, 30, tzinfo=STOCKHOLM)
    assert overlapping([first, moving], moving, at, at + timedelta(hours=1)) == first
    right_after = datetime(2026, 12, 8, 10, 0, tzinfo=STOCKHOLM)
    assert overlapping([first, moving], moving, right_after,
                       right_after + timedelta(hours=1)) is None
    cancelled = replace(first, status="cancelled")
    assert overlapping([cancelled, moving], moving, at, at + timedelta(hours=1)) is None
    assert overlapping([moving], moving, moving.start, moving.end) is None  # itself


def test_convener_changes_come_in_runs_broken_by_any_meeting_that_kept_its_convener() -> None:
    before = [meeting(1, "a"), meeting(2, "a"), meeting(3, "b"), meeting(4, "a"), meeting(5, "a")]
    after = [replace(before[0], convener_org="c"), replace(before[1], convener_org="c"),
             before[2], replace(before[3], convener_org="c"),
             replace(before[4], status="cancelled", convener_org=None)]
    runs = convener_changes(before, after)
    assert [(r.first.id, r.last.id, r.count, r.old, r.new) for r in runs] == [
        ("s:12-1-9", "s:12-2-9", 2, "a", "c"), ("s:12-4-9", "s:12-4-9", 1, "a", "c")]


def test_a_change_to_a_meeting_that_has_begun_is_found() -> None:
    past = meeting(20, "a", month=11)
    coming = meeting(8, "a")
    assert changed_history([past, coming], [past, replace(coming, convener_org="b")], NOW) is None
    assert changed_history([past], [replace(past, convener_org="b")], NOW) == past


def test_a_new_repeat_warns_and_names_who_waited_longest() -> None:
    rotation = calendar("meeting", ("a", "b", "c"))
    before = [meeting(1, "a", month=10), meeting(1, "b"), meeting(2, "c")]
    after = [before[0], meeting(1, "b"), replace(before[2], convener_org="b")]
    [repeat] = new_repeats(rotation, before, after, NOW)
    assert (repeat.org, repeat.first[0].id, repeat.second[0].id, repeat.waited) == (
        "b", "s:12-1-9", "s:12-2-9", "c")  # c never convened; a did in October
    assert new_repeats(rotation, after, after, NOW) == []  # not new: no warning again
    assert new_repeats(calendar("meeting", ("a",)), before, after, NOW) == []


def test_in_a_rotation_per_term_a_term_belongs_to_who_convenes_most_of_it() -> None:
    rotation = calendar("term", ("a", "b"))
    autumn = [meeting(day, "a", month=10, term="ht") for day in (1, 2)]
    spring = [meeting(day, "b", month=12, term="vt") for day in (1, 2, 3)]
    one_swapped = [*autumn, replace(spring[0], convener_org="a"), *spring[1:]]
    assert new_repeats(rotation, [*autumn, *spring], one_swapped, NOW) == []
    most = [*autumn, *(replace(m, convener_org="a") for m in spring[:2]), spring[2]]
    [repeat] = new_repeats(rotation, [*autumn, *spring], most, NOW)
    assert (repeat.org, repeat.per, len(repeat.second), repeat.waited) == ("a", "term", 3, "b")
