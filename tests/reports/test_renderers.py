"""Every format opened with its own library, and its content checked (`reports/`).

The documents come from the real builders over the example plan (`examples/`), with figures
given by hand. The status must fit one A4 page: counted in a PDF by LibreOffice where it is
installed, and always estimated from the page, font sizes, column widths and texts.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from docx import Document as open_docx
from docx.document import Document as DocxDocument
from docx.shared import Cm, Emu, Pt
from openpyxl import load_workbook
from PIL import Image

from app.i18n import translator
from domain.config import Config
from domain.document import Dataset, Document
from domain.joint_status import STATUS_RANK, OrganisationReport
from domain.notes import Decision, NextStep
from domain.plan import PlanActivity, PlanIndicator
from domain.report_figures import (
    ActivityFigures,
    IndicatorFigure,
    NextMeeting,
    Period,
    ReportedUpdate,
    Reporter,
    StatusFigures,
    SummaryFigures,
    UpdateRow,
    Upphamtning,
)
from domain.status_report import build_status, status_dataset
from domain.summary_report import build_summary
from domain.update_export import update_dataset
from reports import MEDIA_TYPES, render_dataset, render_document
from reports import chart as chart_module
from reports import csv as csv_module
from reports.docx import FILLS
from reports.markdown import escape
from reports.markdown import render as render_markdown
from tests.followup.support import worst_case

ROOT = Path(__file__).resolve().parents[2]
SV = translator("sv")
NOW = datetime(2026, 9, 1, 7, 0, tzinfo=UTC)
PERIOD = Period(NOW - timedelta(days=90), NOW)
STATUSES = ("on_track", "starting", "at_risk", "delayed", "done", "not_started", "paused")
DANGEROUS = ("=HYPERLINK(\"http://example.invalid\",\"klicka\")", "+1", "-1", "@SUM(A1:A2)",
             "\tflik", "\rvagn")


def plan_of(config: Config) -> list[PlanActivity]:
    areas = {a.code: (i, a.title) for i, a in enumerate(config.plan.goal_areas)}
    return [
        PlanActivity(
            a.code, a.title, a.goal_area, areas[a.goal_area][1], a.group, a.owners,
            tuple(PlanIndicator(i.id, i.name, i.unit, i.baseline, i.target)
                  for i in a.indicators),
            goal_area_position=areas[a.goal_area][0], position=n,
        )
        for n, a in enumerate(config.plan.activities)
    ]


@pytest.fixture(scope="module")
def plan(example_config: Config) -> list[PlanActivity]:
    return plan_of(example_config)


@pytest.fixture(scope="module")
def organisations(example_config: Config) -> dict[str, str]:
    return {o.id: o.short_name for o in example_config.organisations}


def _reports(n: int, activity: PlanActivity) -> tuple[OrganisationReport, ...]:
    """The worst case for the page: every owner reported. The first owner's status is the
    activity's (each status in turn); the others' no worse, in the longest words that allow
    (two or three statuses per activity); a single-owner activity also has a report from an
    organisation that is not an owner."""

    first = STATUSES[n % len(STATUSES)]
    others = ("on_track", "at_risk", "starting") if STATUS_RANK[first] < STATUS_RANK[
        "at_risk"] else ("on_track", "done") if STATUS_RANK[first] <= STATUS_RANK[
        "on_track"] else ("done",)
    owners = activity.owners if len(activity.owners) > 1 else (*activity.owners, "fyrbodal")
    return tuple(
        OrganisationReport(org, first if k == 0 else others[k % len(others)],
                           NOW - timedelta(days=7 * n + k),
                           STATUSES[(n + 2) % len(STATUSES)] if k == 0 else None)
        for k, org in enumerate(owners)
    )


@pytest.fixture(scope="module")
def status_figures(plan: list[PlanActivity]) -> StatusFigures:
    """Every activity reported, the worst case for the page: each status, every indicator."""

    activities = tuple(ActivityFigures(a.code, _reports(n, a), n % 3)
                       for n, a in enumerate(plan))
    indicators = tuple(
        IndicatorFigure(a.code, i.id, (i.target or 10) * 0.6, NOW)
        for a in plan for i in a.indicators
    )
    return StatusFigures(activities, indicators)


@pytest.fixture(scope="module")
def status_document(plan: list[PlanActivity], organisations: dict[str, str],
                    status_figures: StatusFigures, example_config: Config) -> Document:
    """With the plan's follow-up: milestones (one overdue), the budget lines, and every
    indicator reported by every owner (`tests/followup/support.py`)."""

    return build_status(SV, "sv", plan_title="", activities=plan, organisations=organisations,
                        figures=status_figures, period=PERIOD,
                        followup=worst_case(example_config, plan, NOW))


@pytest.fixture(scope="module")
def summary_document(plan: list[PlanActivity], organisations: dict[str, str]) -> Document:
    since = datetime(2026, 6, 9, 7, 0, tzinfo=UTC)
    updates = tuple(
        ReportedUpdate(n + 1, code, STATUSES[n % 4], f"Vad som hänt i {code} | med tecken *",
                       "Nästa steg", "Risk" if n == 1 else "", since + timedelta(days=n),
                       since + timedelta(days=n), 1, "linnea.ek", "Linnéa Ek", "fyrbodal")
        for n, code in enumerate(("VIP-1", "SP-1", "KB-1"))
    )
    return build_summary(
        SV, "sv", group_name="Arbetsgruppen",
        activities=[a for a in plan if a.group_id == "arbetsgrupp"],
        organisations=organisations,
        figures=SummaryFigures(updates, {"VIP-1": (OrganisationReport(
                                   "gr", "delayed", since - timedelta(days=3)),)},
                               (Reporter("emma.falk", "Emma Falk", "sjuharad"),)),
        since=since, until=NOW,
        upphamtning=Upphamtning(
            (Decision(1, "u", "arbetsgrupp", date(2026, 6, 9), "Ta fram indikatorer", "x",
                      since),),
            date(2026, 6, 9),
            (NextStep(2, "v", "arbetsgrupp", date(2026, 6, 9), "Sammanställ enkäten", "x",
                      since, "gr", date(2026, 10, 1)),),
        ),
        next_meeting=NextMeeting(datetime(2026, 9, 8, 7, 0, tzinfo=UTC), "Skaraborg (Malin)"),
    )


@pytest.fixture(scope="module")
def update_rows(plan: list[PlanActivity]) -> Dataset:
    created = datetime(2026, 8, 20, 8, 0, tzinfo=UTC)
    rows = [
        UpdateRow(n + 1, created + timedelta(days=n), created + timedelta(days=n), 1,
                  "arbetsgrupp", "Arbetsgruppen", a.goal_area_code, a.goal_area_title, a.code,
                  a.title, STATUSES[n % len(STATUSES)], text, "", "", "Linnéa Ek", "Fyrbodal",
                  {i.id: 2.5 for i in a.indicators})
        for n, (a, text) in enumerate(zip(plan, [*DANGEROUS, *(["Vanlig text"] * 20)],
                                          strict=False))
    ]
    return update_dataset(SV, "sv", rows, activities=plan, filename="uppdateringar")


# --- DOCX -----------------------------------------------------------------------------------


def docx_of(document: Document) -> DocxDocument:
    return open_docx(io.BytesIO(render_document(document, "docx")))


def headings(doc: DocxDocument) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in doc.paragraphs
            if p.style is not None and (p.style.name or "").startswith(("Heading", "Title"))]


def test_the_status_is_an_a4_page_with_the_plan_in_one_table(
    status_document: Document, plan: list[PlanActivity]
) -> None:
    doc = docx_of(status_document)
    section = doc.sections[0]
    assert section.page_width is not None and section.page_height is not None
    assert abs(section.page_width - Cm(21.0)) < Cm(0.01)
    assert abs(section.page_height - Cm(29.7)) < Cm(0.01)
    assert headings(doc)[0] == ("Title", "Handlingsplanens status")
    counts, main = doc.tables
    assert next(c.text for c in counts.rows[0].cells) == "Målområde"
    codes = [row.cells[0].text.split()[0] for row in main.rows[1:]]
    assert [c for c in codes if "-" in c] == [a.code for a in plan]
    assert "Genomförande av strategin" in codes[0] or main.rows[1].cells[0].text.startswith(
        "Genomförande")
    assert doc.core_properties.title == "Handlingsplanens status"
    assert doc.core_properties.language == "sv-SE"
    # The chart is inside, with its words as alternative text.
    assert len(doc.inline_shapes) == 1
    assert "Aktiviteter per målområde" in doc.inline_shapes[0]._inline.docPr.get("descr")


def test_status_cells_are_shaded_in_their_traffic_light(status_document: Document) -> None:
    doc = docx_of(status_document)
    main = doc.tables[1]
    fills = {}
    for row in main.rows[1:]:
        cell = row.cells[2]
        shading = cell._tc.tcPr.find(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}shd"
        ) if cell._tc.tcPr is not None else None
        if shading is not None:
            fills[cell.text] = shading.get(
                "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}fill")
    assert fills["Pågår enligt plan"] == FILLS["green"]
    assert fills["Risk för försening"] == FILLS["yellow"]
    assert fills["Försenad"] == FILLS["red"]
    assert fills["Klar"] == FILLS["blue"]


def _wrapped_lines(text: str, width_pt: float, size_pt: float) -> int:
    """Lines a text takes in a column: Calibri averages under half an em per character, so
    0.5 em is on the safe side."""

    per_line = max(1, int(width_pt / (size_pt * 0.5)))
    return sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))


def estimated_height_pt(doc: DocxDocument) -> float:
    """The height of everything on the page, from the file itself (fonts, widths, texts)."""

    body = doc.element.body
    height = 0.0
    normal = doc.styles["Normal"].font.size
    normal_pt = normal.pt if normal is not None else 11
    paragraphs = {p._p: p for p in doc.paragraphs}
    tables = {t._tbl: t for t in doc.tables}
    section = doc.sections[0]
    assert section.page_width and section.left_margin and section.right_margin
    text_width = Emu(section.page_width - section.left_margin - section.right_margin).pt
    for child in body.iterchildren():
        if child in paragraphs:
            paragraph = paragraphs[child]
            if paragraph._p.xpath(".//pic:pic"):
                height += sum(Emu(s.height).pt for s in doc.inline_shapes)
                continue
            style_size = paragraph.style.font.size if paragraph.style is not None else None
            size = max([r.font.size.pt for r in paragraph.runs if r.font.size]
                       + [style_size.pt if style_size else normal_pt])
            spacing = paragraph.paragraph_format.space_after
            height += _wrapped_lines(paragraph.text, text_width, size) * size * 1.25
            height += spacing.pt if spacing is not None else normal_pt * 0.4
        elif child in tables:
            table = tables[child]
            for row in table.rows:
                tallest = 0.0
                for cell in row.cells:
                    runs = [r for p in cell.paragraphs for r in p.runs]
                    size = max([r.font.size.pt for r in runs if r.font.size] or [normal_pt])
                    width = Emu(cell.width).pt - 6 if cell.width else text_width / 6
                    lines = _wrapped_lines(cell.text, width, size)
                    tallest = max(tallest, lines * size * 1.22 + 1)
                height += tallest
    return height


def test_the_status_fits_one_page(status_document: Document) -> None:
    doc = docx_of(status_document)
    section = doc.sections[0]
    assert section.top_margin is not None and section.bottom_margin is not None
    assert section.page_height is not None
    usable = Emu(section.page_height - section.top_margin - section.bottom_margin).pt
    # Small type for one page, but not too small to read on paper.
    sizes = {r.font.size.pt for t in doc.tables for row in t.rows for c in row.cells
             for p in c.paragraphs for r in p.runs if r.font.size}
    assert sizes and min(sizes) >= 6.5 and max(sizes) <= 8
    assert estimated_height_pt(doc) < usable


def test_the_page_estimate_does_notice_an_overflowing_page(
    plan: list[PlanActivity], organisations: dict[str, str], status_figures: StatusFigures
) -> None:
    # Three times the plan does not fit: the estimate must say so, or it proves nothing.
    bigger = [
        PlanActivity(f"{a.code}-{copy}", a.title, a.goal_area_code, a.goal_area_title,
                     a.group_id, a.owners, a.indicators, a.goal_area_position, a.position)
        for copy in range(3) for a in plan
    ]
    document = build_status(SV, "sv", plan_title="", activities=bigger,
                            organisations=organisations, figures=status_figures,
                            period=PERIOD)
    doc = docx_of(document)
    section = doc.sections[0]
    assert section.page_height and section.top_margin and section.bottom_margin
    usable = Emu(section.page_height - section.top_margin - section.bottom_margin).pt
    assert estimated_height_pt(doc) > usable


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_the_status_is_one_page_in_libreoffice(status_document: Document,
                                               tmp_path: Path) -> None:
    source = tmp_path / "status.docx"
    source.write_bytes(render_document(status_document, "docx"))
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
         str(source)], check=True, capture_output=True, timeout=180,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    pdf = (tmp_path / "status.pdf").read_bytes()
    assert _pages(pdf) == 1


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_the_summary_is_meeting_material_with_headings_and_tables(
    summary_document: Document
) -> None:
    doc = docx_of(summary_document)
    found = headings(doc)
    assert found[0][0] == "Title" and found[0][1].startswith("Inför mötet")
    level_one = [text for style, text in found if style == "Heading 1"]
    assert level_one == [
        "Upphämtning från förra gången", "Lägesrapporter per målområde", "Risker och hinder",
        "Har inte rapporterat", "Nästa möte", "Förslag till dagordning",
    ]
    assert ("Heading 3", "VIP-1 Implementera vård- och insatsprogram (VIP) och "
            "personcentrerade vårdförlopp") in found
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "Ta fram indikatorer" in cells and "Sammanställ enkäten" in cells
    assert "Vad som hänt i VIP-1 | med tecken *" in cells
    numbered = [p.text for p in doc.paragraphs if p.style is not None
                and p.style.name == "List Number"]
    assert numbered == ["Upphämtning från förra gången", "Incheckning",
                        "Lägesrapporter per målområde", "Övriga frågor", "Nästa steg"]
    section = doc.sections[0]
    assert section.page_width is not None and abs(section.page_width - Cm(21.0)) < Cm(0.01)
    styles = doc.styles["Normal"].element.xpath(".//w:lang")
    assert styles and styles[0].get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val") == "sv-SE"
    # Every table repeats its header on a new page.
    main_tables = [t for t in doc.tables if t.rows[0].cells[0].text == "Nr"]
    assert main_tables and all(t.rows[0]._tr.xpath("./w:trPr/w:tblHeader") for t in main_tables)
    assert Pt(9) in {r.font.size for t in doc.tables for row in t.rows for c in row.cells
                     for p in c.paragraphs for r in p.runs}


# --- XLSX -----------------------------------------------------------------------------------


def test_the_workbook_has_typed_cells_filters_and_a_sheet_per_goal_area(
    update_rows: Dataset
) -> None:
    book = load_workbook(io.BytesIO(render_dataset(update_rows, "xlsx")))
    assert book.sheetnames == ["Alla", "Genomförande av strategin", "Suicidprevention",
                               "Komplexa behov - samsjuklighet"]
    everything = book["Alla"]
    header = [c.value for c in everything[1]]
    assert header[:4] == ["Nr", "Datum", "Ändrad", "Version"]
    assert everything.freeze_panes == "A2"
    assert everything.auto_filter.ref == f"A1:{everything.cell(1, len(header)).column_letter}" \
        f"{len(update_rows.rows) + 1}"
    first = next(iter(everything.iter_rows(min_row=2, max_row=2)))
    assert first[0].value == 1 and first[0].data_type == "n"
    assert first[1].is_date and isinstance(first[1].value, datetime)
    assert first[1].value.date() == date(2026, 8, 20)
    assert first[1].number_format == "yyyy-mm-dd"
    # Formula-like text stays text.
    summary_column = header.index("Vad har hänt?")
    texts = [row[summary_column] for row in everything.iter_rows(min_row=2)]
    assert texts[0].value == DANGEROUS[0] and texts[0].data_type == "s"
    # Indicator values are numbers, on the sheets that have them only.
    indicator = next(i for i, title in enumerate(header) if title and "VIP-1:" in title)
    values = [r[indicator].value for r in everything.iter_rows(min_row=2)
              if r[indicator].value is not None]
    assert values == [2.5] and all(isinstance(v, float) for v in values)
    sp = [c.value for c in book["Suicidprevention"][1]]
    assert not any(title and "VIP-1:" in title for title in sp)
    # Each goal-area sheet holds its own rows, with its own filter.
    rows_sp = list(book["Suicidprevention"].iter_rows(min_row=2, values_only=True))
    assert rows_sp and all(r[header.index("Målområde")] == "Suicidprevention" for r in rows_sp)
    assert book["Suicidprevention"].auto_filter.ref.startswith("A1:")


def test_the_status_as_a_workbook(plan: list[PlanActivity], organisations: dict[str, str],
                                  status_figures: StatusFigures) -> None:
    dataset = status_dataset(SV, "sv", activities=plan, organisations=organisations,
                             figures=status_figures, period=PERIOD)
    book = load_workbook(io.BytesIO(render_dataset(dataset, "xlsx")))
    assert book.sheetnames[-1] == "Per organisation"
    sheet = book["Alla"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "VIP-1")
    assert row[header.index("Senaste rapport")].is_date
    assert row[header.index("Dagar sedan rapport")].value == 14
    assert len(list(sheet.iter_rows(min_row=2))) == len(plan)


# --- CSV ------------------------------------------------------------------------------------


def test_the_csv_has_a_bom_semicolons_and_defused_cells(update_rows: Dataset) -> None:
    raw = render_dataset(update_rows, "csv")
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    header = rows[0]
    assert header[:3] == ["Nr", "Datum", "Ändrad"]
    assert len(rows) == len(update_rows.rows) + 1
    summary = [row[header.index("Vad har hänt?")] for row in rows[1:]]
    assert summary[:6] == ["'" + text for text in DANGEROUS]
    assert summary[6] == "Vanlig text"
    assert rows[1][1] == "2026-08-20"
    indicator = next(i for i, title in enumerate(header) if "VIP-1:" in title)
    assert [r[indicator] for r in rows[1:] if r[indicator]] == ["2,5"]
    assert "Linnéa Ek" in rows[1]


@pytest.mark.parametrize("text", [*DANGEROUS, "=1+1", "-", "@"])
def test_every_dangerous_start_is_defused(text: str) -> None:
    assert csv_module.cell(text) == "'" + text
    assert csv_module.cell(-2.5) == "'-2,5"
    assert csv_module.cell("a=1") == "a=1"
    assert csv_module.cell(date(2026, 9, 1)) == "2026-09-01"
    assert csv_module.cell(None) == ""


# --- PNG ------------------------------------------------------------------------------------


def test_the_chart_is_a_png_of_the_expected_size_in_traffic_light_colours(
    status_document: Document
) -> None:
    png = render_document(status_document, "png")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (chart_module.WIDTH, chart_module.HEIGHT)
    colours = {rgb for _, rgb in image.convert("RGB").getcolors(maxcolors=1 << 20) or []}
    for light in ("green", "yellow", "red", "blue"):
        hex_colour = chart_module.COLOURS[light].lstrip("#")
        rgb = tuple(int(hex_colour[i:i + 2], 16) for i in (0, 2, 4))
        assert rgb in colours, light
    custom = chart_module.render_png(status_document.charts()[0], width=600, height=240)
    assert Image.open(io.BytesIO(custom)).size == (600, 240)


def test_a_chart_without_indicators_has_no_indicator_panel(summary_document: Document) -> None:
    chart = summary_document.charts()[0]
    assert chart.indicators == ()
    image = Image.open(io.BytesIO(chart_module.render_png(chart)))
    assert image.size == (chart_module.WIDTH, chart_module.HEIGHT)


# --- Markdown and JSON ----------------------------------------------------------------------


def test_markdown_has_the_headings_tables_and_escaped_text(summary_document: Document,
                                                           status_document: Document) -> None:
    text = render_document(summary_document, "md").decode("utf-8")
    assert text.startswith("# Inför mötet")
    assert "\n## Upphämtning från förra gången\n" in text
    assert "\n### Genomförande av strategin\n" in text
    assert "Vad som hänt i VIP-1 \\| med tecken \\*" in text
    assert "| Nr | Beslut |" in text
    assert "\n1. Upphämtning från förra gången\n" in text
    status = render_markdown(status_document)
    assert "🟢 Pågår enligt plan" in status and "| **Suicidprevention** |" in status
    assert escape("# rubrik\n- punkt") == "\\# rubrik\n\\- punkt"


def test_json_has_typed_blocks(status_document: Document, update_rows: Dataset) -> None:
    body = json.loads(render_document(status_document, "json"))
    assert body["title"] == "Handlingsplanens status"
    assert [b["type"] for b in body["blocks"]][:3] == ["table", "chart", "table"]
    rows = json.loads(render_dataset(update_rows, "json"))
    assert rows["rows"][0]["date"] == "2026-08-20" and rows["rows"][0]["number"] == 1


def test_every_format_has_its_media_type() -> None:
    assert MEDIA_TYPES["docx"].endswith("wordprocessingml.document")
    assert MEDIA_TYPES["xlsx"].endswith("spreadsheetml.sheet")
    assert set(MEDIA_TYPES) == {"md", "docx", "xlsx", "csv", "json", "png"}


def test_the_renderers_know_only_the_document() -> None:
    """reports/ imports the domain's document and its own libraries: no storage, handlers
    or doors (the architecture's "one model, many renderers")."""

    for path in sorted((ROOT / "reports").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(("storage", "handlers", "bot", "scheduler",
                                                   "sqlalchemy")), (path.name, node.module)
