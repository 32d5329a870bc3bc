"""The reports as documents and files, and their signed links: what the chat commands
(`handlers.reports`), the `/export` route and `samverkan report` share.

Reports are built once: `storage` aggregates (`store.reports`), `domain.status_report` and
`domain.summary_report` make the neutral document (or rows), and the caller renders it for
chat or hands it to a file renderer (`reports/`) through `build_file`.

Rules chosen here:
- The status's previous period starts at the last meeting of the group the command is about
  (its channel, or the person's only group); otherwise `DEFAULT_PERIOD_DAYS` back.
- The summary's window starts at the group's meeting before its next one (the meeting under
  way counts as the next), else at its latest meeting, else `DEFAULT_PERIOD_DAYS` back.
- Who may see what: the status, every active person; a summary, the group's members and
  administrators; the `uppdateringar` rows, administrators and chefs everything, everyone
  else their own groups. A link checks this again, and that its person is still active,
  when it is fetched.
- Every file is named `<kind>-<group or plan>-<date>.<ext>` (`domain.report_words.file_name`).
- As a spreadsheet (XLSX, CSV, JSON rows) the summary is the whole summary, a part each, and
  the status carries a sheet with one row per activity and organisation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Final

from app.absence import with_away
from app.agenda import meeting_agenda, minutes_document
from app.agenda import meetings as _meetings  # a calendar that fails: no meetings
from app.core import Options, UserError
from app.followup import follow_up_document, follow_up_rows, status_followup
from app.i18n import Translator, translator
from app.messages import Attachment
from app.ports import Store
from app.schedule_text import Names, convener_text
from domain.agenda import MeetingAgenda
from domain.calendar import local_datetime
from domain.document import Dataset, Datasets, Document
from domain.export_link import KINDS, ExportKind, ExportRequest, link_key, sign, verify
from domain.followup import StatusFollowUp
from domain.model import GroupInfo, Person
from domain.plan import PlanActivity
from domain.reminders import previous_meeting_start
from domain.report_figures import NextMeeting, Period, StatusFigures, SummaryFigures, Upphamtning
from domain.report_words import file_name, local_date, plan_word
from domain.schedule import Meeting, latest_held
from domain.signed_link import LinkError, PurposeKey, Refused
from domain.status_report import build_status, status_dataset
from domain.summary_report import build_summary, summary_dataset
from domain.text import fold
from domain.update_export import update_dataset
from reports import MEDIA_TYPES, render_dataset, render_document

DEFAULT_PERIOD_DAYS: Final = 90
DOWNLOAD: Final = "reports.download"

FORMATS: Final[dict[ExportKind, tuple[str, ...]]] = {
    "status": ("docx", "xlsx", "csv", "md", "png", "json"),
    "summary": ("docx", "md", "xlsx", "csv", "json", "png"),
    "updates": ("xlsx", "csv", "json"),
    "minutes": ("docx", "md", "json"),
    "followup": ("docx", "xlsx", "md", "json"),
}
assert set(KINDS) == set(FORMATS)


# --- periods --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodChoice:
    """What the words said; None where they said nothing."""

    since: datetime | None = None
    until: datetime | None = None


def midnight(day: date) -> datetime:
    return local_datetime(day, time(0))


def until_of(choice: PeriodChoice, now: datetime) -> datetime:
    return min(choice.until, now) if choice.until is not None else now


# --- building the documents -----------------------------------------------------------------


def _organisations(store: Store) -> dict[str, str]:
    return {o.id: o.short_name for o in store.plan.organisations()}


def _previous_meeting(meetings: Sequence[Meeting], now: datetime) -> datetime | None:
    coming = [m for m in meetings if m.end > now and m.status != "cancelled"]
    if coming:
        return previous_meeting_start(meetings, coming[0])
    held = latest_held(meetings, now)
    return held.start if held is not None else None


def goal_areas_named(store: Store, words: Sequence[str]) -> tuple[str, ...] | None:
    """The goal areas words name (a code, or words of the title); None: no words, all."""

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
    followup: StatusFollowUp | None = None


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
        status_followup(store, activities, until=until, goal_areas=goal_areas),
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
        followup=data.followup,
    )


def status_rows(
    store: Store,
    t: Translator,
    options: Options,
    *,
    since: datetime,
    until: datetime,
    goal_areas: Sequence[str] | None = None,
) -> Datasets:
    data = status_input(store, since=since, until=until, goal_areas=goal_areas)
    return status_dataset(
        t, t.language, activities=data.activities, organisations=data.organisations,
        figures=data.figures, period=data.period, stale_after_days=options.stale_after_days,
        goal_areas=goal_areas, followup=data.followup,
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
    until = until_of(choice, now) if choice is not None else now
    if choice is not None and choice.since is not None:
        return SummaryWindow(choice.since, until, following, False)
    previous = _previous_meeting(meetings, now)
    if previous is not None:
        return SummaryWindow(previous, until, following, True)
    return SummaryWindow(now - timedelta(days=DEFAULT_PERIOD_DAYS), until, following, False)


@dataclass(frozen=True)
class SummaryInput:
    """Everything a summary is built from, read once from the store."""

    group: GroupInfo
    window: SummaryWindow
    activities: list[PlanActivity]
    organisations: dict[str, str]
    figures: SummaryFigures
    upphamtning: Upphamtning
    next_meeting: NextMeeting | None
    # The next meeting's items, questions and attendance (None: no meeting ahead).
    agenda: MeetingAgenda | None = None


def summary_input(
    store: Store, t: Translator, group: GroupInfo, now: datetime,
    choice: PeriodChoice | None = None, window: SummaryWindow | None = None,
) -> SummaryInput:
    window = window or summary_window(store, group, now, choice)
    figures = store.reports.summary_figures(group.id, since=window.since, until=window.until)
    today = local_date(window.until)
    figures = with_away(store, figures, today, window.next_meeting)
    decided_on = store.notes.latest_decision_date(group.id, today)
    upphamtning = Upphamtning(
        decisions=tuple(store.notes.decisions(group.id, decided_on)) if decided_on else (),
        decisions_date=decided_on,
        open_steps=tuple(store.notes.open_next_steps([group.id])),
    )
    following: NextMeeting | None = None
    agenda: MeetingAgenda | None = None
    if window.next_meeting is not None:
        following = NextMeeting(
            window.next_meeting.start,
            convener_text(t, window.next_meeting, Names.of(store)),
            window.next_meeting.location,
        )
        agenda = meeting_agenda(store, group.id, window.next_meeting.local_date)
    return SummaryInput(group, window, store.reports.plan_activities(group_id=group.id),
                        _organisations(store), figures, upphamtning, following, agenda)


def summary_document(
    store: Store,
    t: Translator,
    group: GroupInfo,
    now: datetime,
    choice: PeriodChoice | None = None,
    window: SummaryWindow | None = None,
) -> Document:
    data = summary_input(store, t, group, now, choice, window)
    return build_summary(
        t, t.language, group_name=group.name, group_short_name=group.short_name,
        activities=data.activities, organisations=data.organisations, figures=data.figures,
        since=data.window.since, until=data.window.until, upphamtning=data.upphamtning,
        next_meeting=data.next_meeting, since_meeting=data.window.since_meeting,
        agenda=data.agenda,
    )


def summary_rows(
    store: Store, t: Translator, group: GroupInfo, now: datetime,
    choice: PeriodChoice | None = None,
) -> Datasets:
    """The whole summary (not only its updates) as rows: a part per part of it."""

    data = summary_input(store, t, group, now, choice)
    return summary_dataset(
        t, t.language, group_id=group.id, group_name=group.name,
        group_short_name=group.short_name,
        activities=data.activities, organisations=data.organisations, figures=data.figures,
        since=data.window.since, until=data.window.until, upphamtning=data.upphamtning,
        next_meeting=data.next_meeting, agenda=data.agenda,
    )


def update_rows(
    store: Store,
    t: Translator,
    group_ids: Sequence[str] | None,
    since: datetime | None,
    until: datetime,
    *,
    group: GroupInfo | None = None,
) -> Dataset:
    rows = list(store.reports.update_rows(group_ids=group_ids, since=since, until=until))
    subject = group.short_name if group is not None else plan_word(t)
    return update_dataset(t, t.language, rows, activities=store.reports.plan_activities(),
                          filename=file_name(t, "updates", subject, local_date(until)))


# --- files ------------------------------------------------------------------------------


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
) -> Attachment:
    """The file of one report in one format; no rights are checked here (see `open_export`)."""

    if fmt not in FORMATS[kind]:
        raise ValueError(f"{kind} has no {fmt} format")
    end = min(until, now) if until is not None else now
    document: Document | None = None
    dataset: Dataset | Datasets | None = None
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
    elif kind == "minutes":
        if group is None:
            raise ValueError("minutes need their group")
        day = local_date(since) if since is not None else None
        document = minutes_document(store, t, group, day, now)
    elif kind == "followup":
        # The year the link names by its start (local midnight on 1 January).
        year = local_date(since).year if since is not None else local_date(end).year
        if fmt in ("xlsx", "json"):
            dataset = follow_up_rows(store, t, year, now, goal_areas)
        else:
            document = follow_up_document(store, t, year, now, goal_areas)
    else:
        dataset = update_rows(store, t, group_ids, since, end, group=group)
    if document is not None:
        content = render_document(document, fmt)
        filename = document.filename
    else:
        assert dataset is not None
        content = render_dataset(dataset, fmt)
        filename = dataset.filename
    return Attachment(f"{filename}.{fmt}", MEDIA_TYPES[fmt], content)


# --- signed links -------------------------------------------------------------------------


def export_key(store: Store, options: Options) -> PurposeKey:
    """SECRET_KEY when set; else the installation's own key, made once and kept in the DB."""

    return link_key(options.secret_key or store.reports.signing_key())


def export_url(store: Store, options: Options, request: ExportRequest) -> str:
    token = sign(request, export_key(store, options))
    return f"{options.public_base_url.rstrip('/')}/export/{token}"


def update_scope(store: Store, person: Person) -> list[str] | None:
    """The groups whose update rows a person may export; None: every group."""

    memberships = store.people.memberships(person.id)
    if person.is_admin or any(m.role == "chef" for m in memberships):
        return None
    return [m.group_id for m in memberships]


def may_summarise(store: Store, person: Person, group_id: str) -> bool:
    return person.is_admin or store.plan.is_active_member(person.id, group_id)


def open_export(
    store: Store, token: str, options: Options, now: datetime
) -> Attachment | Refused:
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
) -> Attachment | Refused:
    person = store.people.get(request.person_id)
    if person is None or not person.active:
        return Refused("inactive")
    t = translator(request.language)
    group: GroupInfo | None = None
    group_ids: list[str] | None = None
    if request.kind in ("summary", "minutes") or request.group_id:
        group = store.calendar.group(request.group_id or "")
        if group is None:
            return Refused("gone")
    if request.kind in ("summary", "minutes"):
        assert group is not None
        if not may_summarise(store, person, group.id):
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


