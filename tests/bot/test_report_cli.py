"""`samverkan report status|summary`, run in-process through `bot.cli.main` on a SQLite file.

The command line reads the real clock, so the updates are written a few days before now.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from docx import Document as open_docx
from openpyxl import load_workbook
from PIL import Image

from app.i18n import translator
from bot.cli import main
from bot.report_cli import run_report
from bot.settings import Settings
from domain.updates import UpdateContent
from storage.db import create_db_engine
from storage.repositories import StoreFactory

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "vastra-gotaland.toml"


pytestmark = pytest.mark.usefixtures("cli_database")


@pytest.fixture
def db(cli_database: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["config", "sync", str(EXAMPLE)]) == 0
    engine = create_db_engine(cli_database)
    now = datetime.now(UTC)
    with StoreFactory(engine, lambda: now)() as store:
        for days, code, status, text in ((5, "VIP-1", "on_track", "Två delregioner klara"),
                                         (3, "SP-1", "at_risk", "Samordnare saknas")):
            store.updates.add(UpdateContent(code, status, text), author_id="linnea.ek",
                              group_id="arbetsgrupp", at=now - timedelta(days=days))
    engine.dispose()
    capsys.readouterr()
    return cli_database


def since() -> str:
    return (datetime.now(UTC) - timedelta(days=10)).date().isoformat()


@pytest.mark.usefixtures("db")
def test_the_status_as_markdown_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "status", "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Handlingsplanens status")
    assert "🟡 Risk för försening" in out and "VIP-1" in out and "KB-3" in out


@pytest.mark.usefixtures("db")
def test_the_status_of_one_goal_area_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "status", "--area", "SP", "--format", "md", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Status of the action plan")
    assert "SP-1" in out and "VIP-1" not in out


@pytest.mark.usefixtures("db")
def test_files_are_written_where_asked(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    word = tmp_path / "status.docx"
    assert main(["report", "status", "--format", "docx", "--output", str(word)]) == 0
    assert translator("sv")("reports.cli.written", file=word,
                            count=word.stat().st_size) in capsys.readouterr().err
    assert open_docx(str(word)).paragraphs[0].text == "Handlingsplanens status"
    excel = tmp_path / "status.xlsx"
    assert main(["report", "status", "--format", "xlsx", "--output", str(excel)]) == 0
    assert load_workbook(excel).sheetnames[0] == "Alla"
    picture = tmp_path / "sammanfattning.png"
    assert main(["report", "summary", "--group", "arbetsgrupp", "--since", since(),
                 "--format", "png", "--output", str(picture)]) == 0
    assert Image.open(picture).format == "PNG"


@pytest.mark.usefixtures("db")
def test_the_summary_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "summary", "--group", "arbetsgrupp", "--since", since(),
                 "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert "Länsgemensam arbetsgrupp" in body["title"]
    text = json.dumps(body, ensure_ascii=False)
    assert "Samordnare saknas" in text and "Upphämtning från förra gången" in text


@pytest.mark.usefixtures("db")
def test_the_summary_as_csv_rows(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "summary", "--group", "arbetsgrupp", "--since", since(),
                 "--format", "csv"]) == 0
    out = capsys.readouterr().out
    # The whole summary, a titled section per part.
    assert out.startswith("\ufeffÖversikt\r\n")
    for part in ("Lägesrapporter", "Aktiviteter", "Beslut från förra mötet",
                 "Öppna nästa steg", "Har inte rapporterat", "Förslag till dagordning"):
        assert f"\r\n\r\n{part}\r\n" in out, part
    assert "Samordnare saknas" in out


@pytest.mark.usefixtures("db")
def test_mistakes_are_explained_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "summary", "--format", "md"]) == 2
    assert "arbetsgrupp" in capsys.readouterr().err
    assert main(["report", "summary", "--group", "nej", "--format", "md"]) == 2
    assert "nej" in capsys.readouterr().err
    assert main(["report", "status", "--since", "31/2", "--format", "md"]) == 2
    assert capsys.readouterr().err.strip()


@pytest.mark.usefixtures("db")
def test_binary_formats_are_not_written_to_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    class Terminal(io.BytesIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert run_report(settings, translator("sv"), "status", group_id=None, since_text=None,
                      fmt="docx", output=None, stdout=terminal) == 2
    assert terminal.getvalue() == b""
    assert "--output" in capsys.readouterr().err
    assert run_report(settings, translator("sv"), "status", group_id=None, since_text=None,
                      fmt="md", output=None, stdout=terminal) == 0
    assert terminal.getvalue().startswith(b"# Handlingsplanens")
