"""`samverkan reminders due|run|log`: see and drive the reminders from the command line."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

from app.i18n import Translator
from bot.exits import EXIT_OK, EXIT_PROBLEMS
from bot.messengers import reminder_service
from bot.runtime import build_runtime
from bot.settings import Settings
from domain.calendar import STOCKHOLM
from domain.dates import DateParseError, parse_datetime
from domain.reminders import Delivery
from scheduler.reminders import RunReport


def parse_now(text: str | None, t: Translator) -> datetime | None:
    """ISO 8601 (with or without offset; without means Stockholm) or a Swedish date and time."""

    if not text:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=STOCKHOLM)
    except ValueError:
        pass
    try:
        day, at = parse_datetime(text, today=datetime.now(STOCKHOLM).date())
    except DateParseError as error:
        print(t(f"calendar.{error.code}", text=error.text), file=sys.stderr)
        return None
    return datetime.combine(day, at or datetime.min.time(), tzinfo=STOCKHOLM)


def _delivery_record(delivery: Delivery, state: str) -> dict[str, Any]:
    r = delivery.reminder
    return {
        "key": delivery.key,
        "rule": r.rule,
        "group": r.group_id,
        "meeting": r.meeting_id,
        "meeting_start": r.meeting_start.astimezone(STOCKHOLM).isoformat(),
        "recipient": r.recipient,
        "platform": delivery.platform,
        "due_at": r.due_at.astimezone(STOCKHOLM).isoformat(),
        "state": state,
    }


def run_reminders(settings: Settings, t: Translator, action: str, now_text: str | None,
                  fmt: str, dry_run: bool) -> int:
    now = parse_now(now_text, t)
    if now is None:
        return EXIT_PROBLEMS
    runtime = build_runtime(settings)
    try:
        service = reminder_service(runtime)
        if action == "due":
            deliveries = [d for d in service.due(now) if d.reminder.due_at <= now]
            with runtime.stores() as store:
                states = {row.key: row.status for row in store.outbox.log()}
            # Not yet handled: "due" (a run sends it), or "past_grace" (a run records it missed).
            records = [
                _delivery_record(d, states.get(
                    d.key, "due" if now - d.reminder.due_at <= service.grace else "past_grace"))
                for d in deliveries
            ]
            _print(records, fmt)
            return EXIT_OK
        if action == "run":
            report = service.run_once(now, dry_run=dry_run)
            _print(_report_record(report, dry_run), fmt)
            return EXIT_OK
        with runtime.stores() as store:
            rows = store.outbox.log()
            records = [
                {
                    "key": row.key, "rule": row.rule, "group": row.group_id,
                    "meeting": row.meeting_id, "recipient": row.recipient,
                    "platform": row.platform,
                    "due_at": row.due_at.astimezone(STOCKHOLM).isoformat(),
                    "status": row.status, "status_text": t(f"reminder.status.{row.status}"),
                    "attempts": row.attempts,
                    "finished_at": row.finished_at.astimezone(STOCKHOLM).isoformat()
                    if row.finished_at else None,
                    "error": row.last_error or None,
                }
                for row in rows
            ]
        _print(records, fmt)
        return EXIT_OK
    finally:
        runtime.close()


def _report_record(report: RunReport, dry_run: bool) -> dict[str, Any]:
    return {
        "dry_run": dry_run,
        "sent": report.sent,
        "missed": report.missed,
        "retrying": report.retrying,
        "failed": report.failed,
        "interrupted": report.interrupted,
        "already_handled": report.skipped,
        "would_send": report.would_send,
    }


def _print(data: Any, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    rows = data if isinstance(data, list) else [
        {"outcome": k, "count": len(v)} for k, v in data.items() if isinstance(v, list)
    ]
    for row in rows:
        print("  ".join(str(v) for v in row.values()))
