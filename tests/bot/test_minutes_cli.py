"""`samverkan report minutes --group G [--meeting DATE] --format md|docx|json`, run in-process
through `bot.cli.main` on a SQLite file, with a decision recorded for arbetsgruppen's meeting
of 8 September 2026."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from docx import Document as open_docx

from bot.cli import main
from storage.db import create_db_engine
from storage.repositories import StoreFactory

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "vastra-gotaland.toml"

pytestmark = pytest.mark.usefixtures("cli_database")


@pytest.fixture
def db(cli_database: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["config", "sync", str(EXAMPLE)]) == 0
    engine = create_db_engine(cli_database)
    at = datetime(2026, 9, 8, 8, 30, tzinfo=UTC)
    with StoreFactory(engine, lambda: at)() as store:
        store.notes.add_decision(group_id="arbetsgrupp", meeting_date=date(2026, 9, 8),
                                 text="Utbildningsdagen hålls i mars", author_id="malin.hedlund",
                                 at=at, meeting_id="manadsmote:2026-09-08")
        store.agenda.record_attendance(
            group_id="arbetsgrupp", meeting_date=date(2026, 9, 8),
            meeting_id="manadsmote:2026-09-08", person_id="amir.haddad",
            organisation_id="gr", answer="yes", at=at)
    engine.dispose()
    capsys.readouterr()
    return cli_database


@pytest.mark.usefixtures("db")
def test_the_minutes_of_a_meeting_as_markdown_and_json(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    assert main(["report", "minutes", "--group", "arbetsgrupp", "--meeting", "2026-09-08",
                 "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Anteckningar: Länsgemensam arbetsgrupp")
    assert "Utbildningsdagen hålls i mars" in out and "Skaraborg (Malin Hedlund)" in out
    assert "**Närvarande organisationer:** GR" in out
    assert main(["report", "minutes", "--group", "arbetsgrupp", "--meeting", "2026-09-08",
                 "--format", "json", "--lang", "en"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["title"].startswith("Minutes: ")


@pytest.mark.usefixtures("db")
def test_the_minutes_as_word_under_their_own_name(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "minutes", "--group", "arbetsgrupp", "--meeting", "2026-09-08",
                 "--format", "docx", "--output", str(tmp_path)]) == 0
    written = tmp_path / "anteckningar-arbetsgruppen-2026-09-08.docx"
    text = "\n".join(p.text for p in open_docx(str(written)).paragraphs)
    assert "Anteckningar" in text


@pytest.mark.usefixtures("db")
@pytest.mark.parametrize(("args", "message"), [
    (["--format", "md"], "Anteckningar gäller en grupp"),
    (["--group", "arbetsgrupp", "--format", "xlsx"], "xlsx"),
    (["--group", "arbetsgrupp", "--meeting", "31 feb", "--format", "md"], ""),
])
def test_bad_input_exits_2_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["report", "minutes", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err and captured.err
