"""`samverkan gdpr export|dispose` and `samverkan audit`: data protection for administrators.

- `gdpr export PERSON [--format json|md|docx] [--output FILE]`: the person's register extract,
  the same files `mina-data` links to; audited with actor `cli`.
- `gdpr dispose [--dry-run] [--format text|json]`: applies the disposal rules now (the
  scheduler does it daily); `--dry-run` shows what each rule would remove and changes nothing.
- `audit [--since DATE] [--format text|json]`: the audit log, oldest first.

Whoever runs the command line has the database: no rights are checked here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import BinaryIO

from app.extracts import build_extract
from app.i18n import Translator
from bot.cli_files import write_file
from bot.exits import EXIT_OK, EXIT_PROBLEMS
from bot.runtime import build_runtime
from bot.settings import Settings
from domain.calendar import STOCKHOLM, local_datetime
from domain.dates import DateParseError, parse_date
from domain.disposal import total
from domain.extract_link import FORMATS
from scheduler.disposal import dispose

CLI_ACTOR = "cli"


def _clock(now: datetime | None) -> Callable[[], datetime]:
    return (lambda: now) if now is not None else (lambda: datetime.now(UTC))


def run_export(settings: Settings, t: Translator, person_id: str, *, fmt: str,
               output: Path | None, now: datetime | None = None,
               stdout: BinaryIO | None = None) -> int:
    if fmt not in FORMATS:
        print(t("gdpr.cli.format", format=fmt, formats=", ".join(FORMATS)), file=sys.stderr)
        return EXIT_PROBLEMS
    target = stdout or sys.stdout.buffer
    if output is None and fmt == "docx" and target.isatty():
        print(t("reports.cli.binary_to_terminal", format=fmt), file=sys.stderr)
        return EXIT_PROBLEMS
    moment = _clock(now)()
    runtime = build_runtime(settings)
    try:
        with runtime.stores() as store:
            file = build_extract(store, t, person_id, fmt, moment)
            if file is None:
                print(t("gdpr.cli.unknown_person", person=person_id), file=sys.stderr)
                return EXIT_PROBLEMS
            store.audit.record(CLI_ACTOR, "gdpr.extract", "ok", f"{fmt} person={person_id}")
            # Written inside the transaction: an extract that could not be written (a missing
            # folder, a closed pipe) is not in the audit log as given out.
            write_file(file.content, output, target,
                       t("gdpr.cli.written", file=output, count=len(file.content)))
    finally:
        runtime.close()
    return EXIT_OK


def run_dispose(settings: Settings, t: Translator, *, dry_run: bool, fmt: str,
                now: datetime | None = None) -> int:
    runtime = build_runtime(settings)
    try:
        selections = dispose(runtime.stores, _clock(now), actor=CLI_ACTOR, dry_run=dry_run)
    finally:
        runtime.close()
    if fmt == "json":
        print(json.dumps({
            "dry_run": dry_run,
            "rules": [
                {"kind": s.rule.kind, "after_months": s.rule.after_months,
                 "reference": s.rule.reference, "before": s.cutoff.isoformat(),
                 "count": s.count}
                for s in selections
            ],
            "total": total(selections),
        }, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(t("gdpr.dispose.title"))
    if dry_run:
        print(t("gdpr.dispose.dry_run"))
    if not selections:
        print(t("gdpr.dispose.no_rules"))
    for s in selections:
        print(t("gdpr.dispose.line", kind=t(f"gdpr.kind.{s.rule.kind}"), count=s.count,
                before=s.cutoff.date().isoformat(), reference=s.rule.reference))
    return EXIT_OK


def _since(text: str, today: date) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = parse_date(text, today=today)
    return local_datetime(day, time(0))


def run_audit(settings: Settings, t: Translator, *, since_text: str | None, fmt: str,
              now: datetime | None = None) -> int:
    today = _clock(now)().astimezone(STOCKHOLM).date()
    since: datetime | None = None
    if since_text:
        try:
            since = _since(since_text, today)
        except DateParseError as error:
            print(t(f"calendar.{error.code}", text=error.text), file=sys.stderr)
            return EXIT_PROBLEMS
    runtime = build_runtime(settings)
    try:
        with runtime.stores() as store:
            entries = store.audit.entries(since)
    finally:
        runtime.close()
    if fmt == "json":
        print(json.dumps([
            {"at": e.at, "actor": e.actor_id, "action": e.action, "outcome": e.outcome,
             "detail": e.detail}
            for e in entries
        ], ensure_ascii=False, indent=2))
        return EXIT_OK
    print(t("gdpr.audit.title", count=len(entries)))
    for e in entries:
        print(t("gdpr.audit.line", at=e.at, actor=e.actor_id or "-", action=e.action,
                outcome=e.outcome, detail=e.detail))
    return EXIT_OK
