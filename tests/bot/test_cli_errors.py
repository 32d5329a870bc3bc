"""The command line when something is wrong: an unknown id, area or date, a file it cannot
write, a reader that stops reading. Exit 2 with one line in the chosen language, or (a closed
pipe) a quiet end; never a traceback, never an empty report that looks like an answer.

In-process through `bot.cli.main` on a SQLite file synced from the example configuration;
as a real process where the operating system is the point (permissions, pipes).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.i18n import translator
from bot.cli import main
from bot.settings import Settings
from storage import models as m
from storage.db import create_db_engine
from tests.bot.test_cli import samverkan_script

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "vastra-gotaland.toml"
SV = translator("sv")
EN = translator("en")
GROUPS = "arbetsgrupp, chefsgrupp, kf-arbetsgrupp, vgr-arbetsgrupp"
AREAS = "GS (Genomförande av strategin), SP (Suicidprevention), KB (Komplexa behov / samsjuklighet)"


@pytest.fixture
def db(cli_database: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["config", "sync", str(EXAMPLE)]) == 0
    capsys.readouterr()
    return cli_database


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Runs a command that must be refused: exit 2, nothing on stdout, one line on stderr."""

    assert main(list(argv)) == 2, argv
    out, err = capsys.readouterr()
    assert out == "", (argv, out)
    assert len(err.strip().splitlines()) == 1, (argv, err)
    return err.strip()


def audit_entries(url: str) -> int:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(m.AuditLog)) or 0)
    finally:
        engine.dispose()


# --- unknown ids, areas and dates -----------------------------------------------------------


@pytest.mark.usefixtures("db")
def test_an_unknown_group_is_refused_with_the_groups_there_are(
    capsys: pytest.CaptureFixture[str],
) -> None:
    expected = SV("group.unknown", group="styrgrupp", choices=GROUPS)
    assert refused(capsys, "schedule", "--group", "styrgrupp") == expected
    assert refused(capsys, "report", "summary", "--group", "styrgrupp", "--format",
                   "md") == expected
    assert refused(capsys, "report", "status", "--group", "styrgrupp", "--format",
                   "md") == expected
    assert refused(capsys, "report", "summary", "--format", "md") == SV(
        "reports.cli.group_required", choices=GROUPS)


@pytest.mark.usefixtures("db")
def test_a_mistyped_goal_area_prints_no_report(capsys: pytest.CaptureFixture[str]) -> None:
    expected = SV("reports.error.unknown_area", area="XX", choices=AREAS)
    assert refused(capsys, "report", "status", "--area", "XX", "--format", "md") == expected
    # One good area does not hide a bad one.
    assert refused(capsys, "report", "status", "--area", "SP", "--area", "XX", "--format",
                   "json") == expected
    assert main(["report", "status", "--area", "sp", "--area", "KB", "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert "SP-1" in out and "KB-" in out and "VIP-1" not in out


@pytest.mark.usefixtures("db")
def test_an_unknown_person_gets_no_extract(capsys: pytest.CaptureFixture[str]) -> None:
    assert refused(capsys, "gdpr", "export", "anna.okand") == SV(
        "gdpr.cli.unknown_person", person="anna.okand")
    assert refused(capsys, "--lang", "en", "gdpr", "export", "anna.okand") == EN(
        "gdpr.cli.unknown_person", person="anna.okand")


@pytest.mark.usefixtures("db")
def test_a_date_that_is_no_date_is_refused_everywhere(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for argv, text in (
        (["schedule", "--group", "arbetsgrupp", "--from", "32/13"], "32/13"),
        (["schedule", "--group", "arbetsgrupp", "--to", "någon gång"], "någon gång"),
        (["report", "status", "--since", "igår kväll", "--format", "md"], "igår kväll"),
        (["audit", "--since", "förra veckan"], "förra veckan"),
        (["reminders", "due", "--now", "snart"], "snart"),
        (["reminders", "run", "--now", "snart", "--dry-run"], "snart"),
        (["demo", "--now", "i morgon bitti", "--log", "-"], "i morgon bitti"),
    ):
        line = refused(capsys, *argv)
        assert f"”{text}”" in line, (argv, line)


# --- files it cannot write ------------------------------------------------------------------


def test_output_into_a_missing_folder_is_one_line(
    db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What `teams-package` needs besides a folder to write into (invented values).
    monkeypatch.setenv("MICROSOFT_APP_ID", "00000000-0000-4000-8000-000000000001")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://samverkan.example.org")
    missing = tmp_path / "finns-inte"
    for argv in (
        ["report", "status", "--format", "md", "--output", str(missing / "status.md")],
        ["report", "summary", "--group", "arbetsgrupp", "--format", "docx", "--output",
         str(missing / "sammanfattning.docx")],
        ["gdpr", "export", "linnea.ek", "--output", str(missing / "utdrag.json")],
        ["teams-package", "--output", str(missing / "samverkan.zip")],
    ):
        line = refused(capsys, *argv)
        assert line == SV("cli.file.error", file=argv[-1], reason=SV("cli.file.no_folder"))
    assert not missing.exists()
    # The extract that could not be written is not in the audit log as given out.
    assert audit_entries(db) == 0


@pytest.mark.usefixtures("db")
def test_output_onto_a_folder_is_one_line_in_english(
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    # (A report given a folder is written into it under its own name: test_report_files.)
    assert refused(capsys, "gdpr", "export", "linnea.ek", "--output", str(tmp_path),
                   "--lang", "en") == EN("cli.file.error", file=tmp_path,
                                         reason=EN("cli.file.is_folder"))


def test_a_database_in_a_missing_folder_is_one_line(
    monkeypatch: pytest.MonkeyPatch, cli_env: None, capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    database = tmp_path / "saknas" / "samverkan.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    assert refused(capsys, "audit") == SV("cli.file.database", file=database,
                                          reason=SV("cli.file.no_folder"))
    assert refused(capsys, "demo", "--db", f"sqlite:///{database}", "--log", "-") == SV(
        "cli.file.database", file=database, reason=SV("cli.file.no_folder"))


def _without_override(argv: list[str]) -> list[str]:
    """Root may write anywhere: the command then runs without the capability that allows it."""

    if os.geteuid() != 0:
        return argv
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a folder's permissions cannot refuse root")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", *argv]


def test_output_into_a_folder_without_permission_is_one_line(
    db: str, tmp_path: Path,
) -> None:
    locked = tmp_path / "låst"
    locked.mkdir()
    locked.chmod(0o500)
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env["DATABASE_URL"] = db
    try:
        for argv, target in (
            (["report", "status", "--format", "md", "--output"], locked / "status.md"),
            (["demo", "--log"], locked / "demo.log"),
        ):
            result = subprocess.run(
                _without_override([str(samverkan_script()), *argv, str(target)]),
                input="vem\n", capture_output=True, text=True, cwd=tmp_path, env=env,
                timeout=120, check=False,
            )
            assert result.returncode == 2, result.stderr
            assert result.stderr.strip() == SV("cli.file.error", file=target,
                                               reason=SV("cli.file.no_permission"))
            assert not target.exists()
    finally:
        locked.chmod(0o700)


# --- a reader that stops reading ------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "stdin"),
    [
        (["audit"], ""),
        (["report", "status", "--format", "md"], ""),
        (["schedule", "--group", "arbetsgrupp", "--format", "json"], ""),
        (["schedule", "--group", "arbetsgrupp", "--format", "ics"], ""),
        (["gdpr", "export", "linnea.ek", "--format", "md"], ""),
        (["reminders", "due", "--now", "2026-12-07T09:00", "--format", "json"], ""),
        (["demo", "--log", "-"], "hjälp\nmöten\n"),
    ],
)
def test_piping_into_a_reader_that_closes_ends_quietly(
    db: str, tmp_path: Path, argv: list[str], stdin: str,
) -> None:
    """`samverkan … | head -1`: the reader goes away (here before the first line is written,
    so that every write meets the closed pipe); the command ends with 0 and says nothing."""

    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env["DATABASE_URL"] = db
    process = subprocess.Popen(
        [str(samverkan_script()), *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, cwd=tmp_path, env=env,
    )
    assert process.stdout is not None and process.stdin is not None
    process.stdout.close()
    process.stdin.write(stdin.encode("utf-8"))
    process.stdin.close()
    assert process.wait(timeout=120) == 0
    assert process.stderr is not None
    err = process.stderr.read().decode("utf-8")
    process.stderr.close()
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err
    assert "gdpr.extract" not in subprocess.run(
        [str(samverkan_script()), "audit"], capture_output=True, text=True, env=env, check=True,
    ).stdout  # an extract that went nowhere is not audited as given out
