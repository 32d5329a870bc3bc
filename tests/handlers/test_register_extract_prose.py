"""The register extract reads as prose in the person's language: no stored codes (`on_track`,
`member`, `stand_in`, `you`), times in Swedish local time to the minute, no microseconds.

Through the real `Dispatcher` (`mina-data`) and the links it answers with, opened as the web
route opens them; the Markdown and the Word file are both read.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from docx import Document as open_docx

from app.dispatch import Dispatcher
from storage.repositories import StoreFactory
from tests.conftest import FixedClock
from tests.handlers.support import LINNEA, SOFIA, extract_files, report

NOW = datetime(2026, 9, 1, 7, 0, tzinfo=UTC)

CODES = ("on_track", "delayed", "member", "stand_in", "representative", "you",
         "another person", "gdpr.extract.link", "config", "slack", "teams")
MICROSECONDS = re.compile(r"\d{2}:\d{2}:\d{2}\.\d+")
UTC_OFFSET = re.compile(r"\+00:00|T\d{2}:\d{2}")


def test_the_register_extract_reads_as_swedish_prose(
    dispatcher: Dispatcher, stores: StoreFactory, clock: FixedClock
) -> None:
    report(dispatcher, clock, datetime(2026, 8, 24, 8, 5, 7, 123456, tzinfo=UTC), LINNEA,
           "VIP-1", "delayed", "Tredje delregionen väntar")
    clock.now = NOW
    files = extract_files(dispatcher, stores)
    markdown = files["md"].content.decode()
    document = open_docx(io.BytesIO(files["docx"].content))
    word = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    for text in (markdown.replace("\\_", "_"), word):
        for code in CODES:
            assert not re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text), code
        assert not MICROSECONDS.search(text) and not UTC_OFFSET.search(text)
        # 08:05 UTC on 24 August is 10:05 in Stockholm (summer time).
        assert "2026-08-24 kl. 10:05" in text
        for words in ("Försenad", "deltagare", "ersättare", "kontaktperson", "du",
                      "svenska", "konfigurationen"):
            assert re.search(rf"(?<!\w){words}(?!\w)", text), words
    assert files["md"].filename == "registerutdrag-linnea-ek-2026-09-01.md"


def test_the_register_extract_in_english(dispatcher: Dispatcher, stores: StoreFactory,
                                         clock: FixedClock) -> None:
    report(dispatcher, clock, datetime(2026, 8, 24, 8, 5, tzinfo=UTC), SOFIA, "VIP-1",
           "on_track", "Two subregions ready")
    clock.now = NOW
    markdown = extract_files(dispatcher, stores, SOFIA)["md"].content.decode()
    assert "On track" in markdown and "2026-08-24 at 10:05" in markdown
    assert "member" in markdown and "on\\_track" not in markdown
