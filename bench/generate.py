"""A deterministic data generator for the report benchmarks: many groups, years and updates.

    python -m bench.generate --url sqlite:///bench.db --updates 1000000
    python -m bench.generate --url postgresql://postgres@127.0.0.1:5432/test --schema bench

The configuration (organisations, invented people, terms, groups with monthly meetings and a
rotation, goal areas, activities with indicators) goes through the real configuration model
and sync; the updates, their versions, decisions and next steps are written in bulk: one
`executemany` per chunk on SQLite, `COPY` on PostgreSQL. The same seed gives the same data.
Every person is invented (names drawn from short lists of common Swedish names, addresses
under `.example`).

Updates spread evenly over the years (oldest first), each about an activity of its group,
written by a member of the group for the member's organisation; statuses drift from one
update to the next; about 40 % of the updates of an activity with indicators carry a value,
15 % name a risk, 5 % were changed once after they were written, 1 % are withdrawn.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from domain.config import Config
from storage.db import create_db_engine, normalise_url, upgrade
from storage.sync import sync_config

FIRST_NAMES = (
    "Anna", "Erik", "Maria", "Lars", "Karin", "Anders", "Eva", "Johan", "Sara", "Per",
    "Emma", "Nils", "Linnea", "Olof", "Ida", "Gustav", "Elin", "Fredrik", "Maja", "Viktor",
)
LAST_NAMES = (
    "Berg", "Lind", "Holm", "Ek", "Sjöberg", "Falk", "Strand", "Nyström", "Ahlgren", "Dahl",
    "Lundqvist", "Wallin", "Hedlund", "Forsberg", "Blom", "Sandberg", "Åberg", "Norén",
)
ORGANISATIONS = (
    ("vgr", "Västra Götalandsregionen", "VGR"),
    ("fyrbodal", "Fyrbodals kommunalförbund", "Fyrbodal"),
    ("sjuharad", "Sjuhärads kommunalförbund", "Sjuhärad"),
    ("gr", "Göteborgsregionen", "GR"),
    ("skaraborg", "Skaraborgs kommunalförbund", "Skaraborg"),
)
STATUSES = ("not_started", "starting", "on_track", "at_risk", "delayed", "done", "paused")
WORDS = (
    "möte", "delregionerna", "förbunden", "utbildning", "samordnare", "kartläggning",
    "enkät", "remiss", "arbetssätt", "brukarråd", "uppföljning", "indikatorer", "plan",
    "implementering", "workshop", "återkoppling", "kommunerna", "regionen", "beslut",
    "rutin", "nätverk", "efterlevandestöd", "händelseanalys", "samsjuklighet", "underlag",
)
UPDATE_COLUMNS = (
    "id", "uid", "activity_code", "group_id", "author_id", "organisation_id", "created_at",
    "updated_at",
    "version", "status", "summary", "next_steps", "risks", "indicator_values", "withdrawn",
    "withdrawn_reason",
)
VERSION_COLUMNS = (
    "update_id", "version", "at", "actor_id", "activity_code", "status", "summary",
    "next_steps", "risks", "indicator_values", "withdrawn", "withdrawn_reason",
    "delivery_platform", "delivery_id",
)
DECISION_COLUMNS = (
    "id", "uid", "group_id", "meeting_date", "meeting_id", "text", "author_id", "created_at",
)
STEP_COLUMNS = (
    "id", "uid", "group_id", "meeting_date", "meeting_id", "text", "responsible_org_id",
    "due_date", "status", "author_id", "created_at", "closed_by", "closed_at",
)
CHUNK = 20_000


@dataclass(frozen=True)
class Shape:
    updates: int = 1_000_000
    groups: int = 200
    activities_per_group: int = 5
    goal_areas: int = 8
    members_per_group: int = 8
    years: int = 10
    last_year: int = 2026
    seed: int = 1

    @property
    def first_year(self) -> int:
        return self.last_year - self.years + 1

    @property
    def end(self) -> datetime:
        """The moment the data ends: 'now' for the benchmark (a Tuesday in November)."""

        return datetime(self.last_year, 11, 17, 9, 0, tzinfo=UTC)


# --- the configuration --------------------------------------------------------------------


def group_id(n: int) -> str:
    return f"grupp-{n:04d}"


def activity_code(n: int) -> str:
    return f"A-{n:05d}"


def build_config(shape: Shape) -> Config:
    rnd = random.Random(shape.seed)
    people: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    for g in range(shape.groups):
        members = []
        for k in range(shape.members_per_group):
            number = g * shape.members_per_group + k
            organisation = ORGANISATIONS[k % len(ORGANISATIONS)][0]
            person = f"p{number:06d}"
            people.append({
                "id": person,
                "name": f"{rnd.choice(FIRST_NAMES)} {rnd.choice(LAST_NAMES)}",
                "organisation": organisation,
                "email": f"{person}@bench.example",
            })
            members.append({"person": person})
        representatives = [
            {"organisation": ORGANISATIONS[k][0], "person": members[k]["person"]}
            for k in range(min(len(ORGANISATIONS), shape.members_per_group))
        ]
        groups.append({
            "id": group_id(g),
            "name": f"Arbetsgrupp {g + 1}",
            "short_name": f"Grupp {g + 1}",
            "members": members,
            "series": [{
                "id": f"serie-{g:04d}",
                "rrule": f"FREQ=MONTHLY;BYDAY={1 + g % 4}{('TU', 'WE', 'TH')[g % 3]}",
                "dtstart": date(shape.first_year, 1, 10),
                "until": date(shape.last_year + 1, 12, 31),
                "start_time": "09:00",
                "duration_minutes": 60,
            }],
            "rotation": {
                "per": "term",
                "order": [r["organisation"] for r in representatives],
                "representatives": representatives,
            },
        })
    terms = []
    for year in range(shape.first_year, shape.last_year + 2):
        terms.append({"id": f"vt{year}", "kind": "vt", "start": date(year, 1, 10),
                      "end": date(year, 6, 12)})
        terms.append({"id": f"ht{year}", "kind": "ht", "start": date(year, 8, 16),
                      "end": date(year, 12, 18)})
    areas = [{"code": f"MO{n + 1}", "title": f"Målområde {n + 1}"}
             for n in range(shape.goal_areas)]
    activities = []
    for n in range(shape.groups * shape.activities_per_group):
        owners = sorted(rnd.sample([o[0] for o in ORGANISATIONS], rnd.randint(1, 5)))
        activity: dict[str, Any] = {
            "code": activity_code(n),
            "title": f"Aktivitet {n + 1}: {' '.join(rnd.sample(WORDS, 4))}",
            "goal_area": areas[n % shape.goal_areas]["code"],
            "owners": owners,
            "group": group_id(n // shape.activities_per_group),
        }
        if n % 3 == 0:
            activity["indicators"] = [{
                "id": f"ind-{n}", "name": "Antal kommuner med arbetssätt", "unit": "antal",
                "baseline": 0, "target": 49,
            }]
        activities.append(activity)
    return Config.model_validate({
        "administrators": ["p000000"],
        "organisations": [{"id": i, "name": n, "short_name": s} for i, n, s in ORGANISATIONS],
        "people": people,
        "terms": terms,
        "groups": groups,
        "plan": {"title": "Benchmarkplan", "year": shape.last_year, "goal_areas": areas,
                 "activities": activities,
                 # Two milestones and two budget lines per goal area (the follow-up's parts).
                 "milestones": [
                     {"id": f"ms-{area['code'].lower()}-{k}", "title": f"Underlag {k + 1}",
                      "due": date(shape.last_year, 3 + 3 * k, 15), "goal_area": area["code"]}
                     for area in areas for k in range(2)],
                 "budget": [
                     {"id": f"b-{area['code'].lower()}-{k}", "title": f"Budgetrad {k + 1}",
                      "budget_tkr": 1000 * (k + 1), "funding": f"Finansiering {k + 1}",
                      "goal_area": area["code"]}
                     for area in areas for k in range(2)]},
    })


# --- the rows -------------------------------------------------------------------------------


def _text(rnd: random.Random, words: int) -> str:
    return " ".join(rnd.choice(WORDS) for _ in range(words)).capitalize() + "."


def update_rows(shape: Shape) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """(update row, its version rows), oldest first; datetimes naive UTC, as stored."""

    rnd = random.Random(shape.seed + 1)
    start = datetime(shape.first_year, 1, 1, tzinfo=UTC)
    span = (shape.end - start).total_seconds()
    activities = shape.groups * shape.activities_per_group
    last_status = ["not_started"] * activities
    step = span / shape.updates
    for number in range(1, shape.updates + 1):
        at = start + timedelta(seconds=step * (number - 1) + rnd.random() * step)
        n = rnd.randrange(activities)
        g = n // shape.activities_per_group
        member = rnd.randrange(shape.members_per_group)
        author = f"p{g * shape.members_per_group + member:06d}"
        organisation = ORGANISATIONS[member % len(ORGANISATIONS)][0]
        status = last_status[n] if rnd.random() < 0.6 else rnd.choice(STATUSES)
        last_status[n] = status
        values = {f"ind-{n}": float(rnd.randint(0, 49))} if n % 3 == 0 and rnd.random() < 0.4 \
            else {}
        summary = _text(rnd, 12)
        next_steps = _text(rnd, 6) if rnd.random() < 0.5 else ""
        risks = _text(rnd, 6) if rnd.random() < 0.15 else ""
        edited = rnd.random() < 0.05
        withdrawn = rnd.random() < 0.01
        created = at.replace(tzinfo=None)
        updated = created + timedelta(days=2) if edited else created
        version = 1 + int(edited) + int(withdrawn)
        if withdrawn:
            updated = updated + timedelta(days=1)
        uid = f"{rnd.getrandbits(128):032x}"
        common = (n, g, author, status, summary, next_steps, risks, values)
        row = (number, uid, activity_code(n), group_id(g), author, organisation, created,
               updated, version, status, summary, next_steps, risks, values, withdrawn,
               "Fel aktivitet" if withdrawn else "")
        versions = [_version(number, 1, created, common, False)]
        if edited:
            versions.append(_version(number, 2, created + timedelta(days=2), common, False))
        if withdrawn:
            versions.append(_version(number, version, updated, common, True))
        yield row, versions


def _version(number: int, version: int, at: datetime, common: tuple[Any, ...],
             withdrawn: bool) -> tuple[Any, ...]:
    n, _g, author, status, summary, next_steps, risks, values = common
    return (number, version, at, author, activity_code(n), status, summary, next_steps, risks,
            values, withdrawn, "Fel aktivitet" if withdrawn else "", None, None)


def note_rows(shape: Shape) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """A decision and a next step per group and month (the second Tuesday, roughly)."""

    rnd = random.Random(shape.seed + 2)
    decisions: list[tuple[Any, ...]] = []
    steps: list[tuple[Any, ...]] = []
    for g in range(shape.groups):
        for year in range(shape.first_year, shape.last_year + 1):
            for month in (1, 2, 3, 4, 5, 6, 8, 9, 10, 11):
                day = date(year, month, 12)
                at = datetime(year, month, 12, 10)
                if at >= shape.end.replace(tzinfo=None):
                    continue
                author = f"p{g * shape.members_per_group:06d}"
                decisions.append((len(decisions) + 1, f"{rnd.getrandbits(128):032x}",
                                  group_id(g), day, None, _text(rnd, 8), author, at))
                done = at < shape.end.replace(tzinfo=None) - timedelta(days=60)
                steps.append((len(steps) + 1, f"{rnd.getrandbits(128):032x}", group_id(g),
                              day, None, _text(rnd, 6), ORGANISATIONS[month % 5][0],
                              day + timedelta(days=30), "done" if done else "open", author, at,
                              author if done else None, at + timedelta(days=20) if done
                              else None))
    return decisions, steps


# --- loading ------------------------------------------------------------------------------


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        # SQLAlchemy's own SQLite storage format, so that comparisons stay correct.
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _sqlite_insert(engine: Engine, table: str, columns: Sequence[str],
                   rows: Iterator[tuple[Any, ...]]) -> None:
    sql = (f"INSERT INTO {table} ({', '.join(columns)}) "
           f"VALUES ({', '.join('?' for _ in columns)})")
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(tuple(_sqlite_value(v) for v in row))
            if len(batch) >= CHUNK:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
        connection.commit()
    finally:
        connection.close()


def _copy_value(value: Any) -> Any:
    if isinstance(value, dict):
        return json.dumps(value)
    return value


def _postgres_copy(engine: Engine, table: str, columns: Sequence[str],
                   rows: Iterator[tuple[Any, ...]]) -> None:
    connection = engine.raw_connection()
    try:
        driver: Any = connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(tuple(_copy_value(v) for v in row))
        driver.commit()
    finally:
        connection.close()


def load(engine: Engine, shape: Shape, *, out: io.TextIOBase | Any = sys.stderr) -> None:
    started = time.perf_counter()
    upgrade(engine)
    with Session(engine) as session:
        sync_config(session, build_config(shape))
        session.commit()
    print(f"configuration: {time.perf_counter() - started:.1f} s", file=out)
    insert = _postgres_copy if engine.dialect.name == "postgresql" else _sqlite_insert
    versions: list[tuple[Any, ...]] = []

    def updates() -> Iterator[tuple[Any, ...]]:
        for row, its_versions in update_rows(shape):
            versions.extend(its_versions)
            yield row

    insert(engine, "updates", UPDATE_COLUMNS, updates())
    print(f"updates: {time.perf_counter() - started:.1f} s", file=out)
    insert(engine, "update_versions", VERSION_COLUMNS, iter(versions))
    print(f"versions: {time.perf_counter() - started:.1f} s", file=out)
    decisions, steps = note_rows(shape)
    insert(engine, "decisions", DECISION_COLUMNS, iter(decisions))
    insert(engine, "next_steps", STEP_COLUMNS, iter(steps))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "postgresql":
            for table in ("updates", "decisions", "next_steps"):
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                ))
            # What autovacuum does to a table in use: statistics and the visibility map, so
            # that index-only scans need not visit the table.
            connection.execute(text("VACUUM ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
    print(f"loaded {shape.updates} updates in {time.perf_counter() - started:.1f} s",
          file=out)


def fresh_engine(url: str, schema: str | None) -> Engine:
    """An engine on an empty database: a new SQLite file, or a new PostgreSQL schema."""

    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path:
            import pathlib

            for suffix in ("", "-wal", "-shm"):
                pathlib.Path(path + suffix).unlink(missing_ok=True)
        return create_db_engine(url)
    schema = schema or "bench"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return create_db_engine(schema_url(url, schema))


def schema_url(url: str, schema: str) -> str:
    parsed = make_url(normalise_url(url)).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    return parsed.render_as_string(hide_password=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="database URL (SQLite file or PostgreSQL)")
    parser.add_argument("--schema", help="PostgreSQL schema to (re)create (default bench)")
    parser.add_argument("--updates", type=int, default=Shape.updates)
    parser.add_argument("--groups", type=int, default=Shape.groups)
    parser.add_argument("--activities", type=int, default=Shape.activities_per_group,
                        help="activities per group")
    parser.add_argument("--years", type=int, default=Shape.years)
    parser.add_argument("--seed", type=int, default=Shape.seed)
    args = parser.parse_args(argv)
    shape = Shape(updates=args.updates, groups=args.groups,
                  activities_per_group=args.activities, years=args.years, seed=args.seed)
    engine = fresh_engine(args.url, args.schema)
    try:
        load(engine, shape)
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
