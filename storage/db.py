"""Engines and migrations for both stores: SQLite (embedded default) and PostgreSQL.

How long the database may keep a caller waiting is chosen per kind of caller (`Patience`):

- `SERVING`, for `samverkan serve`: a person waits in chat, and must hear within 5 s that
  nothing was saved when the database is down or locked; `/readyz` must say 503 within 2 s.
  A chat command opens up to three units of work before it answers (Teams: the conversation
  reference, "is this person known", the command; Slack: the last two), so each gives up
  after about a second:
  - SQLite `busy_timeout` 1 s: the wait for another connection's write lock (every
    transaction takes it at BEGIN, see `_sqlite_begin`). Our transactions hold it for
    milliseconds (the chat bench: 20 commands in flight; the reminder batches), so a second
    is a wide margin under normal contention, and a lock held longer than that is an outage.
  - PostgreSQL `lock_timeout` 1 s, for the same reason (two instances' claims wait on each
    other's inserts for milliseconds); the pool's `timeout` 1 s (a connection free within a
    second, or the database is not keeping up); `connect_timeout` 2 s (libpq's least: a
    refused connection fails at once anyway, a host that does not answer takes 2 s); and
    `statement_timeout` 2 s: the heaviest statement a chat command runs, the plan's status
    over a million updates, takes 0.1-0.35 s (README, "Reports"), so 2 s only stops a
    database that has stopped answering. The reminder ticks share these: a tick that meets
    an outage fails as a whole and the next one settles it (`scheduler/reminders.py`).
- `PATIENT`, the default, for the command line, migrations, the demo and the benches: nobody
  is waiting on a turn, an administrator or cron is; 30 s for a lock, 10 s to connect, no
  statement limit (a migration or an export of every update may take minutes).

Whatever the patience, a unit of work that meets an unreachable, locked or timed-out database
raises `DatabaseUnavailable` (`unavailable`, used by `storage.repositories.StoreFactory`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from domain.errors import StoreUnavailable

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@dataclass(frozen=True)
class Patience:
    """How long one unit of work waits on the database before it is told it is unavailable."""

    lock: float  # seconds: SQLite busy_timeout; PostgreSQL lock_timeout and the pool's timeout
    connect: int  # seconds: PostgreSQL connect_timeout (libpq takes whole seconds, at least 2)
    statement: float | None  # seconds: PostgreSQL statement_timeout; None: no limit


SERVING = Patience(lock=1.0, connect=2, statement=2.0)
PATIENT = Patience(lock=30.0, connect=10, statement=None)


class DatabaseUnavailable(StoreUnavailable, SQLAlchemyError):
    """`StoreUnavailable` for the kernel; still a `SQLAlchemyError` for the code that speaks
    SQLAlchemy (the reminder service settles its claims on any of those)."""


# SQLite's primary result codes: BUSY, LOCKED (another connection holds the lock), IOERR,
# CANTOPEN (the file cannot be read or opened).
_SQLITE_UNAVAILABLE = {5, 6, 10, 14}
# PostgreSQL SQLSTATEs: connection exceptions (08), insufficient resources (53, "too many
# connections" among them), operator intervention (57: query_canceled by statement_timeout,
# admin_shutdown, cannot_connect_now), lock_not_available (lock_timeout), and the two that
# say "run it again": serialization_failure and deadlock_detected.
_POSTGRES_CLASSES = {"08", "53", "57"}
_POSTGRES_STATES = {"55P03", "40001", "40P01"}


def unavailable(error: BaseException) -> bool:
    """Whether an error means "cannot reach / locked / timed out", not a fault of ours."""

    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    orig = error.orig
    sqlite_code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(sqlite_code, int):
        return sqlite_code & 0xFF in _SQLITE_UNAVAILABLE
    if orig is not None and hasattr(orig, "sqlstate"):  # psycopg
        state: str | None = orig.sqlstate
        if state is None:  # no server answered: refused, timed out, closed
            return isinstance(error, OperationalError)
        return state[:2] in _POSTGRES_CLASSES or state in _POSTGRES_STATES
    return False


def normalise_url(url: str) -> str:
    """`postgresql://` and `postgres://` mean psycopg 3 here, the driver we install."""

    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_db_engine(url: str, patience: Patience = PATIENT, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        _create_owner_only(url)
        # sqlite3's `timeout` is SQLite's busy_timeout: how long BEGIN IMMEDIATE waits.
        engine = create_engine(url, connect_args={"timeout": patience.lock},
                               pool_timeout=patience.lock, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_timeout", patience.lock)
    return create_engine(_postgres_url(url, patience), **kwargs)


def _create_owner_only(url: str) -> None:
    """Creates a new SQLite database file readable and writable by its owner only (0600).

    The database holds personal data. SQLite would create it 0644 (less the umask); made
    empty here first, it is taken as a new database, and SQLite gives its -wal, -shm and
    -journal files the database file's own mode. An existing file is left as it is.
    """

    parsed = make_url(url)
    path = parsed.database
    if not path or path == ":memory:" or path.startswith("file:") or "uri" in parsed.query:
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _postgres_url(url: str, patience: Patience) -> str:
    """The URL with the patience's timeouts, kept with any `options` it already has (a
    search_path, say): set at connection start by the server, no statement of ours."""

    parsed = make_url(url)
    settings = [f"-c lock_timeout={int(patience.lock * 1000)}"]
    if patience.statement is not None:
        settings.append(f"-c statement_timeout={int(patience.statement * 1000)}")
    options = " ".join([str(parsed.query.get("options", "")), *settings]).strip()
    query = {"options": options}
    if "connect_timeout" not in parsed.query:
        query["connect_timeout"] = str(patience.connect)
    return parsed.update_query_dict(query).render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite opens transactions lazily, before the first write only, so a SAVEPOINT taken
    # before any write would commit on release. Take transactions over: BEGIN on "begin".
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front: two transactions that read and then write would
    # otherwise deadlock in WAL mode and fail at once, whatever busy_timeout says.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(engine: Engine) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config(create_engine("sqlite://"))).get_current_head()


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()
