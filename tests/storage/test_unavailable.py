"""A database that cannot be reached, is locked or does not answer in time is `StoreUnavailable`,
raised by the unit of work after its rollback; an error of ours is not. And the waits the
server is given (`SERVING`) reach the database, without losing what the URL said.

Runs on SQLite, and on PostgreSQL where it answers.
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from domain.errors import StoreUnavailable
from storage.db import SERVING, create_db_engine, normalise_url, upgrade
from storage.repositories import StoreFactory


@pytest.fixture
def serving(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url, SERVING)
    upgrade(engine)
    yield engine
    engine.dispose()


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def test_a_database_locked_by_another_connection_is_unavailable_and_nothing_is_saved(
    serving: Engine, database_url: str
) -> None:
    if is_sqlite(database_url):
        holder = sqlite3.connect(str(make_url(database_url).database), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        release = holder.close
    else:
        other = create_engine(normalise_url(database_url))
        connection = other.connect()
        connection.execute(text("LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE"))

        def release() -> None:
            connection.close()
            other.dispose()

    stores = StoreFactory(serving)
    try:
        with pytest.raises(StoreUnavailable) as raised, stores() as store:
            # Written (PostgreSQL: only audit_log is locked) ...
            assert store.deliveries.first_time("slack", "Ev0OUTAGE01")
            # ... and then stopped.
            store.audit.record(None, "test.outage", "ok")
            store.session.flush()
    finally:
        release()
    # Still a SQLAlchemyError for the code that speaks SQLAlchemy (the reminder service).
    assert isinstance(raised.value, SQLAlchemyError)
    with stores() as store:
        assert not store.deliveries.seen("slack", "Ev0OUTAGE01")
        assert store.session.scalar(text("SELECT count(*) FROM audit_log")) == 0


def test_sqlite_waits_out_another_processs_lock_once_then_tries_without_waiting(
    tmp_path: Path,
) -> None:
    """A burst of chat during an outage: each unit of work would otherwise wait the busy
    timeout in turn behind the one connection. The first to find the lock free ends it."""

    database = tmp_path / "busy.db"
    engine = create_db_engine(f"sqlite:///{database}", SERVING)
    upgrade(engine)
    begun: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith(("BEGIN", "PRAGMA busy_timeout")):
            begun.append(statement)

    def unit() -> str:
        begun.clear()
        try:
            with StoreFactory(engine)() as store:
                store.people.get("linnea.ek")
        except StoreUnavailable:
            return "unavailable"
        return "done"

    holder = sqlite3.connect(str(database), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert unit() == "unavailable" and begun == ["BEGIN IMMEDIATE"]  # waited 1 s
        for _ in range(3):
            assert unit() == "unavailable"
            assert begun == ["PRAGMA busy_timeout = 0", "BEGIN IMMEDIATE",
                             "PRAGMA busy_timeout = 1000"]  # tried once, did not wait
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert unit() == "done"  # free again: at once, no "not answering" after the outage
    assert unit() == "done" and begun == ["BEGIN IMMEDIATE"]
    engine.dispose()


def test_an_error_of_ours_is_not_an_outage(serving: Engine, database_url: str) -> None:
    with pytest.raises(SQLAlchemyError) as raised, StoreFactory(serving)() as store:
        store.session.execute(text("SELECT * FROM no_such_table"))
    # SQLite calls a missing table an OperationalError, as it calls "database is locked".
    assert isinstance(raised.value, OperationalError) == is_sqlite(database_url)
    assert not isinstance(raised.value, StoreUnavailable)


def test_postgresql_that_nobody_answers_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = create_db_engine(f"postgresql://samverkan@127.0.0.1:{port}/samverkan", SERVING)
    try:
        with pytest.raises(StoreUnavailable), StoreFactory(engine)() as store:
            store.people.get("linnea.ek")
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_postgresql_statement_that_runs_past_the_servers_patience_is_unavailable(
    postgres_url: str,
) -> None:
    engine = create_db_engine(postgres_url, SERVING)
    try:
        with engine.connect() as connection:
            shown = {name: connection.scalar(text(f"SHOW {name}"))
                     for name in ("lock_timeout", "statement_timeout", "search_path")}
        assert shown["lock_timeout"] == "1s" and shown["statement_timeout"] == "2s"
        # The URL's own options (each test's schema) are kept beside the timeouts.
        assert shown["search_path"] == make_url(postgres_url).query["options"].split("=", 1)[1]
        with pytest.raises(StoreUnavailable), StoreFactory(engine)() as store:
            store.session.execute(text("SELECT pg_sleep(5)"))
    finally:
        engine.dispose()
    patient = create_db_engine(postgres_url)
    try:
        with patient.connect() as connection:  # migrations and the command line: no limit
            assert connection.scalar(text("SHOW statement_timeout")) == "0"
    finally:
        patient.dispose()
