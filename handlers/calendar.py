"""Meetings and conveners: `möten`, `sammankallande`, `möte`, `kalender`, and the feed.

The schedule itself is computed by `domain.schedule` from the group's configuration and the
changes administrators made; this module only reads, asks, checks rights and words things.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

from domain.calendar import STOCKHOLM, is_working_day, local_datetime, swedish_days_off
from domain.dates import (
    DateParseError,
    format_date_en,
    format_date_sv,
    parse_date,
    parse_datetime,
    parse_time,
)
from domain.ics import FeedEvent, build_feed
from domain.model import GroupInfo
from domain.schedule import (
    Meeting,
    ScheduleChange,
    build_schedule,
    meetings_on,
    term_window,
    upcoming,
)
from handlers.core import Context, UserError, fold
from handlers.groups import group_choices, my_groups, take_group
from handlers.i18n import Translator
from handlers.messages import Reply, ReplyBuilder
from handlers.ports import Store

DEFAULT_COUNT = 5
# What a delivery stored (`Context.stored`), for the answer to its resend.
SCHEDULE_CHANGE, RENEWED_FEED = "schedule_change", "renewed_feed"
MAX_COUNT = 50


# -- shared wording --


@dataclass(frozen=True)
class Names:
    organisations: dict[str, str]
    people: dict[str, str]

    @staticmethod
    def of(store: Store) -> Names:
        return Names(store.calendar.organisation_names(), store.calendar.person_names())

    def org(self, org_id: str | None) -> str:
        return self.organisations.get(org_id or "", org_id or "")

    def person(self, person_id: str | None) -> str:
        return self.people.get(person_id or "", person_id or "")


def format_day(t: Translator, day: date) -> str:
    return format_date_sv(day) if t.language == "sv" else format_date_en(day)


def format_time_span(meeting: Meeting) -> str:
    start = meeting.start.astimezone(STOCKHOLM)
    end = meeting.end.astimezone(STOCKHOLM)
    return f"{start:%H:%M}–{end:%H:%M}"


def convener_text(t: Translator, meeting: Meeting, names: Names) -> str:
    if meeting.status == "cancelled":
        return "–"
    if meeting.convener_org is None:
        return t("calendar.no_convener")
    text = names.org(meeting.convener_org)
    if meeting.convener_person:
        text = t("calendar.convener_person", org=text, person=names.person(meeting.convener_person))
    if meeting.stand_in:
        text = t("calendar.with_stand_in", convener=text, stand_in=names.person(meeting.stand_in))
    return text


def status_text(t: Translator, meeting: Meeting) -> str:
    if meeting.status == "moved":
        return t("calendar.status.moved", date=format_day(t, meeting.original_local_date))
    return t(f"calendar.status.{meeting.status}")


def today(ctx: Context) -> date:
    return ctx.now.astimezone(STOCKHOLM).date()


def schedule_of(
    store: Store, group_id: str, window: tuple[date, date] | None = None
) -> list[Meeting]:
    calendar = store.calendar.calendar(group_id)
    if calendar is None:
        return []
    return build_schedule(calendar, store.calendar.changes(group_id), window)


# -- argument parsing --


def _date_error(error: DateParseError) -> UserError:
    return UserError(f"calendar.{error.code}", text=error.text)


# Errors that say more than "not a date": when no width parses, the widest of these is shown,
# so `ons 8 dec` (8 Dec is a Tuesday) is a weekday mismatch rather than "I don't know `ons`".
_SPECIFIC_ERRORS = frozenset({"date.weekday_mismatch", "date.ambiguous", "time.invalid"})


def take_date(words: Sequence[str], day: date) -> tuple[date, list[str]]:
    """A date written in one to four words (`15/9`, `15 sep`, `tis 15 sep 2026`), and the rest."""

    if not words:
        raise UserError("calendar.date.missing", text="")
    specific: DateParseError | None = None
    last_error: DateParseError | None = None
    for width in range(min(4, len(words)), 0, -1):
        try:
            return parse_date(" ".join(words[:width]), today=day), list(words[width:])
        except DateParseError as error:
            if specific is None and error.code in _SPECIFIC_ERRORS:
                specific = error
            if width == 1:
                last_error = error
    assert last_error is not None
    raise _date_error(specific or last_error)


def take_organisation(ctx: Context, words: Sequence[str]) -> tuple[str, list[str]]:
    if not words:
        raise UserError("calendar.org.missing")
    wanted = fold(words[0])
    for org_id, short_name in ctx.store.calendar.organisation_names().items():
        if wanted in (fold(org_id), fold(short_name)):
            return org_id, list(words[1:])
    names = ", ".join(sorted(ctx.store.calendar.organisation_names()))
    raise UserError("calendar.org.unknown", org=words[0], choices=names)


def take_count(words: list[str]) -> tuple[int, list[str]]:
    for index, word in enumerate(words):
        if word.isdigit():
            count = max(1, min(MAX_COUNT, int(word)))
            return count, words[:index] + words[index + 1 :]
    return DEFAULT_COUNT, words


def _take_clock(words: list[str]) -> tuple[time | None, list[str]]:
    """An optional time after a date (`kl 13`, `13:00`), to tell same-day meetings apart."""

    if words and fold(words[0]) in ("kl", "kl.", "at") and len(words) > 1:
        try:
            return parse_time(words[1]), words[2:]
        except DateParseError:
            return None, words
    if words:
        try:
            return parse_time(words[0]), words[1:]
        except DateParseError:
            pass
    return None, words


def take_meeting(
    ctx: Context, meetings: Sequence[Meeting], words: Sequence[str]
) -> tuple[Meeting, list[str]]:
    """The meeting a user names by its date, and by its time where a day has two."""

    day, rest = take_date(words, today(ctx))
    found = meetings_on(meetings, day)
    if not found:
        raise UserError("calendar.no_meeting_on", date=format_day(ctx.t, day))
    if len(found) == 1:
        return found[0], rest
    at, after = _take_clock(rest)
    chosen = [
        m for m in found if at is not None
        and m.start.astimezone(STOCKHOLM).strftime("%H:%M") == at.strftime("%H:%M")
    ]
    if len(chosen) == 1:
        return chosen[0], after
    times = ", ".join(format_time_span(m) for m in found)
    raise UserError("calendar.several_on", date=format_day(ctx.t, day), times=times)


def require_admin(ctx: Context, action: str) -> None:
    if not ctx.actor.is_admin:
        raise UserError("calendar.admin_only", audit=action, outcome="denied")


# -- möten --


def handle_meetings(ctx: Context) -> Reply:
    group, rest = take_group(ctx, ctx.args, required=False)
    count, rest = take_count(rest)
    if rest:
        # A word that is neither a group nor a number is a mistyped group, not noise.
        raise UserError("group.unknown", group=rest[0], choices=group_choices(ctx))
    groups = [group] if group else my_groups(ctx)
    if not groups:
        return Reply.text(ctx.t("calendar.no_groups"))
    names = Names.of(ctx.store)
    window = (today(ctx), date.max)
    meetings = sorted(
        (m for g in groups for m in schedule_of(ctx.store, g.id, window)),
        key=lambda m: m.start,
    )
    coming = upcoming(meetings, ctx.now, count)
    t = ctx.t
    heading = (
        t("calendar.meetings.title_group", group=groups[0].name)
        if group
        else t("calendar.meetings.title_mine")
    )
    if not coming:
        return Reply.text(t("calendar.meetings.none"), heading=heading)
    short = {g.id: g.short_name for g in groups}
    rows = [
        (
            format_day(t, m.local_date),
            format_time_span(m),
            short.get(m.group_id, m.group_id),
            convener_text(t, m, names),
            status_text(t, m),
        )
        for m in coming
    ]
    columns = (
        t("calendar.col.date"),
        t("calendar.col.time"),
        t("calendar.col.group"),
        t("calendar.col.convener"),
        t("calendar.col.status"),
    )
    builder = ReplyBuilder(heading=heading).table(columns, rows)
    location = next((m.location for m in coming if m.location), "")
    if location and group:
        builder.paragraph(t("calendar.meetings.location", location=location))
    return builder.build()


# -- sammankallande --


def handle_conveners(ctx: Context) -> Reply:
    action = fold(ctx.args[0]) if ctx.args else ""
    if action in ("byt", "swap"):
        return _swap(ctx)
    if action in ("hoppa-over", "skip"):
        return _skip(ctx)
    if action in ("satt", "set", "assign"):
        return _assign(ctx)
    group, _rest = take_group(ctx, ctx.args, required=False)
    groups = [group] if group else my_groups(ctx)
    if not groups:
        return Reply.text(ctx.t("calendar.no_groups"))
    builder = ReplyBuilder(heading=ctx.t("calendar.conveners.title"))
    names = Names.of(ctx.store)
    for one in groups:
        _convener_overview(ctx, one, names, builder)
    return builder.build()


def _convener_overview(ctx: Context, group: GroupInfo, names: Names, builder: ReplyBuilder) -> None:
    t = ctx.t
    calendar = ctx.store.calendar.calendar(group.id)
    meetings = schedule_of(ctx.store, group.id)
    held = [m for m in meetings if m.status != "cancelled"]
    started = [m for m in held if m.start <= ctx.now]
    coming = [m for m in held if m.start > ctx.now]
    builder.paragraph(t("calendar.conveners.group", group=group.name))
    now_text = convener_text(t, started[-1], names) if started else t("calendar.none_yet")
    next_text = (
        t(
            "calendar.conveners.next_at",
            convener=convener_text(t, coming[0], names),
            date=format_day(t, coming[0].local_date),
        )
        if coming
        else t("calendar.none_planned")
    )
    builder.fields(
        (t("calendar.conveners.now"), now_text), (t("calendar.conveners.next"), next_text)
    )
    terms = term_window(calendar.terms if calendar else (), today(ctx))
    rows: list[tuple[str, ...]] = []
    for term in terms:
        in_term = [m for m in meetings if m.term_id == term.id]
        if calendar is not None and calendar.rotation_per == "term":
            conveners = {convener_text(t, m, names) for m in in_term if m.status != "cancelled"}
            rows.append(
                (
                    t(f"calendar.term.{term.kind}", year=term.start.year),
                    t("calendar.conveners.whole_term"),
                    "; ".join(sorted(conveners)) or "–",
                )
            )
            exceptions = [m for m in in_term if m.convener_reason in ("swap", "assign")]
            rows.extend(
                ("", format_day(t, m.local_date), convener_text(t, m, names)) for m in exceptions
            )
        else:
            rows.extend(
                (
                    t(f"calendar.term.{term.kind}", year=term.start.year),
                    format_day(t, m.local_date),
                    convener_text(t, m, names) if m.status != "cancelled" else status_text(t, m),
                )
                for m in in_term
            )
    if rows:
        builder.table(
            (t("calendar.col.term"), t("calendar.col.date"), t("calendar.col.convener")), rows
        )


def _changed(
    ctx: Context,
    group: GroupInfo,
    change: ScheduleChange,
    reason: str,
    action: str,
    before: Sequence[Meeting],
) -> Reply:
    """Stores a change, audits it, and answers with the meetings it touched as they are now.

    `before`: the group's meetings as they were before the change (the answer names them so).
    """

    number = ctx.store.calendar.add_change(group.id, change, actor_id=ctx.actor.id, reason=reason)
    ctx.store.audit.record(
        ctx.actor.id,
        action,
        "ok",
        f"group={group.id} meeting={change.meeting or ''} other={change.other_meeting or ''} "
        f"org={change.organisation or ''} term={change.term_id or ''}",
    )
    ctx.stored(SCHEDULE_CHANGE, number)
    return _change_reply(ctx, group, change, reason, before)


def _change_heading(
    ctx: Context, group: GroupInfo, change: ScheduleChange, before: Sequence[Meeting],
    names: Names,
) -> str:
    t = ctx.t
    was = {m.id: m for m in before}.get(change.meeting or "")
    day = format_day(t, was.local_date) if was is not None else ""
    org = names.org(change.organisation)
    if change.kind == "swap":
        return t("calendar.swapped", group=group.short_name)
    if change.kind == "skip" and change.term_id:
        return t("calendar.skipped_term", group=group.short_name, org=org, term=change.term_id)
    if change.kind == "skip":
        return t("calendar.skipped_meeting", group=group.short_name, org=org, date=day)
    if change.kind == "assign":
        return t("calendar.assigned", group=group.short_name, org=org, date=day)
    if change.kind == "cancel":
        return t("calendar.cancelled", group=group.short_name, date=day)
    assert change.new_start is not None
    new = change.new_start.astimezone(STOCKHOLM)
    return t("calendar.moved", group=group.short_name, date=day,
             new=f"{format_day(t, new.date())} {new:%H:%M}")


def _change_reply(
    ctx: Context, group: GroupInfo, change: ScheduleChange, reason: str,
    before: Sequence[Meeting],
) -> Reply:
    names = Names.of(ctx.store)
    after = {m.id: m for m in schedule_of(ctx.store, group.id)}
    touched = [after[i] for i in (change.meeting, change.other_meeting) if i and i in after]
    builder = ReplyBuilder(heading=_change_heading(ctx, group, change, before, names))
    if touched:
        builder.table(
            (
                ctx.t("calendar.col.date"),
                ctx.t("calendar.col.time"),
                ctx.t("calendar.col.convener"),
                ctx.t("calendar.col.status"),
            ),
            [
                (
                    format_day(ctx.t, m.local_date),
                    format_time_span(m),
                    convener_text(ctx.t, m, names),
                    status_text(ctx.t, m),
                )
                for m in touched
            ],
        )
    if reason:
        builder.paragraph(ctx.t("calendar.reason", reason=reason))
    return builder.build()


def replay_change(ctx: Context) -> Reply | None:
    """A resent schedule change: the answer to the change its first delivery stored."""

    number = ctx.stored_number(SCHEDULE_CHANGE)
    found = ctx.store.calendar.change(number) if number is not None else None
    if number is None or found is None:
        return None
    group_id, change, reason = found
    group = ctx.store.calendar.group(group_id)
    calendar = ctx.store.calendar.calendar(group_id)
    if group is None or calendar is None:
        return None
    before = build_schedule(calendar, ctx.store.calendar.changes(group_id, before=number))
    return _change_reply(ctx, group, change, reason, before)


def _swap(ctx: Context) -> Reply:
    require_admin(ctx, "schedule.swap")
    group, rest = take_group(ctx, ctx.args[1:], required=True)
    assert group is not None
    meetings = schedule_of(ctx.store, group.id)
    first, rest = take_meeting(ctx, meetings, rest)
    second, rest = take_meeting(ctx, meetings, rest)
    if first.id == second.id:
        raise UserError("calendar.swap_same")
    change = ScheduleChange(kind="swap", meeting=first.id, other_meeting=second.id)
    return _changed(ctx, group, change, " ".join(rest), "schedule.swap", meetings)


def _skip(ctx: Context) -> Reply:
    require_admin(ctx, "schedule.skip")
    group, rest = take_group(ctx, ctx.args[1:], required=True)
    assert group is not None
    org, rest = take_organisation(ctx, rest)
    calendar = ctx.store.calendar.calendar(group.id)
    if calendar is None or org not in calendar.rotation_order:
        raise UserError(
            "calendar.org_not_in_rotation", org=Names.of(ctx.store).org(org), group=group.short_name
        )
    term = next((tm for tm in calendar.terms if rest and fold(rest[0]) == fold(tm.id)), None)
    if term is not None:
        change = ScheduleChange(kind="skip", organisation=org, term_id=term.id)
        return _changed(ctx, group, change, " ".join(rest[1:]), "schedule.skip", [])
    meetings = schedule_of(ctx.store, group.id)
    meeting, rest = take_meeting(ctx, meetings, rest)
    change = ScheduleChange(kind="skip", organisation=org, meeting=meeting.id)
    return _changed(ctx, group, change, " ".join(rest), "schedule.skip", meetings)


def _assign(ctx: Context) -> Reply:
    require_admin(ctx, "schedule.assign")
    group, rest = take_group(ctx, ctx.args[1:], required=True)
    assert group is not None
    meetings = schedule_of(ctx.store, group.id)
    meeting, rest = take_meeting(ctx, meetings, rest)
    org, rest = take_organisation(ctx, rest)
    change = ScheduleChange(kind="assign", meeting=meeting.id, organisation=org)
    return _changed(ctx, group, change, " ".join(rest), "schedule.assign", meetings)


# -- möte ställ-in / flytta --


def handle_meeting(ctx: Context) -> Reply:
    action = fold(ctx.args[0]) if ctx.args else ""
    if action in ("stall-in", "cancel"):
        return _cancel(ctx)
    if action in ("flytta", "move"):
        return _move(ctx)
    raise UserError("calendar.meeting.usage")


def _cancel(ctx: Context) -> Reply:
    require_admin(ctx, "schedule.cancel")
    group, rest = take_group(ctx, ctx.args[1:], required=True)
    assert group is not None
    meetings = schedule_of(ctx.store, group.id)
    meeting, rest = take_meeting(ctx, meetings, rest)
    if meeting.status == "cancelled":
        raise UserError("calendar.already_cancelled", date=format_day(ctx.t, meeting.local_date))
    change = ScheduleChange(kind="cancel", meeting=meeting.id)
    return _changed(ctx, group, change, " ".join(rest), "schedule.cancel", meetings)


def _move(ctx: Context) -> Reply:
    require_admin(ctx, "schedule.move")
    group, rest = take_group(ctx, ctx.args[1:], required=True)
    assert group is not None
    meetings = schedule_of(ctx.store, group.id)
    meeting, rest = take_meeting(ctx, meetings, rest)
    if meeting.status == "cancelled":
        raise UserError("calendar.already_cancelled", date=format_day(ctx.t, meeting.local_date))
    new_day, new_time, rest = _take_new_time(ctx, rest, meeting)
    days_off = swedish_days_off((new_day.year,))
    if not is_working_day(new_day, days_off):
        why = days_off.get(new_day) or ctx.t("calendar.weekend")
        raise UserError("calendar.not_working_day", date=format_day(ctx.t, new_day), why=why)
    calendar = ctx.store.calendar.calendar(group.id)
    if calendar is None or not any(term.contains(new_day) for term in calendar.terms):
        raise UserError("calendar.outside_term", date=format_day(ctx.t, new_day))
    new_start = local_datetime(new_day, new_time)
    if new_start <= ctx.now:
        raise UserError("calendar.move_to_past", date=format_day(ctx.t, new_day))
    change = ScheduleChange(kind="move", meeting=meeting.id, new_start=new_start)
    return _changed(ctx, group, change, " ".join(rest), "schedule.move", meetings)


def _take_new_time(
    ctx: Context, words: list[str], meeting: Meeting
) -> tuple[date, time, list[str]]:
    """`16 sep 10:00`, `16/9 kl 13`, `16/9` (same time) or `10:00` (same day)."""

    if not words:
        raise UserError("calendar.new_time.missing")
    current = meeting.start.astimezone(STOCKHOLM)
    specific: DateParseError | None = None
    for width in range(min(6, len(words)), 0, -1):
        text = " ".join(words[:width])
        try:
            day, at = parse_datetime(text, today=today(ctx))
            return day, at or current.time().replace(tzinfo=None), list(words[width:])
        except DateParseError as error:
            if error.code == "date.missing":
                try:
                    return current.date(), parse_time(text), list(words[width:])
                except DateParseError:
                    pass
            if specific is None and error.code in _SPECIFIC_ERRORS:
                specific = error
            if width == 1:
                raise _date_error(specific or error) from None
    raise UserError("calendar.new_time.missing")


# -- kalender and the feed --


def handle_calendar(ctx: Context) -> Reply:
    renew = bool(ctx.args) and fold(ctx.args[0]) in ("ny-lank", "new-link", "renew")
    group, _rest = take_group(ctx, ctx.args[1:] if renew else ctx.args, required=True)
    assert group is not None
    if not renew:
        return _feed_reply(ctx, group, renewed=False)
    require_admin(ctx, "calendar.renew_link")
    revoked = ctx.store.calendar.revoke_feeds(group.id)
    ctx.store.audit.record(
        ctx.actor.id, "calendar.renew_link", "ok", f"group={group.id} revoked={revoked}"
    )
    reply = _feed_reply(ctx, group, renewed=True)
    ctx.stored(RENEWED_FEED, group.id)
    return reply


def _feed_reply(ctx: Context, group: GroupInfo, *, renewed: bool) -> Reply:
    """The group's feed link (made on first use: asking again gives the same one)."""

    token = ctx.store.calendar.feed_token(group.id, ctx.actor.id)
    url = feed_url(ctx.options.public_base_url, token)
    builder = ReplyBuilder(heading=ctx.t("calendar.feed.title", group=group.name))
    builder.paragraph(ctx.t("calendar.feed.link", url=url))
    builder.paragraph(ctx.t("calendar.feed.howto"))
    if renewed:
        builder.paragraph(ctx.t("calendar.feed.renewed"))
    return builder.build()


def replay_feed(ctx: Context) -> Reply | None:
    """A resent `kalender ny-länk`: the link it made, not another new one."""

    group_id = ctx.stored_value(RENEWED_FEED)
    group = ctx.store.calendar.group(group_id) if group_id else None
    return _feed_reply(ctx, group, renewed=True) if group is not None else None


def feed_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/kalender/{token}.ics"


def group_feed(store: Store, group_id: str, t: Translator, now: datetime) -> bytes | None:
    group = store.calendar.group(group_id)
    if group is None:
        return None
    names = Names.of(store)
    meetings = schedule_of(store, group_id)
    events = {m.id: _feed_event(t, group, m, names) for m in meetings}
    # What a calendar shows of a meeting, in no particular language: a feed fetched in English
    # must not look like a change to one fetched in Swedish.
    sequences = store.calendar.sequences(
        meetings,
        {
            m.id: "|".join(
                str(part)
                for part in (
                    m.start.isoformat(), m.end.isoformat(), m.status, m.location,
                    m.convener_org, names.person(m.convener_person), names.person(m.stand_in),
                    group.name,
                )
            )
            for m in meetings
        },
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
    store: Store, group: GroupInfo, window: tuple[date, date]
) -> list[dict[str, Any]]:
    """The schedule as plain records, for `samverkan schedule --format json`."""

    names = Names.of(store)
    return [
        {
            "group": group.id,
            "meeting_id": m.id,
            "start": m.start.astimezone(STOCKHOLM).isoformat(),
            "end": m.end.astimezone(STOCKHOLM).isoformat(),
            "status": m.status,
            "convener_org": m.convener_org,
            "convener_person": names.person(m.convener_person) or None,
            "convener_person_id": m.convener_person,
            "stand_in": names.person(m.stand_in) or None,
            "term": m.term_id,
            "location": m.location,
            "original_start": m.original_start.astimezone(STOCKHOLM).isoformat(),
        }
        for m in schedule_of(store, group.id, window)
    ]
