"""The annual follow-up's numbers add up: computed again from the stored rows by a second
route (plain SQL, every row into the test), and compared with what the follow-up, its Excel
file and the one-page status say.

People of the example configuration report on VIP-1 (an indicator in `antal`, which adds up
over organisations) and SP-1 (`procent`, which does not) across the turn of 2025/2026, with
corrections and a withdrawal; the follow-up of 2026 is asked for on 1 December 2026.
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, text

from app.dispatch import Dispatcher
from app.followup import follow_up_input, year_bounds
from app.i18n import translator
from domain.followup import adds_up
from storage.repositories import StoreFactory
from tests.conftest import FixedClock
from tests.handlers.support import AMIR, EMMA, JOHAN, LINNEA, export_file, report, say

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
VIP = "indicator:VIP-1:vip-inforandeplan"
SP = "indicator:SP-1:efterlevandestod-kommuner"


@pytest.fixture
def year_of_updates(dispatcher: Dispatcher, clock: FixedClock) -> None:
    """Updates before and during 2026 from four organisations; one withdrawn, one changed."""

    def at(day: str) -> datetime:
        return datetime.fromisoformat(day).replace(tzinfo=UTC)

    report(dispatcher, clock, at("2025-11-03T09:00"), LINNEA, "VIP-1", "starting", "Start",
           **{VIP: "1"})
    report(dispatcher, clock, at("2025-12-31T23:30"), AMIR, "VIP-1", "delayed",
           "Sent på året (svensk tid: 2026)", **{VIP: "2"})
    report(dispatcher, clock, at("2026-03-02T09:00"), LINNEA, "VIP-1", "on_track", "Plan klar",
           **{VIP: "2"})
    report(dispatcher, clock, at("2026-04-10T09:00"), EMMA, "VIP-1", "at_risk", "Resurser",
           **{VIP: "1"})
    report(dispatcher, clock, at("2026-05-10T09:00"), JOHAN, "VIP-1", "on_track", "VGR:s plan",
           **{VIP: "1"})
    report(dispatcher, clock, at("2026-06-01T09:00"), LINNEA, "VIP-1", "on_track",
           "Utan värde")
    report(dispatcher, clock, at("2026-02-01T09:00"), AMIR, "SP-1", "starting", "Kartläggning",
           **{SP: "35"})
    report(dispatcher, clock, at("2026-09-01T09:00"), EMMA, "SP-1", "on_track", "Arbetssätt",
           **{SP: "50"})
    report(dispatcher, clock, at("2026-10-01T09:00"), EMMA, "SP-1", "on_track", "Fel siffra",
           **{SP: "99"})
    clock.now = at("2026-10-01T10:00")
    mine = say(dispatcher, "mina", EMMA).plain_text()
    number = max(int(n) for n in __import__("re").findall(r"#(\d+)", mine))
    assert not say(dispatcher, f"ta-bort {number} fel siffra", EMMA).is_error
    clock.now = at("2026-03-10T09:00")
    assert not say(dispatcher, "milstolpe klar indikatorforslag-2026", AMIR).is_error
    clock.now = NOW


def second_route(engine: Engine, start: datetime, end: datetime) -> dict[str, Any]:
    """The follow-up's figures from plain SQL: every live update into the test, then the
    rules written out by hand (latest by created_at, then id)."""

    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT activity_code, organisation_id, created_at, id, status, indicator_values"
            " FROM updates WHERE withdrawn = :no ORDER BY created_at, id"), {"no": False}).all()
        units = dict(connection.execute(text(
            "SELECT activity_code || '/' || id, unit FROM indicators")).all())
    naive_start, naive_end = (m.astimezone(UTC).replace(tzinfo=None) for m in (start, end))
    status_start: dict[tuple[str, str], str] = {}
    status_end: dict[tuple[str, str], str] = {}
    counts: dict[tuple[str, str], int] = defaultdict(int)
    value_start: dict[tuple[str, str, str], float] = {}
    value_end: dict[tuple[str, str, str], float] = {}
    for code, org, created, _id, status, values in rows:
        created = created if isinstance(created, datetime) else datetime.fromisoformat(created)
        created = created.replace(tzinfo=None)
        values = values if isinstance(values, dict) else __import__("json").loads(values or "{}")
        if created < naive_start:
            status_start[(code, org)] = status
            for key, value in values.items():
                value_start[(code, key, org)] = float(value)
        if created <= naive_end:
            status_end[(code, org)] = status
            for key, value in values.items():
                value_end[(code, key, org)] = float(value)
        if naive_start <= created <= naive_end:
            counts[(code, org)] += 1
    totals = {
        key: sum(v for (c, i, _), v in value_end.items() if (c, i) == key)
        for key in {(c, i) for c, i, _ in value_end} if adds_up(units[f"{key[0]}/{key[1]}"])
    }
    return {"start": status_start, "end": status_end, "counts": dict(counts),
            "value_start": value_start, "value_end": value_end, "totals": totals}


@pytest.mark.usefixtures("year_of_updates")
def test_the_follow_up_figures_are_those_of_the_stored_rows(
    synced_engine: Engine, stores: StoreFactory
) -> None:
    start, end = year_bounds(2026, NOW)
    expected = second_route(synced_engine, start, end)
    with stores() as store:
        data = follow_up_input(store, 2026, NOW)
    figures = data.figures
    got_start = {(y.activity_code, y.organisation_id): y.status_start
                 for y in figures.organisations if y.status_start is not None}
    got_end = {(y.activity_code, y.organisation_id): y.status_end
               for y in figures.organisations}
    got_counts = {(y.activity_code, y.organisation_id): y.updates
                  for y in figures.organisations if y.updates}
    assert got_start == expected["start"]
    assert got_end == expected["end"]
    assert got_counts == expected["counts"]
    got_values_start = {(v.activity_code, v.indicator_id, v.organisation_id): v.start
                        for v in figures.indicators if v.start is not None}
    got_values_end = {(v.activity_code, v.indicator_id, v.organisation_id): v.end
                      for v in figures.indicators if v.end is not None}
    assert got_values_start == expected["value_start"]
    assert got_values_end == expected["value_end"]
    # What the rows hold, spelled out: the 31 December 23:30 UTC report is 2026's in Sweden;
    # the withdrawn 99 % never counts; an update without a value does not hide the value
    # before it.
    assert expected["start"] == {("VIP-1", "fyrbodal"): "starting"}
    assert expected["value_end"][("VIP-1", "vip-inforandeplan", "fyrbodal")] == 2
    assert expected["value_end"][("SP-1", "efterlevandestod-kommuner", "sjuharad")] == 50
    assert expected["totals"] == {("VIP-1", "vip-inforandeplan"): 6}
    done = {m.id: m for m in figures.milestones}["indikatorforslag-2026"]
    assert done.done_by == AMIR and done.done_at == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.mark.usefixtures("year_of_updates")
def test_the_excel_file_carries_the_same_numbers(
    synced_engine: Engine, dispatcher: Dispatcher, stores: StoreFactory
) -> None:
    start, end = year_bounds(2026, NOW)
    expected = second_route(synced_engine, start, end)
    file = export_file(dispatcher, stores, "export uppföljning xlsx 2026", LINNEA)
    assert file.filename == "uppfoljning-handlingsplan-2026-12-31.xlsx"
    book = load_workbook(io.BytesIO(file.content))
    assert book.sheetnames == ["Aktiviteter", "Per organisation", "Indikatorer", "Milstolpar",
                               "Budget", "Beslut"]
    sheet = book["Indikatorer"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True))
            for row in sheet.iter_rows(min_row=2)]
    sv = translator("sv")
    total = next(r for r in rows if r["Organisation"] == sv("reports.col.total")
                 and r["Kod"] == "VIP-1")
    assert total["Senaste"] == expected["totals"][("VIP-1", "vip-inforandeplan")]
    # A share (procent) has no total; each organisation's own latest value instead.
    assert not any(r["Organisation"] == sv("reports.col.total") and r["Kod"] == "SP-1"
                   for r in rows)
    per_org = {(r["Kod"], r["Organisation"]): r["Senaste"] for r in rows}
    assert per_org[("SP-1", "Sjuhärad")] == 50 and per_org[("SP-1", "GR")] == 35
    activities = {r[1].value: r[6].value for r in book["Aktiviteter"].iter_rows(min_row=2)}
    assert activities["VIP-1"] == sum(n for (code, _), n in expected["counts"].items()
                                      if code == "VIP-1")
    budget = [r[5].value for r in book["Budget"].iter_rows(min_row=2)]
    assert sum(budget) == 20_800


@pytest.mark.usefixtures("year_of_updates")
def test_the_status_shows_each_organisations_value_and_the_total(
    dispatcher: Dispatcher
) -> None:
    page = say(dispatcher, "status", LINNEA).plain_text()
    assert "6 av 4 (antal) (Fyrbodal 2, GR 2, Sjuhärad 1, VGR 1)" in page
    # procent: the latest reported, each organisation's value beside it; no total.
    assert "50 av 60 (procent) (GR 35, Sjuhärad 50)" in page
    assert "Milstolpar –" in page and "Budget (tkr) –" in page


@pytest.mark.usefixtures("year_of_updates")
def test_the_word_file_has_a_heading_per_part_and_a_chart_per_goal_area(
    dispatcher: Dispatcher, stores: StoreFactory
) -> None:
    from docx import Document as open_docx

    file = export_file(dispatcher, stores, "export uppföljning docx 2026", LINNEA)
    doc = open_docx(io.BytesIO(file.content))
    level_one = [p.text for p in doc.paragraphs if p.style is not None
                 and p.style.name == "Heading 1"]
    assert level_one == ["Sammanfattning", "GS Genomförande av strategin", "SP Suicidprevention",
                         "KB Komplexa behov / samsjuklighet", "Milstolpar", "Budget",
                         "Beslut under året"]
    assert len(doc.inline_shapes) == 3  # a chart per goal area
    assert date(2026, 12, 1).isoformat() in " ".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells)


@pytest.mark.usefixtures("year_of_updates")
def test_the_status_workbook_has_budget_indicator_and_milestone_sheets(
    synced_engine: Engine, dispatcher: Dispatcher, stores: StoreFactory
) -> None:
    start, end = year_bounds(2026, NOW)
    expected = second_route(synced_engine, start, end)
    file = export_file(dispatcher, stores, "export status xlsx", LINNEA)
    book = load_workbook(io.BytesIO(file.content))
    assert {"Budget", "Indikatorer", "Milstolpar"} <= set(book.sheetnames)
    budget = book["Budget"]
    header = [c.value for c in budget[1]]
    rows = [dict(zip(header, (c.value for c in r), strict=True))
            for r in budget.iter_rows(min_row=2)]
    assert sum(r["Budget (tkr)"] for r in rows) == 20_800
    # KB-3's line funds an activity nobody has reported on; GS-2's likewise.
    assert {r["Id"]: r["Status för det som finansieras"] for r in rows}["ssn-samsjuklighet"] == (
        "Ingen rapport")
    sheet = book["Indikatorer"]
    header = [c.value for c in sheet[1]]
    values = {(r["Kod"], r["Organisation"]): r["Senaste"] for r in (
        dict(zip(header, (c.value for c in row), strict=True))
        for row in sheet.iter_rows(min_row=2))}
    assert values[("VIP-1", "Totalt")] == expected["totals"][("VIP-1", "vip-inforandeplan")]
    assert values[("VIP-1", "Fyrbodal")] == 2 and ("SP-1", "Totalt") not in values
    milestones = [r[0].value for r in book["Milstolpar"].iter_rows(min_row=2)]
    assert milestones[0] == "indikatorforslag-2026" and len(milestones) == 5
