"""The `samverkan` command line, run in-process through `bot.cli.main`, and the demo for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.i18n import translator
from bot.cli import main
from bot.settings import Settings
from domain.config import load_config_text
from storage import models as m
from storage.db import create_db_engine, head_revision

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "vastra-gotaland.toml"
SV = translator("sv")
EN = translator("en")

BAD_CONFIG = """\
[[organisations]]
id = "vgr"
name = "Västra Götalandsregionen"
short_name = "VGR"
colour = "blue"

[[people]]
id = "anna.berg"
name = "Anna Berg"
organisation = "nowhere"
email = "anna.berg@vgregion.example"
language = "de"

[plan]
title = "Plan"
year = 2026
goal_areas = [{ code = "GS", title = "Genomförande" }]
"""


pytestmark = pytest.mark.usefixtures("cli_database")


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(BAD_CONFIG, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def count(url: str, model: type[m.Base]) -> int:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        engine.dispose()


# --- config check -------------------------------------------------------------------------


def test_config_check_passes_the_example(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "config", "check", str(EXAMPLE))
    assert code == 0, err
    assert out.startswith(f"{EXAMPLE}: ")
    assert "5 organisationer" in out
    assert not (tmp_path / "cli.db").exists()


def test_config_check_reports_every_problem_with_file_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, bad_file: Path
) -> None:
    code, out, err = run(capsys, "config", "check", str(bad_file))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert lines[0] == SV("config.header", file=bad_file, count=3)
    assert lines[1:] == [
        f"{bad_file}:5: organisations[0].colour: {SV('config.unknown_key')}",
        f"{bad_file}:10: people[0].organisation: "
        + SV("config.unknown_reference", kind=SV("config.kind.organisation"), value="nowhere"),
        f"{bad_file}:12: people[0].language: "
        + SV("config.not_one_of", allowed="'sv' or 'en'"),
    ]
    assert len(load_config_text(BAD_CONFIG).problems) == 3
    assert not (tmp_path / "cli.db").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


def test_config_check_in_english(capsys: pytest.CaptureFixture[str], bad_file: Path) -> None:
    code, _, err = run(capsys, "--lang", "en", "config", "check", str(bad_file))
    assert code == 2
    assert EN("config.header", file=bad_file, count=3) in err
    assert f"{bad_file}:5: organisations[0].colour: {EN('config.unknown_key')}" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["--lang", "en", "config", "check", "FILE"],
        ["config", "--lang", "en", "check", "FILE"],
        ["config", "check", "--lang", "en", "FILE"],
        ["config", "check", "FILE", "--lang", "en"],
    ],
)
def test_lang_is_accepted_anywhere(
    capsys: pytest.CaptureFixture[str], bad_file: Path, argv: list[str]
) -> None:
    code, _, err = run(capsys, *[str(bad_file) if a == "FILE" else a for a in argv])
    assert code == 2
    assert EN("config.header", file=bad_file, count=3) in err


def test_a_toml_syntax_error_and_a_missing_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[[organisations]]\nid = "vgr"\nname "VGR"\n', encoding="utf-8")
    code, _, err = run(capsys, "config", "check", str(broken))
    assert code == 2
    assert f"{broken}:3: " in err
    code, _, err = run(capsys, "config", "check", str(tmp_path / "missing.toml"))
    assert code == 2
    assert f"{tmp_path / 'missing.toml'}: " in err
    assert "Traceback" not in err


def test_config_sync_of_a_bad_file_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, bad_file: Path
) -> None:
    code, _, err = run(capsys, "config", "sync", str(bad_file))
    assert code == 2
    assert f"{bad_file}:10: " in err
    assert not (tmp_path / "cli.db").exists()


# --- config sync --------------------------------------------------------------------------


def test_config_sync_prints_the_changes_then_no_changes(
    capsys: pytest.CaptureFixture[str], cli_database: str
) -> None:
    code, out, err = run(capsys, "config", "sync", str(EXAMPLE))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == SV("sync.title", file=EXAMPLE)
    assert SV("sync.line", kind=SV("sync.kind.organisations"), created=5, updated=0,
              deactivated=0) in lines
    for organisation in ("vgr", "fyrbodal", "sjuharad", "gr", "skaraborg"):
        assert f"  + {organisation}" in lines
    assert "  + chefsgrupp" in lines
    assert SV("sync.no_changes") not in out
    assert count(cli_database, m.Organisation) == 5

    code, out, _ = run(capsys, "config", "sync", str(EXAMPLE))
    assert code == 0
    assert out.splitlines() == [SV("sync.title", file=EXAMPLE), "Inga ändringar."]

    code, out, _ = run(capsys, "config", "sync", str(EXAMPLE), "--lang", "en")
    assert code == 0
    assert out.splitlines() == [EN("sync.title", file=EXAMPLE), "No changes."]

    code, out, _ = run(capsys, "--lang", "en", "config", "sync", str(EXAMPLE))
    assert out.splitlines()[-1] == "No changes."


def test_default_language_setting_chooses_the_cli_language(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "config", "sync", str(EXAMPLE))
    monkeypatch.setenv("DEFAULT_LANGUAGE", "en")
    _, out, _ = run(capsys, "config", "sync", str(EXAMPLE))
    assert out.splitlines()[-1] == "No changes."


def test_config_sync_dry_run_writes_nothing(
    capsys: pytest.CaptureFixture[str], cli_database: str
) -> None:
    code, out, _ = run(capsys, "config", "sync", "--dry-run", str(EXAMPLE))
    assert code == 0
    assert SV("sync.dry_run") in out.splitlines()
    assert "  + vgr" in out.splitlines()
    for model in (m.Organisation, m.Person, m.Group, m.Activity, m.Membership):
        assert count(cli_database, model) == 0
    # The real sync afterwards still has everything to do.
    _, out, _ = run(capsys, "config", "sync", str(EXAMPLE))
    assert "  + vgr" in out.splitlines()


def test_config_sync_json_is_valid_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "config", "sync", "--format", "json", str(EXAMPLE))
    assert code == 0
    first = json.loads(out)
    assert first["dry_run"] is False and first["changed"] is True
    assert sorted(first["changes"]["organisations"]["created"]) == sorted(
        ["vgr", "fyrbodal", "sjuharad", "gr", "skaraborg"]
    )
    _, out, _ = run(capsys, "config", "sync", "--format", "json", "--dry-run", str(EXAMPLE))
    second = json.loads(out)
    assert second["dry_run"] is True and second["changed"] is False


# --- db -----------------------------------------------------------------------------------


def test_db_upgrade_prints_the_head_revision(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    head = head_revision()
    assert head
    code, out, _ = run(capsys, "db", "current")
    assert code == 0
    assert out.strip() == "-"
    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0
    assert out.strip() == head
    assert (tmp_path / "cli.db").exists()
    code, out, _ = run(capsys, "db", "current")
    assert out.strip() == head


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in ([], ["nonsense"], ["config"], ["config", "sync"], ["--lang", "de", "db"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
    capsys.readouterr()


# --- the demo, for real -------------------------------------------------------------------


def samverkan_script() -> Path:
    script = Path(sys.executable).parent / "samverkan"
    assert script.exists(), f"{script} is missing: install the project (pip install -e .)"
    return script


def demo(tmp_path: Path, stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    return subprocess.run(
        [str(samverkan_script()), "demo", *args], input=stdin, capture_output=True,
        text=True, cwd=tmp_path, env=env, timeout=60, check=False,
    )


def test_the_demo_answers_piped_lines_and_exits_0(tmp_path: Path) -> None:
    result = demo(tmp_path, "/samverkan hjälp\nvem\n")
    assert result.returncode == 0, result.stderr
    assert "hjälp" in result.stdout
    assert "vem" in result.stdout
    assert SV("help.title") in result.stdout
    assert SV("whoami.title", name="Johan Wikström") in result.stdout
    assert "Traceback" not in result.stderr
    assert (tmp_path / "samverkan-demo.db").exists()


def test_the_demo_refuses_an_unknown_person(tmp_path: Path) -> None:
    result = demo(tmp_path, "hjälp\n", "--as", "nobody")
    assert result.returncode == 2
    assert "nobody" in result.stderr
    assert "--as" in result.stderr
    assert "johan.wikstrom" in result.stderr or "cecilia.akerblom" in result.stderr
    assert "Traceback" not in result.stderr
