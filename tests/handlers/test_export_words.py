"""`export` understands its words in any order, and every refusal names its real reason.

Through the real `Dispatcher`; the links it answers with are opened as the web route opens
them. Linnéa is in Arbetsgruppen and KF-gruppen; Mattias only in the chefsgrupp.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.dispatch import Dispatcher
from app.i18n import translator
from storage import models as m
from storage.repositories import StoreFactory
from tests.handlers.support import LINNEA, MATTIAS, SOFIA, export_file, say

SV = translator("sv")
EN = translator("en")
ALL_STATUS_FORMATS = "docx, xlsx, csv, md, png, json"


def last_audit(engine: Engine) -> tuple[str | None, str, str, str]:
    with Session(engine) as session:
        entry = session.scalars(select(m.AuditLog).order_by(m.AuditLog.id.desc())).first()
        assert entry is not None
        return entry.actor_id, entry.action, entry.outcome, entry.detail


@pytest.mark.parametrize("words", [
    "export sammanfattning docx --grupp arbetsgrupp",
    "export docx sammanfattning arbetsgrupp",
    "export --grupp arbetsgrupp docx sammanfattning",
    "export arbetsgrupp word summary",
])
def test_an_export_understands_its_words_in_any_order(
    dispatcher: Dispatcher, stores: StoreFactory, words: str
) -> None:
    file = export_file(dispatcher, stores, words)
    assert file.filename == "sammanfattning-arbetsgruppen-2026-09-08.docx"
    assert file.content.startswith(b"PK")


def test_the_rows_of_one_group_in_any_order(dispatcher: Dispatcher,
                                            stores: StoreFactory) -> None:
    for words in ("export uppdateringar csv kf-arbetsgrupp", "export csv kf-arbetsgrupp "
                  "uppdateringar", "export --grupp kf-arbetsgrupp uppdateringar csv"):
        file = export_file(dispatcher, stores, words)
        assert file.filename == "lagesrapporter-kf-gruppen-2026-09-01.csv", words


@pytest.mark.parametrize(("words", "shown", "formats"), [
    ("export status pdf", "pdf", ALL_STATUS_FORMATS),
    ("export pdf", "pdf", ALL_STATUS_FORMATS),
    ("export status .PDF SP", "pdf", ALL_STATUS_FORMATS),
    ("export sammanfattning xls", "xls", "docx, md, xlsx, csv, json, png"),
    ("export uppdateringar pptx arbetsgrupp", "pptx", "xlsx, csv, json"),
])
def test_a_format_the_bot_does_not_make_is_named_as_such(
    dispatcher: Dispatcher, words: str, shown: str, formats: str
) -> None:
    reply = say(dispatcher, words)
    assert reply.is_error
    assert reply.plain_text().strip() == SV("reports.error.unknown_format", format=shown,
                                             formats=formats)


def test_a_format_the_bot_does_not_make_in_english(dispatcher: Dispatcher) -> None:
    reply = say(dispatcher, "export status pdf", SOFIA)
    assert reply.plain_text().strip() == (
        "“pdf” is not a format I can make; choose docx, xlsx, csv, md, png, json.")


def test_a_format_one_report_has_not_is_named_with_that_reports_formats(
    dispatcher: Dispatcher
) -> None:
    reply = say(dispatcher, "export uppdateringar docx")
    assert reply.plain_text().strip() == SV(
        "reports.error.format", kind=SV("reports.kind.updates"), format="docx",
        formats="xlsx, csv, json")


def test_a_chefsgrupp_member_refused_a_summary_is_told_why(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    for words, action in (("export sammanfattning docx arbetsgrupp", "reports.export"),
                          ("sammanfattning arbetsgrupp", "reports.summary")):
        reply = say(dispatcher, words, MATTIAS)
        assert reply.is_error
        assert reply.plain_text().strip() == SV("reports.error.summary_not_member",
                                                 group="Arbetsgruppen")
        assert "anteckna" not in reply.plain_text()
        assert last_audit(synced_engine) == (
            MATTIAS, action, "denied", "reports.error.summary_not_member arbetsgrupp")
    # What the refusal offers works for him.
    assert not say(dispatcher, "export status docx", MATTIAS).is_error


def test_the_advice_to_add_a_group_works_as_written(
    dispatcher: Dispatcher, stores: StoreFactory
) -> None:
    asked = say(dispatcher, "export sammanfattning docx", LINNEA)
    assert asked.is_error and "--grupp" in asked.plain_text()
    file = export_file(dispatcher, stores, "export sammanfattning docx --grupp kf-arbetsgrupp")
    assert file.filename.startswith("sammanfattning-kf-gruppen-")
    assert not say(dispatcher, "sammanfattning --grupp kf-arbetsgrupp").is_error


def test_words_an_export_cannot_place_are_answered_with_its_usage(
    dispatcher: Dispatcher
) -> None:
    reply = say(dispatcher, "export sammanfattning arbetsgrupp något mer")
    assert reply.plain_text().strip() == SV("reports.error.export_usage")
    area = say(dispatcher, "export status docx helt okänt")
    assert area.is_error and "helt okänt" in area.plain_text()
