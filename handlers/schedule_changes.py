"""Administrators change the schedule: `sammankallande byt|hoppa-över|sätt`, `möte ställ-in|flytta`.

A change either does exactly what its answer says, or it is refused and nothing is stored.
Each one is judged on the schedule as it would be with the change (`domain.schedule_review`):

- Refused, each with its own reason: a meeting that is cancelled (no convener to change) or
  already held (it has begun, or has decisions or next steps recorded); a skip of an
  organisation that does not convene that meeting (or any meeting of that term); an
  assignment to the organisation that already convenes; a swap of two meetings with the same
  convener; a move onto a time another meeting of the group occupies, to a day off, outside
  the terms, into the past, or to a time that is not a time (`kl 25`); a change that would
  alter a meeting already held; a change that would change nothing.
- Answered with what it did: every meeting whose convener changed (a skip or a cancellation
  moves the turn on), the next four meetings with their conveners, and a warning when an
  organisation now convenes twice in a row while another has waited longer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from app.core import Context, UserError
from app.feed import record_revisions
from app.groups import group_choices, my_groups, take_group
from app.messages import Reply, ReplyBuilder
from app.schedule_text import (
    Names,
    convener_text,
    date_and_rest,
    date_error,
    format_time_span,
    require_admin,
    schedule_of,
    status_text,
    take_meeting,
    take_organisation,
    today,
    typed_date,
)
from app.wording import format_day
from domain.calendar import STOCKHOLM, is_working_day, local_datetime, swedish_days_off
from domain.dates import SPECIFIC_ERRORS, DateParseError, parse_datetime, parse_time
from domain.model import GroupInfo
from domain.schedule import (
    GroupCalendar,
    Meeting,
    ScheduleChange,
    build_schedule,
    meetings_on,
    upcoming,
)
from domain.schedule_review import (
    ConvenerChange,
    Repeat,
    changed_history,
    convener_changes,
    held,
    new_repeats,
    overlapping,
)
from domain.text import fold

NEXT_MEETINGS = 4
# What a delivery stored (`Context.stored`), for the answer to its resend.
SCHEDULE_CHANGE = "schedule_change"
MAX_EFFECT_LINES = 6


@dataclass(frozen=True)
class _Schedule:
    """A group's schedule as it stands, with what it is computed from."""

    group: GroupInfo
    calendar: GroupCalendar | None
    changes: tuple[ScheduleChange, ...]
    meetings: list[Meeting]

    @staticmethod
    def of(ctx: Context, group: GroupInfo) -> _Schedule:
        calendar = ctx.store.calendar.calendar(group.id)
        changes = tuple(ctx.store.calendar.changes(group.id))
        meetings = build_schedule(calendar, changes) if calendar else []
        return _Schedule(group, calendar, changes, meetings)

    def with_change(self, change: ScheduleChange) -> list[Meeting]:
        return build_schedule(self.calendar, (*self.changes, change)) if self.calendar else []


def _group(ctx: Context, action: str) -> tuple[_Schedule, list[str]]:
    """The group: named, implied by the channel or the person's only group, or else the one
    of the person's groups that meets on the first date written (`möte ställ-in 8/12`)."""

    require_admin(ctx, action)
    group, rest = take_group(ctx, ctx.args[1:], required=False)
    if group is None:
        group = _group_meeting_on(ctx, rest)
    if group is None:
        raise UserError("group.choose", choices=group_choices(ctx, all_groups=True))
    return _Schedule.of(ctx, group), rest


def _group_meeting_on(ctx: Context, words: list[str]) -> GroupInfo | None:
    for index in range(len(words)):
        try:
            day, _rest = date_and_rest(words[index:], today(ctx))
        except UserError:
            continue
        meeting_then = [g for g in my_groups(ctx) if meetings_on(schedule_of(ctx.store, g.id), day)]
        return meeting_then[0] if len(meeting_then) == 1 else None
    return None


def _day(ctx: Context, meeting: Meeting) -> str:
    return format_day(ctx.t, meeting.local_date)


def _require_changeable(ctx: Context, meeting: Meeting, *, cancelled_key: str) -> None:
    """Refuses a cancelled meeting, and one that has been held (begun, or has notes)."""

    if meeting.status == "cancelled":
        raise UserError(cancelled_key, date=_day(ctx, meeting))
    if held(meeting, ctx.now):
        raise UserError("calendar.meeting_past", date=_day(ctx, meeting))
    notes = ctx.store.notes.count_for_meeting(meeting.group_id, meeting.id, meeting.local_date)
    if held(meeting, ctx.now, notes):
        raise UserError("calendar.meeting_has_notes", date=_day(ctx, meeting))


# -- sammankallande byt | hoppa-över | sätt --


def swap(ctx: Context) -> Reply:
    schedule, rest = _group(ctx, "schedule.swap")
    first, rest = take_meeting(ctx, schedule.meetings, rest)
    second, rest = take_meeting(ctx, schedule.meetings, rest)
    if first.id == second.id:
        raise UserError("calendar.swap_same")
    for meeting in (first, second):
        _require_changeable(ctx, meeting, cancelled_key="calendar.meeting_cancelled")
        if meeting.convener_org is None:
            raise UserError("calendar.no_convener_on", date=_day(ctx, meeting))
    if first.convener_org == second.convener_org:
        raise UserError(
            "calendar.swap_same_convener", org=Names.of(ctx.store).org(first.convener_org),
            first=_day(ctx, first), second=_day(ctx, second),
        )
    change = ScheduleChange(kind="swap", meeting=first.id, other_meeting=second.id)
    return _apply(ctx, schedule, change, " ".join(rest), "schedule.swap", "calendar.swapped",
                  first=_day(ctx, first), second=_day(ctx, second))


def skip(ctx: Context) -> Reply:
    schedule, rest = _group(ctx, "schedule.skip")
    org, rest = take_organisation(ctx, rest)
    names = Names.of(ctx.store)
    calendar = schedule.calendar
    if calendar is None or org not in calendar.rotation_order:
        raise UserError("calendar.org_not_in_rotation", org=names.org(org),
                        group=schedule.group.short_name)
    term = next((tm for tm in calendar.terms if rest and fold(rest[0]) == fold(tm.id)), None)
    if term is not None:
        term_name = ctx.t(f"calendar.term.{term.kind}", year=term.start.year)
        convened = [m for m in schedule.meetings
                    if m.term_id == term.id and m.status != "cancelled" and m.convener_org == org]
        if not convened:
            raise UserError("calendar.skip_term_not_convener", org=names.org(org), term=term_name)
        change = ScheduleChange(kind="skip", organisation=org, term_id=term.id)
        return _apply(ctx, schedule, change, " ".join(rest[1:]), "schedule.skip",
                      "calendar.skipped_term", org=names.org(org), term=term_name)
    meeting, rest = take_meeting(ctx, schedule.meetings, rest)
    _require_changeable(ctx, meeting, cancelled_key="calendar.meeting_cancelled")
    if meeting.convener_org != org:
        raise UserError(
            "calendar.skip_not_convener", org=names.org(org), date=_day(ctx, meeting),
            convener=names.org(meeting.convener_org) or ctx.t("calendar.no_convener"),
        )
    change = ScheduleChange(kind="skip", organisation=org, meeting=meeting.id)
    return _apply(ctx, schedule, change, " ".join(rest), "schedule.skip",
                  "calendar.skipped_meeting", org=names.org(org), date=_day(ctx, meeting))


def assign(ctx: Context) -> Reply:
    schedule, rest = _group(ctx, "schedule.assign")
    meeting, rest = take_meeting(ctx, schedule.meetings, rest)
    org, rest = take_organisation(ctx, rest)
    names = Names.of(ctx.store)
    _require_changeable(ctx, meeting, cancelled_key="calendar.meeting_cancelled")
    if schedule.calendar is None or org not in schedule.calendar.rotation_order:
        raise UserError("calendar.org_not_in_rotation", org=names.org(org),
                        group=schedule.group.short_name)
    if meeting.convener_org == org:
        raise UserError("calendar.already_convener", org=names.org(org), date=_day(ctx, meeting))
    change = ScheduleChange(kind="assign", meeting=meeting.id, organisation=org)
    return _apply(ctx, schedule, change, " ".join(rest), "schedule.assign", "calendar.assigned",
                  org=names.org(org), date=_day(ctx, meeting))


# -- möte ställ-in | flytta --


def cancel(ctx: Context) -> Reply:
    schedule, rest = _group(ctx, "schedule.cancel")
    meeting, rest = take_meeting(ctx, schedule.meetings, rest)
    _require_changeable(ctx, meeting, cancelled_key="calendar.already_cancelled")
    change = ScheduleChange(kind="cancel", meeting=meeting.id)
    return _apply(ctx, schedule, change, " ".join(rest), "schedule.cancel", "calendar.cancelled",
                  date=_day(ctx, meeting))


def move(ctx: Context) -> Reply:
    schedule, rest = _group(ctx, "schedule.move")
    meeting, rest = take_meeting(ctx, schedule.meetings, rest)
    _require_changeable(ctx, meeting, cancelled_key="calendar.already_cancelled")
    if not rest:
        day, example = _move_example(ctx, schedule, meeting)
        raise UserError("calendar.new_time.missing", date=day, example=example,
                        group=schedule.group.id)
    new_day, new_time, rest = _take_new_time(ctx, rest, meeting)
    new_start = local_datetime(new_day, new_time)
    problem = _move_problem(ctx, schedule, meeting, new_start)
    if problem is not None:
        raise problem
    change = ScheduleChange(kind="move", meeting=meeting.id, new_start=new_start)
    return _apply(ctx, schedule, change, " ".join(rest), "schedule.move", "calendar.moved",
                  date=_day(ctx, meeting), new=f"{format_day(ctx.t, new_day)} {new_time:%H:%M}")


def _move_problem(
    ctx: Context, schedule: _Schedule, meeting: Meeting, new_start: datetime
) -> UserError | None:
    """Why a meeting cannot move to `new_start`, or None."""

    new_day = new_start.astimezone(STOCKHOLM).date()
    days_off = swedish_days_off((new_day.year,))
    if not is_working_day(new_day, days_off):
        why = days_off.get(new_day) or ctx.t("calendar.weekend")
        return UserError("calendar.not_working_day", date=format_day(ctx.t, new_day), why=why)
    calendar = schedule.calendar
    if calendar is None or not any(term.contains(new_day) for term in calendar.terms):
        return UserError("calendar.outside_term", date=format_day(ctx.t, new_day))
    if new_start <= ctx.now:
        return UserError("calendar.move_to_past", date=format_day(ctx.t, new_day))
    if new_start == meeting.start:
        return UserError("calendar.move_same", date=_day(ctx, meeting),
                         time=format_time_span(meeting))
    clash = overlapping(schedule.meetings, meeting, new_start,
                        new_start + (meeting.end - meeting.start))
    if clash is not None:
        return UserError("calendar.move_overlaps", group=schedule.group.short_name,
                         date=_day(ctx, clash), time=format_time_span(clash))
    return None


def _move_example(ctx: Context, schedule: _Schedule, meeting: Meeting) -> tuple[str, str]:
    """A new time this meeting could really move to, for the hint that asks for one: written
    the way `möte flytta` reads it, with the meeting's own date and group."""

    at_word = ctx.t("calendar.at_word")
    start = meeting.start.astimezone(STOCKHOLM)
    day = start.date()
    for offset in range(1, 15):
        candidate = day + timedelta(days=offset)
        new_start = local_datetime(candidate, start.time().replace(tzinfo=None))
        if _move_problem(ctx, schedule, meeting, new_start) is None:
            example = f"{typed_date(candidate, today(ctx))} {at_word} {start:%H:%M}"
            break
    else:
        example = f"{at_word} {(start + timedelta(hours=3)):%H:%M}"
    return typed_date(day, today(ctx)), example


_TIME_WORDS = ("kl", "kl.", "klockan", "at")
# A word meant as a time (`25`, `9:75`, `kl25`): read as one, or refused, never kept as text.
_TIME_LIKE = re.compile(r"(?:kl\.?|klockan)?[0-9]{1,2}(?:[:.][0-9]{1,2})?")


def _time_left_over(words: list[str]) -> str | None:
    if not words:
        return None
    first = fold(words[0])
    if first in _TIME_WORDS:
        return " ".join(words[:2])
    return words[0] if _TIME_LIKE.fullmatch(first) else None


def _take_new_time(
    ctx: Context, words: list[str], meeting: Meeting
) -> tuple[date, time, list[str]]:
    """`16 sep 10:00`, `16/9 kl 13`, `16/9` (same time) or `10:00` (same day).

    What follows the new time is the reason, unless it reads as a time that did not parse
    (`16/9 kl 25`): that is refused rather than moved to the old hour with "kl 25" as reason.
    """

    if not words:
        raise UserError("calendar.new_time.missing")
    current = meeting.start.astimezone(STOCKHOLM)
    specific: DateParseError | None = None
    for width in range(min(6, len(words)), 0, -1):
        text = " ".join(words[:width])
        rest = list(words[width:])
        try:
            day, at = parse_datetime(text, today=today(ctx))
            return _no_bad_time((day, at or current.time().replace(tzinfo=None), rest))
        except DateParseError as error:
            if error.code == "date.missing":
                same_day = _time_of(text)
                if same_day is not None:
                    return _no_bad_time((current.date(), same_day, rest))
            if specific is None and error.code in SPECIFIC_ERRORS:
                specific = error
            if width == 1:
                bad_time = _time_left_over(words)
                if bad_time is not None:
                    raise date_error(DateParseError("time.invalid", bad_time)) from None
                raise date_error(specific or error) from None
    raise UserError("calendar.new_time.missing")


def _time_of(text: str) -> time | None:
    try:
        return parse_time(text)
    except DateParseError:
        return None


def _no_bad_time(found: tuple[date, time, list[str]]) -> tuple[date, time, list[str]]:
    bad_time = _time_left_over(found[2])
    if bad_time is not None:
        raise date_error(DateParseError("time.invalid", bad_time))
    return found


# -- storing a change, and the answer --


def _apply(
    ctx: Context,
    schedule: _Schedule,
    change: ScheduleChange,
    reason: str,
    action: str,
    key: str,
    **params: Any,
) -> Reply:
    """Judges the change on the schedule it would make, stores and audits it, and answers."""

    before = schedule.meetings
    after = schedule.with_change(change)
    past = changed_history(before, after, ctx.now)
    if past is not None:
        raise UserError("calendar.would_change_held", date=_day(ctx, past))
    if [_shown(m) for m in before] == [_shown(m) for m in after]:
        raise UserError("calendar.no_effect")
    group = schedule.group
    number = ctx.store.calendar.add_change(group.id, change, actor_id=ctx.actor.id, reason=reason)
    ctx.store.audit.record(
        ctx.actor.id,
        action,
        "ok",
        f"group={group.id} meeting={change.meeting or ''} other={change.other_meeting or ''} "
        f"org={change.organisation or ''} term={change.term_id or ''}",
    )
    record_revisions(ctx.store, group, before, after)
    ctx.stored(SCHEDULE_CHANGE, number)
    return _answer(ctx, schedule, change, reason, ctx.t(key, group=group.short_name, **params))


def replay_change(ctx: Context) -> Reply | None:
    """A resent schedule change: the answer its first delivery gave, from the change it stored
    and the schedule as it was just before it (nothing is judged or stored again)."""

    number = ctx.stored_number(SCHEDULE_CHANGE)
    found = ctx.store.calendar.change(number) if number is not None else None
    group = ctx.store.calendar.group(found[0]) if found is not None else None
    if number is None or found is None or group is None:
        return None
    _group_id, change, reason = found
    calendar = ctx.store.calendar.calendar(group.id)
    changes = tuple(ctx.store.calendar.changes(group.id, before=number))
    schedule = _Schedule(group, calendar, changes,
                         build_schedule(calendar, changes) if calendar else [])
    return _answer(ctx, schedule, change, reason, _heading(ctx, schedule, change))


def _heading(ctx: Context, schedule: _Schedule, change: ScheduleChange) -> str:
    """The heading `_apply` gave a change, worked out from the change itself."""

    t, group = ctx.t, schedule.group.short_name
    names = Names.of(ctx.store)
    by_id = {m.id: m for m in schedule.meetings}
    meeting = by_id.get(change.meeting or "")
    day = _day(ctx, meeting) if meeting is not None else ""
    if change.kind == "swap":
        other = by_id.get(change.other_meeting or "")
        return t("calendar.swapped", group=group, first=day,
                 second=_day(ctx, other) if other is not None else "")
    if change.kind == "skip" and change.term_id:
        term = next((tm for tm in schedule.calendar.terms if tm.id == change.term_id), None) \
            if schedule.calendar is not None else None
        term_name = (t(f"calendar.term.{term.kind}", year=term.start.year) if term is not None
                     else change.term_id)
        return t("calendar.skipped_term", group=group, org=names.org(change.organisation),
                 term=term_name)
    if change.kind == "skip":
        return t("calendar.skipped_meeting", group=group, org=names.org(change.organisation),
                 date=day)
    if change.kind == "assign":
        return t("calendar.assigned", group=group, org=names.org(change.organisation), date=day)
    if change.kind == "cancel":
        return t("calendar.cancelled", group=group, date=day)
    assert change.new_start is not None
    new = change.new_start.astimezone(STOCKHOLM)
    return t("calendar.moved", group=group, date=day,
             new=f"{format_day(t, new.date())} {new:%H:%M}")


def _answer(
    ctx: Context, schedule: _Schedule, change: ScheduleChange, reason: str, heading: str
) -> Reply:
    """What a change did: the conveners it changed, the next meetings, warnings, the reason."""

    before = schedule.meetings
    after = schedule.with_change(change)
    names = Names.of(ctx.store)
    builder = ReplyBuilder(heading=heading)
    _effects(ctx, convener_changes(before, after), names, builder)
    touched = {change.meeting, change.other_meeting}
    _next_meetings(ctx, after, touched, names, builder)
    if schedule.calendar is not None:
        for repeat in new_repeats(schedule.calendar, before, after, ctx.now):
            builder.paragraph(_warning(ctx, schedule.calendar, repeat, names))
    if reason:
        builder.paragraph(ctx.t("calendar.reason", reason=reason))
    return builder.build()


def _shown(meeting: Meeting) -> tuple[object, ...]:
    return (meeting.id, meeting.start, meeting.status, meeting.convener_org)


def _org_or_none(ctx: Context, names: Names, org: str | None) -> str:
    return names.org(org) if org else ctx.t("calendar.no_convener")


def _effects(
    ctx: Context, runs: list[ConvenerChange], names: Names, builder: ReplyBuilder
) -> None:
    if not runs:
        return
    t = ctx.t
    lines = []
    for run in runs[:MAX_EFFECT_LINES]:
        new, old = _org_or_none(ctx, names, run.new), _org_or_none(ctx, names, run.old)
        if run.count == 1:
            lines.append(t("calendar.effect.single", date=_day(ctx, run.first), new=new, old=old))
        else:
            lines.append(t("calendar.effect.run", first=_day(ctx, run.first),
                           last=_day(ctx, run.last), count=run.count, new=new, old=old))
    if len(runs) > MAX_EFFECT_LINES:
        lines.append(t("calendar.effect.more", count=len(runs) - MAX_EFFECT_LINES))
    builder.paragraph(t("calendar.effect.title") + "\n" + "\n".join(lines))


def _next_meetings(
    ctx: Context, after: list[Meeting], touched: set[str | None], names: Names,
    builder: ReplyBuilder,
) -> None:
    """The next four meetings as they are now, and the changed ones if they come later."""

    t = ctx.t
    coming = upcoming(after, ctx.now, NEXT_MEETINGS)
    shown = {m.id for m in coming}
    later = [m for m in after if m.id in touched and m.id not in shown]
    rows = [
        (format_day(t, m.local_date), format_time_span(m), convener_text(t, m, names),
         status_text(t, m))
        for m in sorted([*coming, *later], key=lambda m: (m.start, m.id))
    ]
    if rows:
        builder.paragraph(t("calendar.next.title"))
        builder.table(
            (t("calendar.col.date"), t("calendar.col.time"), t("calendar.col.convener"),
             t("calendar.col.status")),
            rows,
        )


def _warning(ctx: Context, calendar: GroupCalendar, repeat: Repeat, names: Names) -> str:
    t = ctx.t
    terms = {term.id: term for term in calendar.terms}

    def when(unit: tuple[Meeting, ...]) -> str:
        term = terms.get(unit[0].term_id or "")
        if repeat.per == "term" and term is not None:
            return t(f"calendar.term.{term.kind}", year=term.start.year)
        return _day(ctx, unit[0])

    key = "calendar.warning.twice_terms" if repeat.per == "term" else (
        "calendar.warning.twice_meetings")
    return t(key, org=names.org(repeat.org), first=when(repeat.first),
             second=when(repeat.second), waited=names.org(repeat.waited))


__all__ = ["assign", "cancel", "move", "replay_change", "skip", "swap"]
