"""Text is stored as text a Word or Excel file can hold, and shown there as text, never run.

U+FFFF, U+FFFE, the other non-characters and C0 control characters are removed where text
comes in (every command and form, through the dispatcher) and refused in the configuration;
every file writer leaves them out anyway, for what was stored before. A text that starts
like a formula (`=`, `+`, `-`, `@`) stays the characters typed, and no typed address
becomes a live link. Through the real `Dispatcher`, storage, renderers and CLI.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from docx import Document as open_docx
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.dispatch import Dispatcher
from bot.cli import main
from storage import models_updates as mu
from storage.repositories import StoreFactory
from tests.conftest import EXAMPLE, FixedClock
from tests.handlers.support import (
    JOHAN,
    LINNEA,
    export_file,
    extract_files,
    report,
    say,
    stored_updates,
    submit,
)

UNSAFE = ("\uffff", "\ufffe", "\ufdd0", "\U0001ffff", "\x00", "\x01", "\x08", "\x0b", "\x1f")
FORMULAS = ('=HYPERLINK("https://evil.example/x","Klicka här")', "+46 700 00 00 00",
            "-1 kommun har hoppat av", "@SUM(A1:A9)")
ADDRESS = "Se https://evil.example/lagesbild för detaljer"
NOW = datetime(2026, 9, 1, 7, 0, tzinfo=UTC)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def spoiled(text: str, among: tuple[str, ...] = UNSAFE) -> str:
    return "".join(f"{ch}{among[i % len(among)]}" for i, ch in enumerate(text))


def test_an_update_with_characters_no_document_can_hold_is_stored_without_them(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    reply = say(dispatcher, f"rapportera VIP-1 pågår {spoiled('Test nio')}")
    assert not reply.is_error, reply.plain_text()
    saved = submit(dispatcher, {"activity": "SP-1", "status": "at_risk",
                                "summary": spoiled("Möte hölls"),
                                "risks": spoiled("Lokalen saknas")})
    assert not saved.is_error, saved.plain_text()
    assert not say(dispatcher, f"ta-bort 1 {spoiled('fel aktivitet')}").is_error
    first, second = stored_updates(synced_engine)
    assert first.summary == "Test nio" and first.withdrawn_reason == "fel aktivitet"
    assert (second.summary, second.risks) == ("Möte hölls", "Lokalen saknas")


@pytest.fixture
def stored_before_the_fix(dispatcher: Dispatcher, clock: FixedClock,
                          synced_engine: Engine) -> None:
    """An update and a decision whose texts came in before they were cleaned on entry."""

    report(dispatcher, clock, datetime(2026, 8, 20, 8, tzinfo=UTC), LINNEA, "VIP-1",
           "delayed", "Ren text")
    clock.now = datetime(2026, 6, 9, 12, tzinfo=UTC)
    assert not say(dispatcher, "beslut --grupp arbetsgrupp Ett beslut", JOHAN).is_error
    clock.now = NOW
    with Session(synced_engine) as session:
        update = session.get(mu.Update, 1)
        decision = session.get(mu.Decision, 1)
        assert update is not None and decision is not None
        # PostgreSQL's text cannot hold NUL at all: the others it stores as they came.
        update.summary = spoiled("Test nio", tuple(c for c in UNSAFE if c != "\x00"))
        update.risks = "Risk\uffff"
        decision.text = "Beslut\ufffe\x01"
        session.commit()


@pytest.mark.usefixtures("stored_before_the_fix")
@pytest.mark.parametrize("words", [
    "export status docx", "export status xlsx", "export status csv", "export status md",
    "export sammanfattning docx arbetsgrupp", "export sammanfattning xlsx arbetsgrupp",
    "export sammanfattning csv arbetsgrupp", "export uppdateringar xlsx",
    "export uppdateringar csv",
])
def test_every_file_opens_whatever_was_stored_before(
    dispatcher: Dispatcher, stores: StoreFactory, words: str
) -> None:
    file = export_file(dispatcher, stores, words)
    if file.filename.endswith(".docx"):
        text = "\n".join(c.text for t in open_docx(io.BytesIO(file.content)).tables
                         for r in t.rows for c in r.cells)
    elif file.filename.endswith(".xlsx"):
        book = load_workbook(io.BytesIO(file.content))
        text = "\n".join(str(v) for s in book for r in s.iter_rows(values_only=True)
                         for v in r if v is not None)
    else:
        text = file.content.decode("utf-8-sig")
    assert not any(ch in text for ch in UNSAFE)
    if "status" not in words:
        assert "Test nio" in text


@pytest.mark.usefixtures("stored_before_the_fix")
def test_the_register_extract_opens_whatever_was_stored_before(
    dispatcher: Dispatcher, stores: StoreFactory
) -> None:
    files = extract_files(dispatcher, stores)
    document = open_docx(io.BytesIO(files["docx"].content))
    text = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "Test nio" in text and not any(ch in text for ch in UNSAFE)
    assert "Test nio" in files["md"].content.decode()


def test_a_configuration_with_such_characters_is_refused_by_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, cli_env: None
) -> None:
    source = EXAMPLE.read_text("utf-8").replace(
        'title = "Främja arbetssätt för samordnad händelseanalys vid suicid"',
        'title = "Främja arbetssätt för samordnad händelseanalys\\uFFFF vid suicid"')
    assert "\\uFFFF" in source
    spoilt = tmp_path / "spoilt.toml"
    spoilt.write_text(source, "utf-8")
    line = next(n for n, text in enumerate(source.splitlines(), 1) if "\\uFFFF" in text)
    code = main(["config", "check", str(spoilt)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{spoilt}:{line}: plan.activities" in err and "U+FFFF" in err


def test_text_typed_like_a_formula_or_an_address_stays_text_in_excel_and_word(
    dispatcher: Dispatcher, stores: StoreFactory, clock: FixedClock
) -> None:
    for number, typed in enumerate(FORMULAS):
        report(dispatcher, clock, datetime(2026, 8, 20 + number, 8, tzinfo=UTC), LINNEA,
               "VIP-1", "on_track", typed, next_steps=ADDRESS, risks=typed)
    clock.now = NOW
    for words in ("export uppdateringar xlsx", "export sammanfattning xlsx arbetsgrupp"):
        book = load_workbook(io.BytesIO(export_file(dispatcher, stores, words).content))
        cells = [c for s in book for r in s.iter_rows() for c in r if c.value is not None]
        for typed in FORMULAS:
            found = [c for c in cells if c.value == typed]
            assert found and all(c.data_type == "s" for c in found), (words, typed)
        assert not any(c.hyperlink for c in cells)
        assert not any(str(c.value).startswith("=") and c.data_type == "f" for c in cells)
    for words in ("export sammanfattning docx arbetsgrupp",):
        file = export_file(dispatcher, stores, words)
        document = open_docx(io.BytesIO(file.content))
        text = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
        assert all(typed in text for typed in FORMULAS) and ADDRESS in text
        assert not [r for r in document.part.rels.values() if r.reltype.endswith("/hyperlink")]
        body = document.element.body
        assert not body.findall(f".//{W}hyperlink") and not body.findall(f".//{W}fldSimple")
        assert not [i for i in body.iter(f"{W}instrText") if "HYPERLINK" in (i.text or "")]
