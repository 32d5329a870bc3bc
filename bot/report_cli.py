"""`samverkan report status|summary|minutes|follow-up`: the reports as files, for operators and
scheduled jobs.

The same builders as the chat and the `/export` links (`app.reports.build_file`); no
rights are checked (whoever runs the command line has the database). Binary formats (docx,
xlsx, png) are not written to a terminal: give `--output FILE` or redirect. `--output` naming
a folder writes the file there under the report's own name, `<kind>-<group or plan>-<date>`.
`minutes --group G [--meeting DATE]` are the minutes of the group's meeting on DATE (default:
its latest meeting), as Markdown, Word or JSON.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO

from app.agenda import minutes_meeting
from app.core import UserError
from app.i18n import Translator
from app.reports import (
    FORMATS,
    build_file,
    default_status_since,
    goal_areas_named,
    midnight,
)
from bot.cli_files import write_file
from bot.exits import EXIT_OK, EXIT_PROBLEMS
from bot.runtime import build_runtime
from bot.settings import Settings
from domain.calendar import STOCKHOLM
from domain.dates import DateParseError, parse_date
from domain.export_link import ExportKind

BINARY = frozenset({"docx", "xlsx", "png"})


def run_report(
    settings: Settings,
    t: Translator,
    kind: str,
    *,
    group_id: str | None,
    since_text: str | None,
    fmt: str,
    output: Path | None,
    areas: list[str] | None = None,
    now: datetime | None = None,
    stdout: BinaryIO | None = None,
    meeting_text: str | None = None,
    year: int | None = None,
) -> int:
    report: ExportKind = "status"
    if kind in ("summary", "minutes"):
        report = kind  # type: ignore[assignment]
    elif kind == "follow-up":
        report = "followup"
    now = now or datetime.now(UTC)
    today = now.astimezone(STOCKHOLM).date()
    if report == "followup":
        year = year if year is not None else today.year
        if not 2000 <= year <= today.year:
            print(t("followup.error.future_year" if year > today.year else
                    "followup.error.follow_up_usage", year=year), file=sys.stderr)
            return EXIT_PROBLEMS
        since_text = date(year, 1, 1).isoformat()
    if fmt not in FORMATS[report]:
        print(t("reports.error.format", kind=t(f"reports.kind.{report}"), format=fmt,
                formats=", ".join(FORMATS[report])), file=sys.stderr)
        return EXIT_PROBLEMS
    since: datetime | None = None
    meeting_day: date | None = None
    try:
        if since_text:
            since = midnight(parse_date(since_text, today=today))
        if meeting_text and report == "minutes":
            meeting_day = parse_date(meeting_text, today=today)
    except DateParseError as error:
        print(t(f"calendar.{error.code}", text=error.text), file=sys.stderr)
        return EXIT_PROBLEMS
    target = stdout or sys.stdout.buffer
    if output is None and fmt in BINARY and target.isatty():
        print(t("reports.cli.binary_to_terminal", format=fmt), file=sys.stderr)
        return EXIT_PROBLEMS
    runtime = build_runtime(settings)
    try:
        with runtime.stores() as store:
            group = store.calendar.group(group_id) if group_id else None
            if (group_id and group is None) or (report in ("summary", "minutes") and group is None):
                choices = ", ".join(g.id for g in store.calendar.groups())
                key = "group.unknown" if group_id else (
                    "agenda.cli.group_required" if report == "minutes"
                    else "reports.cli.group_required")
                print(t(key, group=group_id or "", choices=choices), file=sys.stderr)
                return EXIT_PROBLEMS
            try:
                # Each --area must name a goal area: a typo is refused, not an empty report.
                codes = sorted({code for area in areas or ()
                                for code in goal_areas_named(store, [area]) or ()})
            except UserError as error:
                print(t(error.key, **error.params), file=sys.stderr)
                return EXIT_PROBLEMS
            if report == "status" and since is None:
                since = default_status_since(store, group, now)
            if report == "minutes":
                assert group is not None
                since = midnight(minutes_meeting(store, group, meeting_day, now)[0])
            file = build_file(
                store, t, runtime.dispatcher.options, report, fmt, now=now, group=group,
                goal_areas=codes or None, since=since,
            )
    finally:
        runtime.close()
    if output is not None and output.is_dir():
        output = output / file.filename  # `<kind>-<group or plan>-<date>.<ext>`
    write_file(file.content, output, target,
               t("reports.cli.written", file=output, count=len(file.content)))
    return EXIT_OK
