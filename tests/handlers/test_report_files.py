"""The report files as people open them: the whole summary in Excel and CSV, and one pattern
of file names for every kind and format.

Through the real `Dispatcher`, the links it answers with, the renderers, and `samverkan
report` (in-process, `bot.cli.main`). The clock: Tuesday 1 September 2026, 09:00 in
Stockholm; Arbetsgruppen met on 9 June and meets next on 8 September (convener Skaraborg).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.dispatch import Dispatcher
from app.i18n import translator
from app.reports import FORMATS
from bot.cli import main
from domain.calendar import STOCKHOLM
from storage.repositories import StoreFactory
from tests.conftest import EXAMPLE, FixedClock
from tests.handlers.support import (
    AMIR,
    HENRIK,
    JOHAN,
    SOFIA,
    export_file,
    report,
    say,
)

SV = translator("sv")
EN = translator("en")
NOW = datetime(2026, 9, 1, 7, 0, tzinfo=UTC)
PARTS = ("overview", "updates", "activities", "decisions", "open_steps", "missing", "agenda",
         "attendance")
KIND_WORDS = {"status": "status", "summary": "sammanfattning", "updates": "uppdateringar",
              "minutes": "anteckningar", "followup": "uppföljning"}
FILE_NAME = re.compile(r"(status|sammanfattning|lagesrapporter|anteckningar|uppfoljning)"
                       r"-[a-z0-9-]+-\d{4}-\d{2}-\d{2}"
                       r"\.(docx|xlsx|csv|md|png|json)")


@pytest.fixture
def meeting_cycle(dispatcher: Dispatcher, clock: FixedClock) -> None:
    """The June meeting's decision and next step, and the summer's updates."""

    clock.now = datetime(2026, 6, 9, 12, tzinfo=UTC)
    assert not say(dispatcher, "beslut --grupp arbetsgrupp Arbetsgruppen tar fram "
                               "indikatorer", JOHAN).is_error
    assert not say(dispatcher, "nästa-steg Sammanställa enkätsvaren ansvarig GR senast 15/10 "
                               "--grupp arbetsgrupp", JOHAN).is_error
    report(dispatcher, clock, datetime(2026, 6, 20, 8, tzinfo=UTC), AMIR, "VIP-1", "delayed",
           "Tredje delregionen väntar på beslut", risks="Beslutet kan dröja")
    report(dispatcher, clock, datetime(2026, 8, 24, 8, tzinfo=UTC), HENRIK, "SP-1",
           "starting", "Samordnare rekryterad")
    clock.now = NOW


@pytest.mark.usefixtures("meeting_cycle")
def test_the_summary_as_excel_carries_the_whole_summary(
    dispatcher: Dispatcher, stores: StoreFactory
) -> None:
    file = export_file(dispatcher, stores, "export sammanfattning xlsx arbetsgrupp")
    assert file.filename == "sammanfattning-arbetsgruppen-2026-09-08.xlsx"
    book = load_workbook(io.BytesIO(file.content))
    assert book.sheetnames == [SV(f"reports.part.{part}") for part in PARTS]

    def rows(part: str) -> list[tuple[object, ...]]:
        return list(book[SV(f"reports.part.{part}")].iter_rows(min_row=2, values_only=True))

    assert (SV("reports.summary.convener"), "Skaraborg (Malin Hedlund)") in rows("overview")
    header = [c.value for c in book[SV("reports.part.updates")][1]]
    updates = [dict(zip(header, row, strict=True)) for row in rows("updates")]
    assert [u[SV("reports.col.code")] for u in updates] == ["VIP-1", "SP-1"]
    assert updates[0][SV("updates.field.risks")] == "Beslutet kan dröja"
    assert updates[0][SV("reports.col.reporter")] == "Amir Haddad"
    assert updates[0][SV("reports.col.date")] == datetime(2026, 6, 20)  # a date cell
    activities = {r[1]: r for r in rows("activities")}
    assert activities["VIP-1"][3:6] == ("Försenad", SV("reports.change.new"),
                                        "GR 🔴 Försenad · VGR, Fyrbodal, Sjuhärad, Skaraborg: "
                                        "ingen rapport")
    assert activities["SP-1"][3] == "I uppstart" and activities["GS-1"][3] == "Ingen rapport"
    assert [r[2] for r in rows("decisions")] == ["Arbetsgruppen tar fram indikatorer"]
    [step] = rows("open_steps")
    assert (step[1], step[2]) == ("Sammanställa enkätsvaren", "GR")
    missing = {r[0]: r for r in rows("missing")}
    assert "Linnéa Ek" in missing and "Amir Haddad" not in missing
    assert missing["Emma Falk"][1:] == ("Sjuhärad", SV("reports.no"))
    assert missing["Linnéa Ek"][2] == SV("reports.yes")  # Henrik reported for Fyrbodal
    agenda = rows("agenda")
    assert agenda[0] == ("1", SV("reports.agenda.upphamtning"))
    assert ("5.2", SV("reports.agenda.convener", convener="Skaraborg (Malin Hedlund)")) in agenda


@pytest.mark.usefixtures("meeting_cycle")
def test_the_summary_as_csv_has_a_section_for_each_part(
    dispatcher: Dispatcher, stores: StoreFactory
) -> None:
    file = export_file(dispatcher, stores, "export sammanfattning csv arbetsgrupp")
    table = list(csv.reader(io.StringIO(file.content.decode("utf-8-sig"), newline=""),
                            delimiter=";"))
    titles = [row[0] for index, row in enumerate(table)
              if len(row) == 1 and (index == 0 or table[index - 1] == [])]
    assert titles == [SV(f"reports.part.{part}") for part in PARTS]
    flat = "\n".join(";".join(row) for row in table)
    for expected in ("Arbetsgruppen tar fram indikatorer", "Sammanställa enkätsvaren",
                     "Samordnare rekryterad", "Emma Falk",
                     SV("reports.agenda.next_steps_who")):
        assert expected in flat


@pytest.mark.usefixtures("meeting_cycle")
def test_every_report_file_is_named_kind_group_or_plan_date(
    dispatcher: Dispatcher, stores: StoreFactory
) -> None:
    names = set()
    for kind, formats in FORMATS.items():
        for fmt in formats:
            group = " arbetsgrupp" if kind in ("summary", "minutes") else ""
            file = export_file(dispatcher, stores, f"export {KIND_WORDS[kind]} {fmt}{group}")
            assert FILE_NAME.fullmatch(file.filename), file.filename
            names.add(file.filename.rsplit(".", 1)[0])
    assert names == {"status-handlingsplan-2026-09-01", "sammanfattning-arbetsgruppen-2026-09-08",
                     "lagesrapporter-handlingsplan-2026-09-01",
                     "anteckningar-arbetsgruppen-2026-06-09",
                     "uppfoljning-handlingsplan-2026-12-31"}
    english = export_file(dispatcher, stores, "export summary docx arbetsgrupp", SOFIA)
    assert english.filename == "summary-arbetsgruppen-2026-09-08.docx"
    chart = next(a for a in say(dispatcher, "status").attachments)
    assert chart.filename == "status-handlingsplan-2026-09-01.png"


def test_samverkan_report_names_its_files_the_same_way(
    cli_database: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["config", "sync", str(EXAMPLE)]) == 0
    folder = tmp_path / "rapporter"
    folder.mkdir()
    today = datetime.now(STOCKHOLM).date().isoformat()
    for argv in (["report", "status", "--format", "xlsx"],
                 ["report", "summary", "--group", "kf-arbetsgrupp", "--format", "csv"]):
        assert main([*argv, "--output", str(folder)]) == 0
    written = sorted(p.name for p in folder.iterdir())
    assert written[1] == f"status-handlingsplan-{today}.xlsx"
    assert FILE_NAME.fullmatch(written[0]) and written[0].startswith("sammanfattning-kf-gruppen-")
