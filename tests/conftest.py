"""Shared fixtures. Database tests run on SQLite always, and on PostgreSQL where it answers.

`.ci/run` sets SAMVERKAN_TEST_POSTGRES_URL when PostgreSQL answers at 127.0.0.1:5432; each test
gets its own schema there, dropped afterwards, so runs never see each other's rows.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.logs import NOISY_LOGGERS, configure_logging
from bot.settings import Settings
from domain.config import Config, load_config_text
from storage.db import create_db_engine, normalise_url, upgrade
from storage.sync import sync_config

# Property tests check behaviour, not speed: a busy machine (CI, parallel workers) must not
# fail them on hypothesis' per-example deadline. Timings come from bench/.
settings.register_profile("samverkan", deadline=None)
settings.load_profile("samverkan")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "vastra-gotaland.toml"
POSTGRES_URL = os.environ.get("SAMVERKAN_TEST_POSTGRES_URL", "")
_POSTGRES_SKIP_REASON = (
    "PostgreSQL tests skipped: SAMVERKAN_TEST_POSTGRES_URL is not set "
    "(.ci/run sets it when PostgreSQL answers at 127.0.0.1:5432)"
)


def _postgres_reachable() -> str | None:
    if not POSTGRES_URL:
        return _POSTGRES_SKIP_REASON
    try:
        engine = create_engine(normalise_url(POSTGRES_URL))
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure means: not reachable
        return f"PostgreSQL tests skipped: {POSTGRES_URL} does not answer ({type(exc).__name__})"
    return None


_POSTGRES_PROBLEM = _postgres_reachable()


@pytest.fixture(scope="session")
def example_config() -> Config:
    result = load_config_text(EXAMPLE.read_text("utf-8"))
    assert result.config is not None, result.problems
    return result.config


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema as a URL (search_path set), dropped after the test."""

    if _POSTGRES_PROBLEM:
        pytest.skip(_POSTGRES_PROBLEM)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(normalise_url(POSTGRES_URL)).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return _sqlite_url(tmp_path)
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def synced_engine(engine: Engine, example_config: Config) -> Engine:
    with Session(engine) as session:
        sync_config(session, example_config)
        session.commit()
    return engine


class FixedClock:
    """A clock the test moves by hand: the domain never reads the real time."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 9, 1, 7, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@contextmanager
def logging_restored() -> Iterator[None]:
    """Puts the root logger's handlers and level, and the library loggers' levels, back as they
    were: `configure_logging` (which `bot.cli.main` calls) replaces them."""

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in NOISY_LOGGERS}
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, library_level in levels.items():
            logging.getLogger(name).setLevel(library_level)


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting from the developer's shell or `.env` leaks into a test: the environment
    variables named like a `Settings` field are removed, and the working folder is tmp_path."""

    for key in list(os.environ):
        if key.lower() in Settings.model_fields:
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def cli_env(settings_env: None) -> Iterator[None]:
    """For running `bot.cli.main` in-process: `settings_env`, and the logging setup `main` does
    undone afterwards."""

    with logging_restored():
        yield


@pytest.fixture
def cli_database(cli_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """`cli_env`, with DATABASE_URL set to a SQLite file `cli.db` in tmp_path (not created
    here): its URL."""

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def production_logging(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Logging as `samverkan serve` sets it up (LOG_LEVEL=INFO), with caplog listening too."""

    with logging_restored():
        configure_logging("INFO", "text")
        logging.getLogger().addHandler(caplog.handler)
        caplog.handler.setLevel(logging.INFO)
        yield caplog


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _POSTGRES_PROBLEM:
        terminalreporter.write_line(_POSTGRES_PROBLEM, yellow=True)
    else:
        terminalreporter.write_line(
            f"Database tests ran on SQLite and on PostgreSQL ({POSTGRES_URL})."
        )
