"""Files with personal data are created readable by their owner only (0600): the SQLite
database with its -wal and -shm files, whoever creates it (the server, the command line, the
demo), and what the command line writes with `--output` (register extracts, reports).

Every test runs under the common umask 022, which would leave such files readable by everyone.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.cli import main
from bot.settings import Settings
from storage.db import create_db_engine, upgrade
from tests.conftest import EXAMPLE, ROOT

OWNER_ONLY = 0o600


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def database_files(database: Path) -> list[Path]:
    return [database, Path(f"{database}-wal"), Path(f"{database}-shm")]


def test_a_new_database_and_its_wal_and_shm_files_are_the_owners_only(tmp_path: Path) -> None:
    database = tmp_path / "samverkan.db"
    engine = create_db_engine(f"sqlite:///{database}")
    try:
        upgrade(engine)
        with engine.connect() as connection:  # open: the -wal and -shm files are there now
            connection.execute(text("SELECT count(*) FROM people"))
            assert {path.name: mode(path) for path in database_files(database)} == {
                path.name: OWNER_ONLY for path in database_files(database)
            }
    finally:
        engine.dispose()


@pytest.mark.usefixtures("cli_database")
def test_the_command_lines_database_extracts_and_reports_are_the_owners_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "sync", str(EXAMPLE)]) == 0
    assert mode(tmp_path / "cli.db") == OWNER_ONLY
    extract = tmp_path / "linnea.md"
    assert main(["gdpr", "export", "linnea.ek", "--format", "md", "--output", str(extract)]) == 0
    assert "Linnéa Ek" in extract.read_text("utf-8") and mode(extract) == OWNER_ONLY
    # Over an older file that everyone could read: the report in it is the owner's only.
    report = tmp_path / "status.md"
    report.write_text("an older file", "utf-8")
    assert mode(report) == 0o644
    assert main(["report", "status", "--format", "md", "--output", str(report)]) == 0
    assert mode(report) == OWNER_ONLY and "an older file" not in report.read_text("utf-8")
    capsys.readouterr()


def test_the_demos_database_is_the_owners_only(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    finished = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", "--db", f"sqlite:///{database}"],
        input="hjälp\n", cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    assert mode(database) == OWNER_ONLY
