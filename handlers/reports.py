"""`sammanfattning`, `status`, `export`: reports in chat, as files, and their signed links.

- `sammanfattning [grupp] [sedan <datum>]` (`summary`), for conveners: the group's updates
  since its last meeting, who has not reported, upphämtning, the next meeting and a draft
  agenda. Marked shareable: Slack offers to post it in the channel.
- `status [målområde] [period]` (`status`), for the chefsgrupp: the whole plan on one page,
  with the chart as a PNG attachment (doors that can upload it do).
- `export [status|sammanfattning|uppdateringar] [format] [grupp|målområde] [period]`: a
  signed link, valid `Options.export_link_hours`, to a file built when it is fetched.

Reports are built once: `storage` aggregates (`store.reports`), `domain.report` makes the
neutral document, and this module only renders it for chat (`document_reply`) or hands it to
a file renderer (`reports/`). The web route and `samverkan report` call `build_file` too.

Rules chosen here:
- Periods: `sedan <datum>` (until now), a year (`2026`), or a half-year (`vt2026` =
  January–June, `ht2026` = July–December: calendar halves, so the summer break belongs to
  one). A date without a year means the latest such date that has been.
- The status's previous period starts at the last meeting of the group the command is about
  (its channel, or the person's only group); otherwise `DEFAULT_PERIOD_DAYS` back.
- The summary's window starts at the group's meeting before its next one (the meeting under
  way counts as the next), else at its latest meeting, else `DEFAULT_PERIOD_DAYS` back.
- Who may see what: the status, every active person; a summary, the group's members and
  administrators; the `uppdateringar` rows, administrators and chefs everything, everyone
  else their own groups. A link checks this again, and that its person is still active,
  when it is fetched.
- Chat size: a report longer than the platform's budget (`CHAT_BUDGET`, characters) is cut
  at a block or line boundary, and the reply says so and gives the link to the whole file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Final, Literal

from domain.calendar import local_datetime
from domain.dates import DateParseError
from domain.document import (
    LIGHT_SYMBOLS,
    Block,
    BulletList,
    Chart,
    Dataset,
    Divider,
    Document,
    Fields,
    Heading,
    Paragraph,
    Table,
)
from domain.export_link import KINDS, ExportKind, ExportRequest, link_key, sign, verify
from domain.model import GroupInfo, Person
from domain.plan import PlanActivity
from domain.reminders import previous_meeting_start
from domain.report import (
    NextMeeting,
    Period,
    StatusFigures,
    Upphamtning,
    build_status,
    build_summary,
    local_date,
    slug,
    status_dataset,
    update_dataset,
)
from domain.schedule import Meeting, latest_held
from domain.signed_link import LinkError, PurposeKey
from handlers import messages as chat
from handlers.core import Context, Options, UserError, fold
from handlers.groups import take_group
from handlers.i18n import Translator, translator
from handlers.messages import Attachment, Reply
from handlers.notes import _looking_back, resolve_group, take_date
from handlers.ports import Store
from handlers.schedule_text import Names, convener_text, schedule_of
from handlers.updates import format_moment, local_day

DEFAULT_PERIOD_DAYS: Final = 90
DOWNLOAD: Final = "reports.download"
# Characters of text one chat answer carries before it is shortened with a link to the file.
# Slack: the door splits a reply into messages of 50 blocks, but a report should not flood a
# channel; Teams: an Adaptive Card must stay under 28 KB, markup and UTF-8 included.
CHAT_BUDGET: Final[dict[str, int | None]] = {"console": None, "slack": 12_000, "teams": 9_000}
# Cells longer than this make a table a list of lines in chat (monospace tables do not wrap).
CHAT_CELL: Final = 40

FORMATS: Final[dict[ExportKind, tuple[str, ...]]] = {
    "status": ("docx", "xlsx", "csv", "md", "png", "json"),
    "summary": ("docx", "md", "xlsx", "csv", "json", "png"),
    "updates": ("xlsx", "csv", "json"),
}
FORMAT_WORDS: Final[dict[str, str]] = {
    "docx": "docx", "word": "docx", "xlsx": "xlsx", "excel": "xlsx", "csv": "csv",
    "md": "md", "markdown": "md", "png": "png", "bild": "png", "image": "png", "json": "json",
}
KIND_WORDS: Final[dict[str, ExportKind]] = {
    "status": "status", "sammanfattning": "summary", "summary": "summary",
    "uppdateringar": "updates", "updates": "updates", "lagesrapporter": "updates",
}
SINCE_WORDS: Final = frozenset({"sedan", "since", "fran", "from"})
_YEAR: Final = re.compile(r"(?:19|20)[0-9]{2}")
_HALF: Final = re.compile(r"(vt|ht|h1|h2)-?((?:19|20)[0-9]{2})")


# --- periods --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodChoice:
    """What the words said; None where they said nothing."""

    since: datetime | None = None
    until: datetime | None = None


def midnight(day: date) -> datetime:
    return local_datetime(day, time(0))


def take_period(ctx: Context, words: Sequence[str]) -> tuple[PeriodChoice, list[str]]:
    rest: list[str] = []
    choice = PeriodChoice()
    today = local_day(ctx.now)
    index = 0
    while index < len(words):
        word = fold(words[index])
        if word in SINCE_WORDS and index + 1 < len(words):
            try:
                day, count = take_date(words[index + 1:], today)
            except DateParseError as error:
                raise UserError(f"calendar.{error.code}", text=error.text) from None
            written = " ".join(words[index + 1:index + 1 + count])
            choice = PeriodChoice(midnight(_looking_back(day, written, today)), None)
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


def _until(choice: PeriodChoice, now: datetime) -> datetime:
    return min(choice.until, now) if choice.until is not None else now


# --- building the documents -----------------------------------------------------------------


def _organisations(store: Store) -> dict[str, str]:
    return {o.id: o.short_name for o in store.plan.organisations()}


def _meetings(store: Store, group_id: str) -> list[Meeting]:
    try:
        return schedule_of(store, group_id)
    except ValueError:
        return []  # a series the calendar cannot expand: the report goes on without it


def _previous_meeting(meetings: Sequence[Meeting], now: datetime) -> datetime | None:
    coming = [m for m in meetings if m.end > now and m.status != "cancelled"]
    if coming:
        return previous_meeting_start(meetings, coming[0])
    held = latest_held(meetings, now)
    return held.start if held is not None else None


def match_goal_areas(ctx: Context, words: Sequence[str]) -> tuple[str, ...] | None:
    """The goal areas words name (a code, or words of the title); None: no words, all."""

    return goal_areas_named(ctx.store, words)


def goal_areas_named(store: Store, words: Sequence[str]) -> tuple[str, ...] | None:
    """`match_goal_areas` for callers without a chat context (the command line's `--area`)."""

    if not words:
        return None
    areas: dict[str, str] = {}
    for activity in store.reports.plan_activities():
        areas.setdefault(activity.goal_area_code, activity.goal_area_title)
    wanted = [fold(word) for word in words]
    by_code = [code for code in areas if fold(code) in wanted]
    if by_code:
        return tuple(by_code)
    by_title = [code for code, title in areas.items() if all(w in fold(title) for w in wanted)]
    if by_title:
        return tuple(by_title)
    raise UserError(
        "reports.error.unknown_area", area=" ".join(words)[:60],
        choices=", ".join(f"{code} ({title})" for code, title in areas.items()),
    )


@dataclass(frozen=True)
class StatusInput:
    """Everything the status is built from, read once from the store."""

    activities: list[PlanActivity]
    organisations: dict[str, str]
    period: Period
    figures: StatusFigures


def status_input(
    store: Store,
    *,
    since: datetime,
    until: datetime,
    goal_areas: Sequence[str] | None = None,
) -> StatusInput:
    activities = store.reports.plan_activities(goal_areas=goal_areas)
    figures = store.reports.status_figures(since=since, until=until, goal_areas=goal_areas)
    values = store.reports.indicator_values(until=until, goal_areas=goal_areas)
    return StatusInput(
        activities, _organisations(store), Period(since, until),
        replace(figures, indicators=tuple(values)),
    )


def status_document(
    store: Store,
    t: Translator,
    options: Options,
    *,
    since: datetime,
    until: datetime,
    goal_areas: Sequence[str] | None = None,
) -> Document:
    data = status_input(store, since=since, until=until, goal_areas=goal_areas)
    return build_status(
        t, t.language, plan_title="", activities=data.activities,
        organisations=data.organisations, figures=data.figures, period=data.period,
        stale_after_days=options.stale_after_days, goal_areas=goal_areas,
    )


def status_rows(
    store: Store,
    t: Translator,
    options: Options,
    *,
    since: datetime,
    until: datetime,
    goal_areas: Sequence[str] | None = None,
) -> Dataset:
    data = status_input(store, since=since, until=until, goal_areas=goal_areas)
    return status_dataset(
        t, t.language, activities=data.activities, organisations=data.organisations,
        figures=data.figures, period=data.period, stale_after_days=options.stale_after_days,
        goal_areas=goal_areas,
    )


def default_status_since(store: Store, group: GroupInfo | None, now: datetime) -> datetime:
    if group is not None:
        previous = _previous_meeting(_meetings(store, group.id), now)
        if previous is not None:
            return previous
    return now - timedelta(days=DEFAULT_PERIOD_DAYS)


@dataclass(frozen=True)
class SummaryWindow:
    since: datetime
    until: datetime
    next_meeting: Meeting | None
    since_meeting: bool


def summary_window(
    store: Store, group: GroupInfo, now: datetime, choice: PeriodChoice | None = None
) -> SummaryWindow:
    meetings = _meetings(store, group.id)
    coming = [m for m in meetings if m.end > now and m.status != "cancelled"]
    following = coming[0] if coming else None
    until = _until(choice, now) if choice is not None else now
    if choice is not None and choice.since is not None:
        return SummaryWindow(choice.since, until, following, False)
    previous = _previous_meeting(meetings, now)
    if previous is not None:
        return SummaryWindow(previous, until, following, True)
    return SummaryWindow(now - timedelta(days=DEFAULT_PERIOD_DAYS), until, following, False)


def summary_document(
    store: Store,
    t: Translator,
    group: GroupInfo,
    now: datetime,
    choice: PeriodChoice | None = None,
    window: SummaryWindow | None = None,
) -> Document:
    window = window or summary_window(store, group, now, choice)
    activities = store.reports.plan_activities(group_id=group.id)
    figures = store.reports.summary_figures(group.id, since=window.since, until=window.until)
    today = local_date(window.until)
    decided_on = store.notes.latest_decision_date(group.id, today)
    upphamtning = Upphamtning(
        decisions=tuple(store.notes.decisions(group.id, decided_on)) if decided_on else (),
        decisions_date=decided_on,
        open_steps=tuple(store.notes.open_next_steps([group.id])),
    )
    following: NextMeeting | None = None
    if window.next_meeting is not None:
        following = NextMeeting(
            window.next_meeting.start,
            convener_text(t, window.next_meeting, Names.of(store)),
            window.next_meeting.location,
        )
    return build_summary(
        t, t.language, group_name=group.name, activities=activities,
        organisations=_organisations(store), figures=figures, since=window.since,
        until=window.until, upphamtning=upphamtning, next_meeting=following,
        since_meeting=window.since_meeting,
    )


def summary_rows(
    store: Store, t: Translator, group: GroupInfo, now: datetime,
    choice: PeriodChoice | None = None,
) -> Dataset:
    window = summary_window(store, group, now, choice)
    return update_rows(store, t, [group.id], window.since, window.until,
                       filename=f"sammanfattning-{slug(group.short_name)}")


def update_rows(
    store: Store,
    t: Translator,
    group_ids: Sequence[str] | None,
    since: datetime | None,
    until: datetime | None,
    *,
    filename: str = "uppdateringar",
) -> Dataset:
    rows = list(store.reports.update_rows(group_ids=group_ids, since=since, until=until))
    return update_dataset(t, t.language, rows, activities=store.reports.plan_activities(),
                          filename=filename)


# --- files ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    filename: str
    media_type: str
    content: bytes


def build_file(
    store: Store,
    t: Translator,
    options: Options,
    kind: ExportKind,
    fmt: str,
    *,
    now: datetime,
    group: GroupInfo | None = None,
    goal_areas: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    group_ids: Sequence[str] | None = None,
) -> ExportFile:
    """The file of one report in one format; no rights are checked here (see `open_export`)."""

    from reports import MEDIA_TYPES, render_dataset, render_document

    if fmt not in FORMATS[kind]:
        raise ValueError(f"{kind} has no {fmt} format")
    end = min(until, now) if until is not None else now
    document: Document | None = None
    dataset: Dataset | None = None
    if kind == "status":
        start = since or now - timedelta(days=DEFAULT_PERIOD_DAYS)
        if fmt in ("xlsx", "csv"):
            dataset = status_rows(store, t, options, since=start, until=end,
                                  goal_areas=goal_areas)
        else:
            document = status_document(store, t, options, since=start, until=end,
                                       goal_areas=goal_areas)
    elif kind == "summary":
        if group is None:
            raise ValueError("a summary needs its group")
        choice = PeriodChoice(since, until)
        if fmt in ("xlsx", "csv"):
            dataset = summary_rows(store, t, group, now, choice)
        else:
            document = summary_document(store, t, group, now, choice)
    else:
        dataset = update_rows(store, t, group_ids, since, until,
                              filename=f"uppdateringar-{local_date(end).isoformat()}")
    if document is not None:
        content = render_document(document, fmt)
        filename = document.filename
    else:
        assert dataset is not None
        content = render_dataset(dataset, fmt)
        filename = dataset.filename
    return ExportFile(f"{filename}.{fmt}", MEDIA_TYPES[fmt], content)


# --- signed links -------------------------------------------------------------------------


def export_key(store: Store, options: Options) -> PurposeKey:
    """SECRET_KEY when set; else the installation's own key, made once and kept in the DB."""

    return link_key(options.secret_key or store.reports.signing_key())


def export_url(store: Store, options: Options, request: ExportRequest) -> str:
    token = sign(request, export_key(store, options))
    return f"{options.public_base_url.rstrip('/')}/export/{token}"


Refusal = Literal["malformed", "signature", "expired", "inactive", "not_allowed", "gone"]


@dataclass(frozen=True)
class Refused:
    reason: Refusal


def update_scope(store: Store, person: Person) -> list[str] | None:
    """The groups whose update rows a person may export; None: every group."""

    memberships = store.people.memberships(person.id)
    if person.is_admin or any(m.role == "chef" for m in memberships):
        return None
    return [m.group_id for m in memberships]


def _may_summarise(store: Store, person: Person, group_id: str) -> bool:
    return person.is_admin or store.plan.is_active_member(person.id, group_id)


def open_export(
    store: Store, token: str, options: Options, now: datetime
) -> ExportFile | Refused:
    """What `/export/<token>` serves: the file, or why not (checked on every fetch).

    Every fetch is audited as `reports.download`: who, which report and format (ids only), or
    why it was refused (without an actor when the link itself could not be trusted).
    """

    try:
        request = verify(token, export_key(store, options), now)
    except LinkError as error:
        store.audit.record(None, DOWNLOAD, "denied", error.problem)
        return Refused(error.problem)
    result = _export(store, request, options, now)
    detail = " ".join(part for part in (request.kind, request.format, request.group_id) if part)
    if isinstance(result, Refused):
        store.audit.record(request.person_id, DOWNLOAD, "denied", f"{result.reason} {detail}")
    else:
        store.audit.record(request.person_id, DOWNLOAD, "ok", detail)
    return result


def _export(
    store: Store, request: ExportRequest, options: Options, now: datetime
) -> ExportFile | Refused:
    person = store.people.get(request.person_id)
    if person is None or not person.active:
        return Refused("inactive")
    t = translator(request.language)
    group: GroupInfo | None = None
    group_ids: list[str] | None = None
    if request.kind == "summary" or request.group_id:
        group = store.calendar.group(request.group_id or "")
        if group is None:
            return Refused("gone")
    if request.kind == "summary":
        assert group is not None
        if not _may_summarise(store, person, group.id):
            return Refused("not_allowed")
    if request.kind == "updates":
        scope = update_scope(store, person)
        if group is not None:
            if scope is not None and group.id not in scope:
                return Refused("not_allowed")
            group_ids = [group.id]
        else:
            group_ids = scope
    if request.format not in FORMATS[request.kind]:
        return Refused("malformed")
    return build_file(
        store, t, options, request.kind, request.format, now=now, group=group,
        goal_areas=request.goal_areas or None, since=request.since, until=request.until,
        group_ids=group_ids,
    )


# --- chat ----------------------------------------------------------------------------------


def _table_in_chat(table: Table) -> list[chat.Block]:
    """Short cells: a table. Long ones (activity titles): a line per row, sections as titles."""

    def text(cell_text: str, light: str | None) -> str:
        return f"{LIGHT_SYMBOLS[light]} {cell_text}" if light else cell_text

    long = any(len(c.text) > CHAT_CELL for row in table.rows for c in row.cells)
    if not long:
        out: list[chat.Block] = []
        rows: list[tuple[str, ...]] = []
        for row in table.rows:
            if row.section:
                if rows:
                    out.append(chat.Table(table.columns, tuple(rows)))
                    rows = []
                out.append(chat.Paragraph(row.cells[0].text))
            else:
                rows.append(tuple(text(c.text, c.light) for c in row.cells))
        if rows:
            out.append(chat.Table(table.columns, tuple(rows)))
        return out
    blocks: list[chat.Block] = []
    lines: list[str] = []
    for row in table.rows:
        if row.section:
            if lines:
                blocks.append(chat.Paragraph("\n".join(lines)))
            lines = [row.cells[0].text]
            continue
        first, *others = row.cells
        light = next((c.light for c in row.cells if c.light), None)
        parts = [c.text for c in others if c.text and c.text != "–"]
        lines.append(text(" · ".join([first.text, *parts]), light))
    if lines:
        blocks.append(chat.Paragraph("\n".join(lines)))
    return blocks


def chat_blocks(block: Block) -> list[chat.Block]:
    if isinstance(block, Heading):
        heading = chat.Paragraph(block.text)
        return [chat.Divider(), heading] if block.level <= 1 else [heading]
    if isinstance(block, Paragraph):
        return [chat.Paragraph(f"⚠️ {block.text}" if block.tone == "warning" else block.text)]
    if isinstance(block, Fields):
        return [chat.Fields(block.items)]
    if isinstance(block, BulletList):
        lines = []
        for number, item in enumerate(block.items, 1):
            lines.append(f"{number}. {item.text}" if block.numbered else f"• {item.text}")
            lines.extend(f"    – {sub}" for sub in item.sub)
        return [chat.Paragraph("\n".join(lines))]
    if isinstance(block, Table):
        return _table_in_chat(block)
    if isinstance(block, Divider):
        return [chat.Divider()]
    if isinstance(block, Chart):
        # The picture goes as an attachment; its figures are in the tables and lines.
        return []
    return []


def _size(block: chat.Block) -> int:
    return len(Reply(blocks=(block,)).plain_text()) + 1


def _cut(block: chat.Block, room: int) -> chat.Block | None:
    """As much of a block as fits, at a line or row boundary (None: nothing fits)."""

    if isinstance(block, chat.Paragraph):
        kept: list[str] = []
        used = 0
        for line in block.text.split("\n"):
            if used + len(line) + 1 > room:
                break
            kept.append(line)
            used += len(line) + 1
        return chat.Paragraph("\n".join(kept)) if kept else None
    if isinstance(block, chat.Table):
        rows: list[tuple[str, ...]] = []
        for row in block.rows:
            if _size(chat.Table(block.columns, (*rows, row))) > room:
                break
            rows.append(row)
        return chat.Table(block.columns, tuple(rows)) if rows else None
    return None


def document_reply(
    ctx: Context,
    document: Document,
    link: ExportRequest,
    *,
    attachments: tuple[Attachment, ...] = (),
    shareable: bool = False,
) -> Reply:
    """The document for this platform; shortened, with the file's link, when it is too long."""

    t = ctx.t
    blocks: list[chat.Block] = []
    if document.subtitle:
        blocks.append(chat.Paragraph(document.subtitle))
    for block in document.blocks:
        blocks.extend(chat_blocks(block))
    budget = CHAT_BUDGET.get(ctx.command.platform)
    total = sum(_size(b) for b in blocks)
    if budget is not None and total > budget:
        room = budget - 600  # for the closing note with the link
        kept: list[chat.Block] = []
        for shown_block in blocks:
            size = _size(shown_block)
            if size <= room:
                kept.append(shown_block)
                room -= size
                continue
            part = _cut(shown_block, room)
            if part is not None:
                kept.append(part)
            break
        url = export_url(ctx.store, ctx.options, link)
        shown = sum(_size(b) for b in kept)
        kept.append(chat.Divider())
        kept.append(chat.Paragraph(t(
            "reports.chat.shortened", percent=max(1, round(100 * shown / total)), url=url,
            until=format_moment(t, link.expires), format=link.format.upper(),
        )))
        blocks = kept
    else:
        blocks.append(chat.Paragraph(t("reports.chat.file_hint",
                                       command=_export_command(ctx, link))))
    return Reply(
        heading=document.title, blocks=tuple(blocks), attachments=attachments,
        shareable=shareable,
    )


def _export_command(ctx: Context, link: ExportRequest) -> str:
    kind = {"status": "status", "summary": "sammanfattning", "updates": "uppdateringar"}
    if ctx.language != "sv":
        kind = {"status": "status", "summary": "summary", "updates": "updates"}
    word = "export"
    parts = [word, kind[link.kind], link.format]
    if link.group_id:
        parts.append(link.group_id)
    parts.extend(link.goal_areas)
    return " ".join(parts)


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
    until = _until(choice, ctx.now)
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


def handle_summary(ctx: Context) -> Reply:
    choice, words = take_period(ctx, ctx.args)
    if len(words) > 1:
        raise UserError("reports.error.summary_usage")
    group = resolve_group(ctx, words[0] if words else None, "reports.summary")
    window = summary_window(ctx.store, group, ctx.now, choice)
    document = summary_document(ctx.store, ctx.t, group, ctx.now, window=window)
    link = _request(ctx, "summary", "docx", group=group, since=window.since,
                    until=choice.until)
    return document_reply(ctx, document, link, shareable=True)


def handle_export(ctx: Context) -> Reply:
    t = ctx.t
    words = list(ctx.args)
    kind: ExportKind = "status"
    if words and fold(words[0]) in KIND_WORDS:
        kind = KIND_WORDS[fold(words.pop(0))]
    fmt: str | None = None
    rest: list[str] = []
    for word in words:
        wanted = FORMAT_WORDS.get(fold(word).lstrip("."))
        if wanted is not None and fmt is None:
            fmt = wanted
        else:
            rest.append(word)
    fmt = fmt or FORMATS[kind][0]
    if fmt not in FORMATS[kind]:
        raise UserError("reports.error.format", kind=_kind_word(ctx, kind), format=fmt,
                        formats=", ".join(FORMATS[kind]))
    choice, rest = take_period(ctx, rest)
    group: GroupInfo | None = None
    areas: tuple[str, ...] | None = None
    since, until = choice.since, choice.until
    if kind == "status":
        areas = match_goal_areas(ctx, rest)
        if since is None:
            context_group, _ = take_group(ctx, [], required=False)
            since = default_status_since(ctx.store, context_group, ctx.now)
    elif kind == "summary":
        if len(rest) > 1:
            raise UserError("reports.error.summary_usage")
        group = resolve_group(ctx, rest[0] if rest else None, "reports.export")
        since = summary_window(ctx.store, group, ctx.now, choice).since
    else:
        if len(rest) > 1:
            raise UserError("reports.error.export_usage")
        scope = update_scope(ctx.store, ctx.actor)
        if rest:
            group = resolve_group(ctx, rest[0], "reports.export")
            if scope is not None and group.id not in scope:
                raise UserError("reports.error.not_allowed", audit="reports.export",
                                outcome="denied", audit_detail=group.id,
                                group=group.short_name)
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


assert set(KINDS) == set(FORMATS)
