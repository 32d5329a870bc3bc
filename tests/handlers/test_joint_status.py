"""A joint activity's status is the worst of its organisations': no report hides a delay.

Through the real `Dispatcher`, storage and renderers. The clock: Tuesday 1 September 2026 in
Stockholm; SP-3 is owned by all five organisations and followed up by Arbetsgruppen, which
meets on 8 September. Fyrbodal (Linnéa) reports SP-3 delayed; an hour later GR (Amir)
reports it on track. The chefsgrupp (Mattias) asks for the plan's status.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from docx import Document as open_docx
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from app.dispatch import Dispatcher
from app.i18n import translator
from app.messages import Table
from domain.config import Config
from handlers.commands import COMMANDS
from reports.docx import FILLS
from storage.db import create_db_engine, upgrade
from storage.repositories import StoreFactory
from storage.sync import sync_config
from tests.conftest import FixedClock
from tests.handlers.support import (
    AMIR,
    EMMA,
    HENRIK,
    LINNEA,
    MATTIAS,
    export_file,
    report,
    say,
)

SV = translator("sv")
DELAYED_AT = datetime(2026, 8, 31, 8, 0, tzinfo=UTC)
ON_TRACK_AT = datetime(2026, 8, 31, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 9, 1, 7, 0, tzinfo=UTC)
BREAKDOWN = ("Fyrbodal 🔴 Försenad · GR 🟢 Pågår enligt plan · "
             "VGR, Sjuhärad, Skaraborg: ingen rapport")


@pytest.fixture
def delay_then_on_track(dispatcher: Dispatcher, clock: FixedClock) -> None:
    report(dispatcher, clock, DELAYED_AT, LINNEA, "SP-3", "delayed", "Underlaget saknas")
    report(dispatcher, clock, ON_TRACK_AT, AMIR, "SP-3", "on_track", "Möte med polisen hölls")
    clock.now = NOW


def sp3_line(text: str) -> str:
    return next(line for line in text.splitlines() if "SP-3 " in line)


@pytest.mark.usefixtures("delay_then_on_track")
def test_one_owners_delay_shows_in_the_joint_activitys_status(
    dispatcher: Dispatcher
) -> None:
    reply = say(dispatcher, "status", MATTIAS)
    assert not reply.is_error
    line = sp3_line(reply.plain_text())
    assert line.startswith("🔴 SP-3 ")
    assert BREAKDOWN in line
    assert f"· {SV('updates.status.delayed')} ·" in line
    counts = next(b for b in reply.blocks if isinstance(b, Table) and b.columns[0] == "Målområde")
    suicide = next(row for row in counts.rows if row[0].startswith("SP "))
    assert suicide[counts.columns.index(SV("updates.status.delayed"))] == "🔴 1"
    assert SV("updates.status.on_track") not in counts.columns


@pytest.mark.usefixtures("delay_then_on_track")
def test_the_joint_status_is_the_same_in_every_file(
    dispatcher: Dispatcher, stores: StoreFactory
) -> None:
    # Word: the status cell is red and says so; the breakdown is beside it.
    docx = open_docx(io.BytesIO(export_file(dispatcher, stores, "export status docx",
                                            MATTIAS).content))
    row = next(r for r in docx.tables[1].rows if r.cells[0].text.startswith("SP-3 "))
    assert row.cells[1].text == BREAKDOWN and row.cells[2].text == "Försenad"
    shading = row.cells[2]._tc.tcPr.find(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}shd")
    assert shading.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}fill") == FILLS["red"]
    # Markdown and the chart's words.
    markdown = export_file(dispatcher, stores, "export status md", MATTIAS).content.decode()
    assert "🔴 Försenad" in sp3_line(markdown) and "Pågår enligt plan" in sp3_line(markdown)
    assert "Suicidprevention: Försenad 1" in markdown
    # JSON: the chart's series count SP-3 as delayed.
    document = json.loads(export_file(dispatcher, stores, "export status json",
                                      MATTIAS).content)
    [chart] = [b for b in document["blocks"] if b["type"] == "chart"]
    delayed = next(s for s in chart["series"] if s["label"] == "Försenad")
    assert delayed["values"][chart["categories"].index("SP")] == 1
    # Excel: the activity's row, and a sheet with a row per activity and organisation.
    book = load_workbook(io.BytesIO(export_file(dispatcher, stores, "export status xlsx",
                                                MATTIAS).content))
    everything = book["Alla"]
    header = [c.value for c in everything[1]]
    sp3 = next(r for r in everything.iter_rows(min_row=2, values_only=True) if r[1] == "SP-3")
    assert sp3[header.index("Status")] == "Försenad"
    assert sp3[header.index("Läge per organisation")] == BREAKDOWN
    sheet = book["Per organisation"]
    columns = [c.value for c in sheet[1]]
    rows = [dict(zip(columns, r, strict=True))
            for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] == "SP-3"]
    assert [(r["Organisation"], r["Ansvarig"], r["Status"]) for r in rows] == [
        ("VGR", "ja", "Ingen rapport"), ("Fyrbodal", "ja", "Försenad"),
        ("Sjuhärad", "ja", "Ingen rapport"), ("GR", "ja", "Pågår enligt plan"),
        ("Skaraborg", "ja", "Ingen rapport"),
    ]
    assert next(r for r in rows if r["Organisation"] == "GR")["Senaste rapport"].date() == (
        ON_TRACK_AT.date())
    # CSV: the same two parts, each under its title.
    table = export_file(dispatcher, stores, "export status csv", MATTIAS).content.decode(
        "utf-8-sig")
    parsed = list(csv.reader(io.StringIO(table, newline=""), delimiter=";"))
    assert parsed[0] == [SV("reports.status.title_plain")]
    assert [SV("reports.sheet.by_organisation")] in parsed
    assert any(len(r) > 5 and (r[1], r[3], r[4], r[5]) == ("SP-3", "Fyrbodal", "ja",
                                                           "Försenad") for r in parsed)


@pytest.mark.usefixtures("delay_then_on_track")
def test_an_organisations_later_report_replaces_only_its_own_status(
    dispatcher: Dispatcher, clock: FixedClock
) -> None:
    # Henrik, also Fyrbodal, reports SP-3 on track: Fyrbodal's delay is over.
    report(dispatcher, clock, NOW, HENRIK, "SP-3", "on_track", "Underlaget kom")
    line = sp3_line(say(dispatcher, "status", MATTIAS).plain_text())
    assert line.startswith("🟢 SP-3 ")
    assert "Fyrbodal, GR 🟢 Pågår enligt plan · VGR, Sjuhärad, Skaraborg: ingen rapport" in line
    # Sjuhärad then reports it at risk: that is now the activity's status.
    report(dispatcher, clock, NOW, EMMA, "SP-3", "at_risk", "Lokalen saknas")
    line = sp3_line(say(dispatcher, "status", MATTIAS).plain_text())
    assert line.startswith("🟡 SP-3 ") and "Sjuhärad 🟡 Risk för försening" in line


@pytest.mark.usefixtures("delay_then_on_track")
def test_the_summary_shows_each_organisations_status(dispatcher: Dispatcher) -> None:
    text = say(dispatcher, "sammanfattning arbetsgrupp").plain_text()
    assert SV("reports.summary.status_line", status="Försenad",
              change=SV("reports.change.new")) in text
    assert SV("reports.summary.by_organisation", breakdown=BREAKDOWN) in text


def test_an_owner_that_never_reported_is_named_as_such(
    dispatcher: Dispatcher, clock: FixedClock
) -> None:
    report(dispatcher, clock, ON_TRACK_AT, AMIR, "SP-2", "on_track", "Nätverket träffades")
    clock.now = NOW
    line = next(row for row in say(dispatcher, "status", MATTIAS).plain_text().splitlines()
                if "SP-2 " in row)
    # SP-2 is the four federations': three of them have said nothing.
    assert "GR 🟢 Pågår enligt plan · Fyrbodal, Sjuhärad, Skaraborg: ingen rapport" in line


@pytest.fixture
def vgr_and_gr_own_sp3(tmp_path_factory: pytest.TempPathFactory, example_config: Config,
                       clock: FixedClock) -> Dispatcher:
    """The example, with SP-3 owned by VGR and GR only (still Arbetsgruppen's to follow)."""

    plan = example_config.plan.model_copy(update={"activities": tuple(
        a.model_copy(update={"owners": ("vgr", "gr")}) if a.code == "SP-3" else a
        for a in example_config.plan.activities)})
    engine = create_db_engine(f"sqlite:///{tmp_path_factory.mktemp('owners') / 'db.sqlite'}")
    upgrade(engine)
    with Session(engine) as session:
        sync_config(session, example_config.model_copy(update={"plan": plan}))
        session.commit()
    return Dispatcher(StoreFactory(engine, clock), clock, COMMANDS)


def test_a_report_from_an_organisation_that_is_not_an_owner_counts_and_is_marked(
    vgr_and_gr_own_sp3: Dispatcher, clock: FixedClock
) -> None:
    dispatcher = vgr_and_gr_own_sp3
    # Linnéa (Fyrbodal) is in Arbetsgruppen, which follows SP-3 up: she may report on it.
    report(dispatcher, clock, DELAYED_AT, LINNEA, "SP-3", "delayed", "Underlaget saknas")
    report(dispatcher, clock, ON_TRACK_AT, AMIR, "SP-3", "on_track", "Möte hölls")
    clock.now = NOW
    line = sp3_line(say(dispatcher, "status", MATTIAS).plain_text())
    assert line.startswith("🔴 SP-3 ")
    assert ("Fyrbodal (inte ansvarig) 🔴 Försenad · GR 🟢 Pågår enligt plan · "
            "VGR: ingen rapport") in line
