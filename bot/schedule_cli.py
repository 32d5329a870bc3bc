"""`samverkan schedule`: a group's meetings as text, JSON or iCalendar, for operators.

`--from`/`--to` bound every format (by the meeting's local date); the text and the feed speak
the chosen language, and JSON carries the status both as a code and in words.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta

from app.feed import group_feed, schedule_records
from app.i18n import Translator
from bot.exits import EXIT_OK, EXIT_PROBLEMS
from bot.runtime import build_runtime
from bot.settings import Settings
from domain.calendar import STOCKHOLM
from domain.dates import DateParseError, parse_date


def run_schedule(
    settings: Settings,
    t: Translator,
    group_id: str,
    start: str | None,
    end: str | None,
    fmt: str,
) -> int:
    now = datetime.now(UTC)
    today = now.astimezone(STOCKHOLM).date()
    try:
        first = parse_date(start, today=today) if start else today
        last = parse_date(end, today=today) if end else first + timedelta(days=365)
    except DateParseError as error:
        print(t(f"calendar.{error.code}", text=error.text), file=sys.stderr)
        return EXIT_PROBLEMS
    runtime = build_runtime(settings)
    try:
        with runtime.stores() as store:
            group = store.calendar.group(group_id)
            if group is None:
                choices = ", ".join(g.id for g in store.calendar.groups())
                print(t("group.unknown", group=group_id, choices=choices), file=sys.stderr)
                return EXIT_PROBLEMS
            if fmt == "ics":
                feed = group_feed(store, group.id, t, now, (first, last))
                assert feed is not None
                sys.stdout.buffer.write(feed)
                return EXIT_OK
            records = schedule_records(store, group, (first, last), t)
    finally:
        runtime.close()
    if fmt == "json":
        print(json.dumps(records, ensure_ascii=False, indent=2))
        return EXIT_OK
    for record in records:
        start_at = datetime.fromisoformat(record["start"])
        print(
            "  ".join(
                [
                    start_at.strftime("%Y-%m-%d %H:%M"),
                    record["status_text"],
                    record["convener"] or "-",
                    record["convener_person"] or "-",
                ]
            )
        )
    return EXIT_OK
