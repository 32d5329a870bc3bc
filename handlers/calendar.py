"""Meetings and conveners in chat: `möten`, `sammankallande`, `möte`, `kalender`.

The schedule itself is computed by `domain.schedule` from the group's configuration and the
changes administrators made; this module reads and words it. The changes (`sammankallande
byt|hoppa-över|sätt`, `möte ställ-in|flytta`) are judged and stored by
`handlers.schedule_changes`; the feed is `app.feed`.
"""

from __future__ import annotations

from datetime import date

from app.core import Context, UserError
from app.feed import feed_url
from app.groups import group_choices, my_groups, take_group
from app.messages import Reply, ReplyBuilder
from app.schedule_text import (
    Names,
    convener_text,
    format_time_span,
    require_admin,
    schedule_of,
    status_text,
    today,
)
from app.wording import format_day
from domain.model import GroupInfo
from domain.schedule import term_window, upcoming
from domain.text import fold
from handlers import schedule_changes

DEFAULT_COUNT = 5
# What `kalender ny-länk` stored (`Context.stored`), for the answer to its resend.
RENEWED_FEED = "renewed_feed"
MAX_COUNT = 50


def take_count(words: list[str]) -> tuple[int, list[str]]:
    for index, word in enumerate(words):
        if word.isdigit():
            count = max(1, min(MAX_COUNT, int(word)))
            return count, words[:index] + words[index + 1 :]
    return DEFAULT_COUNT, words


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
        return schedule_changes.swap(ctx)
    if action in ("hoppa-over", "skip"):
        return schedule_changes.skip(ctx)
    if action in ("satt", "set", "assign"):
        return schedule_changes.assign(ctx)
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


# -- möte ställ-in / flytta --


def handle_meeting(ctx: Context) -> Reply:
    action = fold(ctx.args[0]) if ctx.args else ""
    if action in ("stall-in", "cancel"):
        return schedule_changes.cancel(ctx)
    if action in ("flytta", "move"):
        return schedule_changes.move(ctx)
    raise UserError("calendar.meeting.usage")


# -- kalender --


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
