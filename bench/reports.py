"""Times `status`, `summary` and the annual follow-up through the real storage and domain code,
on SQLite and PostgreSQL.

    python -m bench.reports --updates 1000000 --repeat 20

For each backend: a fresh database (a SQLite file in the temporary folder; a fresh schema
`bench` on PostgreSQL at 127.0.0.1:5432, user postgres, database test) filled by
`bench.generate`, then `repeat` timed runs of each report after one warm-up run. A run is
what a chat command does to build the document: open a unit of work, read the plan,
aggregate in SQL (`store.reports`), build the document (`domain.report`); for the summary
also the group's calendar, decisions and next steps. Each summary run takes the next group,
so no run reads only what the last one cached. Prints the median and the 95th percentile in
milliseconds and their ratio to the aims (status under 300 ms, summary under 100 ms, the
annual follow-up of the data's last year under 1 s: its figures aggregated in SQL and its
document built, as `uppföljning <år>` and its files do before rendering; "follow-up SQL" is
its figures alone), then
the query plans of the reports' statements (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on
PostgreSQL).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text

from app.core import Options
from app.followup import follow_up_document, follow_up_input
from app.i18n import translator
from app.reports import status_document, summary_document
from bench.generate import Shape, fresh_engine, group_id, load, schema_url
from storage.db import create_db_engine
from storage.repositories import StoreFactory

AIMS_MS = {"status": 300.0, "summary": 100.0, "follow-up": 1000.0, "follow-up SQL": 1000.0}
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_SQLITE = Path(tempfile.gettempdir()) / "samverkan-bench-reports.db"


@dataclass(frozen=True)
class Timing:
    backend: str
    report: str
    runs: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def p95(self) -> float:
        ordered = sorted(self.runs)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _timed(work: Callable[[], object], repeat: int) -> tuple[float, ...]:
    work()  # warm-up: imports, statement cache, the database's own caches
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        runs.append((time.perf_counter() - started) * 1000)
    return tuple(runs)


def measure(engine: Engine, shape: Shape, repeat: int, backend: str) -> list[Timing]:
    now = shape.end
    stores = StoreFactory(engine, lambda: now)
    t = translator("sv")
    options = Options()

    def status() -> object:
        with stores() as store:
            return status_document(store, t, options, since=now - timedelta(days=90),
                                   until=now)

    turn = iter(range(10**9))

    def summary() -> object:
        with stores() as store:
            group = store.calendar.group(group_id(next(turn) % shape.groups))
            assert group is not None
            return summary_document(store, t, group, now)

    def follow_up() -> object:
        with stores() as store:
            return follow_up_document(store, t, shape.last_year, now)

    def follow_up_figures() -> object:
        with stores() as store:
            return follow_up_input(store, shape.last_year, now)

    return [
        Timing(backend, "status", _timed(status, repeat)),
        Timing(backend, "summary", _timed(summary, repeat)),
        Timing(backend, "follow-up", _timed(follow_up, repeat)),
        Timing(backend, "follow-up SQL", _timed(follow_up_figures, repeat)),
    ]


def plans(engine: Engine, shape: Shape) -> list[str]:
    """The plan of every statement the reports send that reads `updates`."""

    now = shape.end
    stores = StoreFactory(engine, lambda: now)
    t = translator("sv")
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "updates" in statement and not statement.lstrip().upper().startswith("EXPLAIN"):
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with stores() as store:
            status_document(store, t, Options(), since=now - timedelta(days=90), until=now)
            group = store.calendar.group(group_id(0))
            assert group is not None
            summary_document(store, t, group, now)
            follow_up_document(store, t, shape.last_year, now)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    out: list[str] = []
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as connection:
        raw: Any = connection.connection.dbapi_connection
        for statement, parameters in captured:
            cursor = raw.cursor()
            prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            cursor.execute(prefix + statement, parameters)
            rows = cursor.fetchall()
            first = " ".join(statement.split())[:90]
            out.append(f"-- {first} …")
            out.extend("   " + " ".join(str(part) for part in row[-1:] if part is not None)
                       for row in rows)
    return out


def report(timings: Sequence[Timing], shape: Shape, repeat: int) -> str:
    lines = [
        f"{shape.updates:,} updates, {shape.groups} groups, "
        f"{shape.groups * shape.activities_per_group} activities, {shape.years} years; "
        f"{repeat} runs each after a warm-up",
        "",
        "| backend | report | median ms | p95 ms | aim ms | median / aim | p95 / aim |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for timing in timings:
        aim = AIMS_MS[timing.report]
        lines.append(
            f"| {timing.backend} | {timing.report} | {timing.median:.1f} | {timing.p95:.1f} "
            f"| {aim:.0f} | {timing.median / aim:.2f} | {timing.p95 / aim:.2f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=Shape.updates)
    parser.add_argument("--groups", type=int, default=Shape.groups)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append",
                        help="default: both")
    parser.add_argument("--sqlite-file", default=str(DEFAULT_SQLITE),
                        help=f"the SQLite database file (default {DEFAULT_SQLITE})")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--schema", default="bench", help="PostgreSQL schema (recreated)")
    parser.add_argument("--reuse", action="store_true",
                        help="time the data already there instead of generating it")
    parser.add_argument("--plans", action="store_true", help="print the query plans")
    args = parser.parse_args(argv)
    shape = Shape(updates=args.updates, groups=args.groups)
    timings: list[Timing] = []
    for backend in args.backend or ["sqlite", "postgresql"]:
        if backend == "sqlite":
            url = f"sqlite:///{Path(args.sqlite_file).resolve()}"
        else:
            url = args.postgres_url
        if args.reuse:
            engine = create_db_engine(
                url if backend == "sqlite" else schema_url(url, args.schema)
            )
        else:
            print(f"{backend}: generating …", file=sys.stderr)
            engine = fresh_engine(url, args.schema)
            load(engine, shape)
        try:
            with engine.connect() as connection:
                count = connection.execute(text("SELECT count(*) FROM updates")).scalar_one()
            print(f"{backend}: {count:,} updates; timing …", file=sys.stderr)
            timings.extend(measure(engine, shape, args.repeat, backend))
            if args.plans:
                print(f"\nQuery plans, {backend}:")
                print("\n".join(plans(engine, shape)))
        finally:
            engine.dispose()
    print()
    print(report(timings, shape, args.repeat))
    print(f"\n(measured {datetime.now().astimezone():%Y-%m-%d %H:%M})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
