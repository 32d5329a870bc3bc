"""Engines and migrations for both stores: SQLite (embedded default) and PostgreSQL.

How long the database may keep a caller waiting is chosen per kind of caller (`Patience`).
Waiting for our own work (this process's other units of work, queued for a connection) is not
waiting for the database: only what another party holds, or a database that does not answer,
makes a unit of work give up early.

- `SERVING`, for `samverkan serve`: a person waits in chat, and must hear within 5 s that
  nothing was saved when the database is down or locked; `/readyz` must say 503 within 2 s.
  A chat command opens up to three units of work before it answers (Teams: the conversation
  reference, "is this person known", the command; Slack: the last two), so each gives up on
  the database after about a second:
  - `lock` 1 s: SQLite's busy_timeout, how long BEGIN IMMEDIATE waits for another process
    (the command line, a second server) to let go of the write lock; PostgreSQL's
    `lock_timeout`. Our own transactions hold locks for milliseconds (two instances' claims
    wait on each other's inserts that long), so a lock held for a second is an outage.
  - `statement` 2 s: PostgreSQL's `statement_timeout`. The heaviest statement a chat command
    runs, the plan's status over a million updates, takes 0.1-0.35 s (README, "Reports"), so
    2 s only stops a database that has stopped answering.
  - `connect` 2 s: libpq's `connect_timeout`, its least. A refused connection fails at once
    anyway; a host that drops packets costs 2 s per unit of work.
  - `queue` 10 s: the wait for a connection of this process's pool (SQLite: the one
    connection, see `create_db_engine`). That is our own work going on, slow only when the
    server is overloaded; an answer late then is better than a false "not answering". During
    an outage the queue does not grow: SQLite stops waiting for a while (`_Busy`), PostgreSQL
    gives each connection back within `lock` or `statement`.
  The reminder ticks share these: a tick that meets an outage fails as a whole and the next
  one settles it (`scheduler/reminders.py`).
- `PATIENT`, the default, for the command line, migrations, the demo and the benches: an
  administrator or cron waits, not a person in a chat turn: 30 s for a lock or a connection,
  10 s to connect, no statement limit (a migration or an export of every update may take
  minutes).

Whatever the patience, a unit of work that meets an unreachable, locked or timed-out database
raises `DatabaseUnavailable` (`unavailable` says which errors are that; the translation is in
`storage.repositories.StoreFactory`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from time import monotonic
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
    """How long one unit of work waits before it is told the database is unavailable (s)."""

    lock: float  # for a lock someone else holds: SQLite busy_timeout, PostgreSQL lock_timeout
    queue: float  # for a connection of this process's pool (our own work ahead of it)
    connect: int  # PostgreSQL connect_timeout (libpq takes whole seconds, at least 2)
    statement: float | None  # PostgreSQL statement_timeout; None: no limit


SERVING = Patience(lock=1.0, queue=10.0, connect=2, statement=2.0)
PATIENT = Patience(lock=30.0, queue=30.0, connect=10, statement=None)


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
        if _create_owner_only(url):
            # One connection per process, its threads queued for it by the pool. Every
            # transaction takes the write lock (BEGIN IMMEDIATE), so more connections only
            # wait for each other inside SQLite, whose busy handler polls, sleeping up to
            # 100 ms, and lets a waiter lose to newcomers again and again: with a connection
            # per thread and a 1 s busy timeout, 66 of 1,100 Slack commands and 32 of 330
            # Teams turns of the chat bench (on two busy cores) were told the database was not
            # answering; with one, none. The pool's queue wakes the next thread as soon as
            # the connection is back. So a thread must not hold a connection of this engine
            # while it asks for another: it would wait `queue` seconds for itself.
            kwargs = {"pool_size": 1, "max_overflow": 0, "pool_timeout": patience.queue,
                      **kwargs}
        engine = create_engine(url, connect_args={"timeout": patience.lock}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _Busy(patience.lock).begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_timeout", patience.queue)
    return create_engine(_postgres_url(url, patience), **kwargs)


def _create_owner_only(url: str) -> bool:
    """Creates a new SQLite database file readable and writable by its owner only (0600).
    False when the URL names no file (in memory).

    The database holds personal data. SQLite would create it 0644 (less the umask); made
    empty here first, it is taken as a new database, and SQLite gives its -wal, -shm and
    -journal files the database file's own mode. An existing file is left as it is.
    """

    parsed = make_url(url)
    path = parsed.database
    if not path or path == ":memory:" or path.startswith("file:") or "uri" in parsed.query:
        return False
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError:
        # A missing folder or one not writable: SQLite meets the same when it opens the file,
        # and says so as a database error (which the command line turns into one line).
        pass
    return True


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


class _Busy:
    """BEGIN IMMEDIATE for one SQLite engine, and how it last went.

    IMMEDIATE takes the write lock up front: two transactions that read and then write would
    otherwise deadlock in WAL mode and fail at once, whatever busy_timeout says. When another
    process has held the lock past the busy timeout, the transactions of this process that
    begin within the next `hold` seconds try once and do not wait it out again, one after the
    other behind the one connection: a burst of chat during an outage is answered in about a
    second, not in as many seconds as it has commands. The first that finds the lock free
    ends that at once.
    """

    def __init__(self, wait: float) -> None:
        self.wait_ms = int(wait * 1000)
        self.hold = wait
        self.until = 0.0

    def begin(self, connection: Any) -> None:
        if monotonic() < self.until:
            connection.exec_driver_sql("PRAGMA busy_timeout = 0")
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            finally:
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {self.wait_ms}")
            self.until = 0.0
            return
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except OperationalError as error:
            if unavailable(error):
                self.until = monotonic() + self.hold
            raise


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
