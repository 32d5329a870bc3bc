"""The document as Word (python-docx), in the reader's language, on A4.

Two layouts (`Document.layout`):
- `page` ("allt på ett papper", the status): one A4 page for a plan the size of the example:
  narrow margins, 8 pt text, a 7 pt table with tight cell margins, goal areas as shaded rows
  inside one table rather than headings, the chart 17 cm × 5 cm.
- `material` (the summary): meeting material of any length with real heading styles
  (`Heading 1–3`, so Word's navigation pane and a records system see the structure), tables
  with a repeated header row, 10 pt text.

A status cell is shaded in its traffic-light colour and keeps its words, so the page also
reads in black and white. The file's properties carry title, subject, keywords, author
("Samverkansboten"), language and creation time, for registration (diarieföring); the
proofing language of the text is set too.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Final

from docx import Document as new_document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from domain.document import (
    Block,
    BulletList,
    Chart,
    Divider,
    Document,
    Fields,
    Heading,
    Light,
    Paragraph,
    Row,
    Table,
    xml_safe_tree,
)

A4_WIDTH: Final = Cm(21.0)
A4_HEIGHT: Final = Cm(29.7)
FILLS: Final[dict[Light, str]] = {
    "green": "C6EFCE",
    "yellow": "FFEB9C",
    "red": "FFC7CE",
    "blue": "BDD7EE",
    "grey": "E7E6E6",
}
HEADER_FILL: Final = "D9D9D9"
SECTION_FILL: Final = "F2F2F2"
WARNING_COLOUR: Final = RGBColor(0x9C, 0x00, 0x06)


@dataclass(frozen=True)
class Layout:
    margin_side: float
    margin_top: float
    body_pt: float
    table_pt: float
    title_pt: float
    heading_pt: tuple[float, float, float]
    chart_height: int
    cell_margin_twips: int


LAYOUTS: Final[dict[str, Layout]] = {
    "page": Layout(1.5, 1.2, 8, 7, 14, (10, 9, 8), 330, 40),
    "material": Layout(2.2, 2.0, 10, 9, 18, (14, 12, 11), 420, 80),
}


def usable_width(document: DocxDocument) -> int:
    section = document.sections[0]
    assert section.page_width is not None
    assert section.left_margin is not None and section.right_margin is not None
    return int(section.page_width - section.left_margin - section.right_margin)


def _page(doc: DocxDocument, layout: Layout) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = A4_WIDTH
    section.page_height = A4_HEIGHT
    section.left_margin = section.right_margin = Cm(layout.margin_side)
    section.top_margin = section.bottom_margin = Cm(layout.margin_top)
    section.header_distance = section.footer_distance = Cm(layout.margin_top / 2)


def _language(element: Any, tag: str) -> None:
    """Sets the proofing language on a style's run properties."""

    run_properties = element.get_or_add_rPr()
    lang = run_properties.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        run_properties.append(lang)
    lang.set(qn("w:val"), tag)
    lang.set(qn("w:eastAsia"), tag)


def _styles(doc: DocxDocument, layout: Layout, language: str) -> None:
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(layout.body_pt)
    normal.paragraph_format.space_after = Pt(layout.body_pt * 0.4)
    _language(normal.element, "sv-SE" if language == "sv" else "en-GB")
    title = styles["Title"]
    title.font.size = Pt(layout.title_pt)
    title.paragraph_format.space_after = Pt(2)
    for level, size in enumerate(layout.heading_pt, 1):
        heading = styles[f"Heading {level}"]
        heading.font.size = Pt(size)
        heading.paragraph_format.space_before = Pt(size * 0.8)
        heading.paragraph_format.space_after = Pt(size * 0.25)


def _properties(doc: DocxDocument, document: Document) -> None:
    properties = doc.core_properties
    properties.title = document.title
    properties.subject = document.subject
    properties.author = "Samverkansboten"
    properties.keywords = ", ".join(document.keywords)
    properties.language = "sv-SE" if document.language == "sv" else "en-GB"
    if document.generated_at is not None:
        properties.created = document.generated_at.replace(tzinfo=None)
        properties.modified = document.generated_at.replace(tzinfo=None)


def _shade(cell: _Cell, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _repeat_header(table: DocxTable) -> None:
    row_properties = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row_properties.append(header)


def _cell_margins(table: DocxTable, twips: int) -> None:
    properties = table._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")
    for side, value in (("top", 0), ("left", twips), ("bottom", 0), ("right", twips)):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(value))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    properties.append(margins)


def _write(cell: _Cell, text: str, size: float, *, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.space_before = Pt(0)
    lines = text.split("\n")
    for index, line in enumerate(lines):
        run = paragraph.add_run(line)
        run.font.size = Pt(size)
        run.bold = bold
        if index < len(lines) - 1:
            run.add_break()


def _widths(table: DocxTable, hints: tuple[float, ...], total: int) -> list[int]:
    count = len(table.columns)
    weights = list(hints[:count]) if len(hints) >= count else [1.0] * count
    widths = [int(total * w / sum(weights)) for w in weights]
    table.autofit = False
    for index, width in enumerate(widths):
        table.columns[index].width = width
        for cell in table.columns[index].cells:
            cell.width = width
    return widths


def _table(doc: DocxDocument, block: Table, layout: Layout) -> None:
    columns = len(block.columns)
    table = doc.add_table(rows=1, cols=columns)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, title in zip(table.rows[0].cells, block.columns, strict=True):
        _write(cell, title, layout.table_pt, bold=True)
        _shade(cell, HEADER_FILL)
    _repeat_header(table)
    for row in block.rows:
        _row(table, row, layout)
    _cell_margins(table, layout.cell_margin_twips)
    _widths(table, block.widths, usable_width(doc))


def _row(table: DocxTable, row: Row, layout: Layout) -> None:
    cells = table.add_row().cells  # type: ignore[no-untyped-call]
    if row.section:
        merged = cells[0].merge(cells[-1])
        _write(merged, row.cells[0].text if row.cells else "", layout.table_pt, bold=True)
        _shade(merged, SECTION_FILL)
        return
    for cell, content in zip(cells, row.cells, strict=False):
        _write(cell, content.text, layout.table_pt)
        if content.light is not None:
            _shade(cell, FILLS[content.light])


def _fields(doc: DocxDocument, block: Fields, layout: Layout) -> None:
    table = doc.add_table(rows=0, cols=2)
    table.style = doc.styles["Table Grid"]
    for label, value in block.items:
        cells = table.add_row().cells
        _write(cells[0], label, layout.table_pt, bold=True)
        _shade(cells[0], SECTION_FILL)
        _write(cells[1], value, layout.table_pt)
    _cell_margins(table, layout.cell_margin_twips)
    _widths(table, (1.0, 3.2), usable_width(doc))
    _space(doc, layout)


def _space(doc: DocxDocument, layout: Layout) -> None:
    spacer = doc.add_paragraph()
    spacer.paragraph_format.space_after = Pt(0)
    spacer.paragraph_format.line_spacing = Pt(layout.body_pt * 0.6)


def _chart(doc: DocxDocument, block: Chart, layout: Layout) -> None:
    from reports.chart import WIDTH, render_png

    png = render_png(block, height=layout.chart_height)
    width = usable_width(doc)
    doc.add_picture(io.BytesIO(png), width=width, height=int(width * layout.chart_height / WIDTH))
    picture_paragraph = doc.paragraphs[-1]
    picture_paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture_paragraph.paragraph_format.space_after = Pt(0)
    # The same content in words, for screen readers (Word's "alt text").
    for properties in picture_paragraph._p.iter(qn("wp:docPr")):
        properties.set("descr", f"{block.title}: {block.description}")
        properties.set("title", block.title)


def _paragraph(doc: DocxDocument, block: Paragraph, layout: Layout) -> DocxParagraph:
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(block.text)
    if block.tone == "warning":
        run.bold = True
        run.font.color.rgb = WARNING_COLOUR
    elif block.tone == "note":
        run.italic = True
    return paragraph


def _list(doc: DocxDocument, block: BulletList) -> None:
    top = "List Number" if block.numbered else "List Bullet"
    for item in block.items:
        doc.add_paragraph(item.text, style=top)
        for sub in item.sub:
            doc.add_paragraph(sub, style="List Bullet 2")


def _block(doc: DocxDocument, block: Block, layout: Layout) -> None:
    if isinstance(block, Heading):
        doc.add_heading(block.text, level=max(1, min(block.level, 9)))
    elif isinstance(block, Paragraph):
        _paragraph(doc, block, layout)
    elif isinstance(block, Fields):
        _fields(doc, block, layout)
    elif isinstance(block, BulletList):
        _list(doc, block)
    elif isinstance(block, Table):
        _table(doc, block, layout)
        _space(doc, layout)
    elif isinstance(block, Chart):
        _chart(doc, block, layout)
    elif isinstance(block, Divider):
        _space(doc, layout)


def _footer(doc: DocxDocument, text: str, layout: Layout) -> None:
    if not text:
        return
    paragraph = doc.sections[0].footer.paragraphs[0]
    run = paragraph.add_run(text)
    run.font.size = Pt(max(layout.body_pt - 2, 6))
    run.italic = True


def render(document: Document) -> bytes:
    # A character XML cannot hold (U+FFFF, stored before text was cleaned on entry) would
    # make python-docx refuse the whole file.
    document = xml_safe_tree(document)
    layout = LAYOUTS[document.layout]
    doc = new_document()
    _page(doc, layout)
    _styles(doc, layout, document.language)
    _properties(doc, document)
    doc.add_heading(document.title, level=0)
    if document.subtitle:
        subtitle = doc.add_paragraph(document.subtitle, style="Subtitle")
        subtitle.paragraph_format.space_after = Pt(layout.body_pt * 0.6)
        for run in subtitle.runs:
            run.font.size = Pt(layout.body_pt + 1)
    for block in document.blocks:
        _block(doc, block, layout)
    _footer(doc, document.footer, layout)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
