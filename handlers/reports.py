"""`sammanfattning`, `status`, `export`: the reports in chat, and links to their files.

- `sammanfattning [grupp] [sedan <datum>]` (`summary`), for conveners: the group's updates
  since its last meeting, who has not reported, upphämtning, the next meeting and a draft
  agenda. Marked shareable: Slack offers to post it in the channel.
- `status [målområde] [period]` (`status`), for the chefsgrupp: the whole plan on one page,
  with the chart as a PNG attachment (doors that can upload it do).
- `export [status|sammanfattning|uppdateringar] [format] [grupp|målområde] [period]`: a
  signed link, valid `Options.export_link_hours`, to a file built when it is fetched. The
  words come in any order (`export sammanfattning docx --grupp arbetsgrupp`, `export docx
  sammanfattning arbetsgrupp`); a file format the bot does not make (`pdf`) is answered as
  such, with the formats it does make.

The reports themselves are built in `app.reports`; this module reads the words and
`app.document_reply` renders the neutral document for chat.

Rules chosen here:
- Periods: `sedan <datum>` (until now), a year (`2026`), or a half-year (`vt2026` =
  January–June, `ht2026` = July–December: calendar halves, so the summer break belongs to
  one). A date without a year means the latest such date that has been.
- A refusal names its reason: a summary is its group's members' and the administrators'
  (anyone may have the plan's status instead).
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Final

from app import messages as chat
from app.agenda import meetings, minutes_day, minutes_document, minutes_meeting
from app.core import Context, UserError
from app.document_reply import document_reply
from app.groups import take_group, take_named_group
from app.messages import Attachment, Reply
from app.reports import (
    FORMATS,
    PeriodChoice,
    default_status_since,
    export_url,
    goal_areas_named,
    may_summarise,
    midnight,
    status_document,
    summary_document,
    summary_window,
    until_of,
    update_scope,
)
from app.wording import format_day, format_moment, local_day
from domain.dates import DateParseError, looking_back, take_date
from domain.export_link import ExportKind, ExportRequest
from domain.model import GroupInfo
from domain.pnr import redact
from domain.report_words import local_date
from domain.text import fold

FORMAT_WORDS: Final[dict[str, str]] = {
    "docx": "docx", "word": "docx", "xlsx": "xlsx", "excel": "xlsx", "csv": "csv",
    "md": "md", "markdown": "md", "png": "png", "bild": "png", "image": "png", "json": "json",
}
KIND_WORDS: Final[dict[str, ExportKind]] = {
    "status": "status", "sammanfattning": "summary", "summary": "summary",
    "uppdateringar": "updates", "updates": "updates", "lagesrapporter": "updates",
    "anteckningar": "minutes", "minutes": "minutes", "protokoll": "minutes",
    "uppfoljning": "followup", "follow-up": "followup", "followup": "followup",
}
SINCE_WORDS: Final = frozenset({"sedan", "since", "fran", "from"})
_YEAR: Final = re.compile(r"(?:19|20)[0-9]{2}")
_HALF: Final = re.compile(r"(vt|ht|h1|h2)-?((?:19|20)[0-9]{2})")
# File formats people ask for that the bot does not make: what the standard library's own
# table of types knows (`pdf`, `doc`, `xls`, `txt`, `html`, …; three letters or more), and
# the office formats it lacks.
_KNOWN_TYPES: Final = mimetypes.MimeTypes()
_OFFICE_FORMATS: Final = frozenset({
    "docm", "dotx", "odt", "ods", "odp", "pptx", "rtf", "xlsm", "xltx", "pages", "numbers",
})


def foreign_format(word: str) -> str | None:
    """The format a word names when it is a file format the bot does not make."""

    key = fold(word).lstrip(".")
    if key in FORMAT_WORDS or not key.isalnum() or not 3 <= len(key) <= 7:
        return None
    if key in _OFFICE_FORMATS or _KNOWN_TYPES.guess_type(f"file.{key}")[0] is not None:
        return key
    return None


# --- the words ----------------------------------------------------------------------------


def take_period(ctx: Context, words: Sequence[str]) -> tuple[PeriodChoice, list[str]]:
    rest: list[str] = []
    choice = PeriodChoice()
    today = local_day(ctx.now)
    index = 0
    while index < len(words):
        word = fold(words[index])
        if word in SINCE_WORDS and index + 1 < len(words):
            try:
                day, count = take_date(words[index + 1:], today=today)
            except DateParseError as error:
                raise UserError(f"calendar.{error.code}", text=error.text) from None
            written = " ".join(words[index + 1:index + 1 + count])
            choice = PeriodChoice(midnight(looking_back(day, written, today)), None)
            index += 1 + count
            continue
        half = _HALF.fullmatch(word)
        if _YEAR.fullmatch(word):
            year = int(word)
            choice = PeriodChoice(midnight(date(year, 1, 1)), midnight(date(year + 1, 1, 1)))
        elif half is not None:
            year = int(half.group(2))
            first = half.group(1) in ("vt", "h1")
            start = date(year, 1, 1) if first else date(year, 7, 1)
            end = date(year, 7, 1) if first else date(year + 1, 1, 1)
            choice = PeriodChoice(midnight(start), midnight(end))
        else:
            rest.append(words[index])
        index += 1
    if choice.since is not None and choice.since > ctx.now:
        raise UserError("reports.error.future", date=local_date(choice.since).isoformat())
    return choice, rest


def match_goal_areas(ctx: Context, words: Sequence[str]) -> tuple[str, ...] | None:
    """The goal areas words name (a code, or words of the title); None: no words, all."""

    return goal_areas_named(ctx.store, words)


def _request(
    ctx: Context,
    kind: ExportKind,
    fmt: str,
    *,
    group: GroupInfo | None = None,
    goal_areas: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ExportRequest:
    return ExportRequest(
        kind=kind, format=fmt, person_id=ctx.actor.id, language=ctx.language,
        expires=ctx.now + timedelta(hours=ctx.options.export_link_hours),
        group_id=group.id if group else None, goal_areas=tuple(goal_areas or ()),
        since=since, until=until,
    )


def handle_status(ctx: Context) -> Reply:
    choice, words = take_period(ctx, ctx.args)
    areas = match_goal_areas(ctx, words)
    group, _ = take_group(ctx, [], required=False)
    since = choice.since or default_status_since(ctx.store, group, ctx.now)
    until = until_of(choice, ctx.now)
    document = status_document(ctx.store, ctx.t, ctx.options, since=since, until=until,
                               goal_areas=areas)
    attachments: tuple[Attachment, ...] = ()
    charts = document.charts()
    if charts:
        from reports.chart import render_png

        attachments = (Attachment(f"{document.filename}.png", "image/png",
                                  render_png(charts[0])),)
    link = _request(ctx, "status", "docx", goal_areas=areas, since=since,
                    until=choice.until)
    return document_reply(ctx, document, link, attachments=attachments, shareable=True)


def _summary_group(
    ctx: Context, group: GroupInfo | None, rest: list[str], action: str
) -> tuple[GroupInfo, list[str]]:
    """The group a summary is asked for (the one named, else the channel's or the person's
    only one), if the person may have it: its members and the administrators."""

    if group is None:
        group, rest = take_group(ctx, rest, required=True)
    assert group is not None
    if not may_summarise(ctx.store, ctx.actor, group.id):
        raise UserError("reports.error.summary_not_member", audit=action, outcome="denied",
                        audit_detail=group.id, group=group.short_name)
    return group, rest


def handle_summary(ctx: Context) -> Reply:
    choice, words = take_period(ctx, ctx.args)
    named, rest = take_named_group(ctx, words)
    group, rest = _summary_group(ctx, named, rest, "reports.summary")
    if rest:
        raise UserError("reports.error.summary_usage")
    window = summary_window(ctx.store, group, ctx.now, choice)
    document = summary_document(ctx.store, ctx.t, group, ctx.now, window=window)
    link = _request(ctx, "summary", "docx", group=group, since=window.since,
                    until=choice.until)
    return document_reply(ctx, document, link, shareable=True)


def _refuse_foreign_format(kind: ExportKind, words: Sequence[str]) -> None:
    """A word that names a file format the bot does not make (`pdf`) is answered as such."""

    for word in words:
        foreign = foreign_format(word)
        if foreign is not None:
            raise UserError("reports.error.unknown_format", format=redact(foreign)[:12],
                            formats=", ".join(FORMATS[kind]))


def handle_export(ctx: Context) -> Reply:
    t = ctx.t
    kind: ExportKind | None = None
    fmt: str | None = None
    words: list[str] = []
    for word in ctx.args:
        key = fold(word).lstrip(".")
        if kind is None and key in KIND_WORDS:
            kind = KIND_WORDS[key]
        elif fmt is None and key in FORMAT_WORDS:
            fmt = FORMAT_WORDS[key]
        else:
            words.append(word)
    kind = kind or "status"
    fmt = fmt or FORMATS[kind][0]
    if fmt not in FORMATS[kind]:
        raise UserError("reports.error.format", kind=_kind_word(ctx, kind), format=fmt,
                        formats=", ".join(FORMATS[kind]))
    choice, rest = take_period(ctx, words)
    group: GroupInfo | None = None
    areas: tuple[str, ...] | None = None
    since, until = choice.since, choice.until
    meeting_day: date | None = None
    if kind in ("status", "followup"):
        _refuse_foreign_format(kind, rest)
        areas = match_goal_areas(ctx, rest)
    else:
        group, rest = take_named_group(ctx, rest)
        _refuse_foreign_format(kind, rest)
        if kind == "minutes" and rest:
            # `export anteckningar docx 8/9`: the meeting's date.
            meeting_day, rest = minutes_day(ctx, rest)
        if rest:
            raise UserError("reports.error.export_usage")
    if kind in ("summary", "minutes"):
        group, _ = _summary_group(ctx, group, [], "reports.export")
    elif kind == "updates":
        scope = update_scope(ctx.store, ctx.actor)
        if group is not None and scope is not None and group.id not in scope:
            raise UserError("reports.error.not_allowed", audit="reports.export",
                            outcome="denied", audit_detail=group.id,
                            group=group.short_name)
    if kind == "status" and since is None:
        context_group, _ = take_group(ctx, [], required=False)
        since = default_status_since(ctx.store, context_group, ctx.now)
    elif kind == "summary":
        assert group is not None
        since = summary_window(ctx.store, group, ctx.now, choice).since
    elif kind == "minutes":
        assert group is not None
        meeting_day, _ = minutes_meeting(ctx.store, group, meeting_day, ctx.now)
        since, until = midnight(meeting_day), None
    request = _request(ctx, kind, fmt, group=group, goal_areas=areas, since=since,
                       until=until)
    url = export_url(ctx.store, ctx.options, request)
    return (
        chat.ReplyBuilder(heading=t("reports.export.title", kind=_kind_word(ctx, kind),
                                    format=fmt.upper()))
        .paragraph(t("reports.export.link", url=url, until=format_moment(t, request.expires)))
        .paragraph(t("reports.export.note"))
        .build()
    )


def _kind_word(ctx: Context, kind: ExportKind) -> str:
    return ctx.t(f"reports.kind.{kind}")


def handle_minutes(ctx: Context) -> Reply:
    """`anteckningar [grupp] [datum]` (`minutes`): the minutes of the group's latest meeting (or
    the one on the date), drafted from what the bot knows; for its members and administrators,
    shareable (*Dela i kanalen*), with the file's link."""

    named, words = take_named_group(ctx, list(ctx.args))
    group, _ = _summary_group(ctx, named, [], "agenda.minutes")
    day: date | None = None
    if words:
        day, words = minutes_day(ctx, words)
    if words:
        raise UserError("agenda.error.minutes_usage")
    meeting_day, meeting = minutes_meeting(ctx.store, group, day, ctx.now)
    if day is not None and meeting is None and meetings(ctx.store, group.id):
        raise UserError("agenda.error.no_minutes_meeting", date=format_day(ctx.t, day),
                        group=group.short_name)
    document = minutes_document(ctx.store, ctx.t, group, day, ctx.now)
    link = _request(ctx, "minutes", "docx", group=group, since=midnight(meeting_day))
    return document_reply(ctx, document, link, shareable=True)
