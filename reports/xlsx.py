"""The rows as an Excel workbook (openpyxl, write-only: a million rows stay out of memory).

One sheet with every row first ("Alla"), then one per goal area in the plan's order; where
the rows come in parts (`Datasets`: the summary, the status per organisation), a sheet per
part, in order, and the goal areas' sheets after the part that has them. Each
sheet: a bold, frozen header row, an auto filter over the whole table, column widths, and
typed cells: dates are date cells (`yyyy-mm-dd`), numbers are numbers, text is text. Text is
always stored as text, never as a formula, whatever it starts with (`=HYPERLINK(…)` stays
the characters a person typed). Per-indicator columns appear only on sheets that have a value
in them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Final

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from domain.document import CellValue, Column, Dataset, Datasets
from domain.text import xml_safe

MAX_SHEET_NAME: Final = 31
_FORBIDDEN: Final = re.compile(r"[\[\]:*?/\\]")
DATE_FORMAT: Final = "yyyy-mm-dd"
DATETIME_FORMAT: Final = "yyyy-mm-dd hh:mm"
_BOLD: Final = Font(bold=True)
_TOP: Final = Alignment(vertical="top", wrap_text=False)


def sheet_name(title: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of `[]:*?/\\`, unique (case-insensitive)."""

    base = _FORBIDDEN.sub("-", xml_safe(title)).strip("' ") or "Blad"
    name = base[:MAX_SHEET_NAME]
    number = 2
    while name.casefold() in taken:
        suffix = f" ({number})"
        name = base[: MAX_SHEET_NAME - len(suffix)] + suffix
        number += 1
    taken.add(name.casefold())
    return name


def _cell(sheet: WriteOnlyWorksheet, value: CellValue, column: Column) -> WriteOnlyCell:
    if isinstance(value, str):
        # openpyxl refuses a character XML cannot hold (U+FFFF, a control character).
        value = xml_safe(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # Never a formula: openpyxl would otherwise take a leading `=` as one.
        cell.data_type = "s"
    elif isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    if column.kind == "text":
        cell.alignment = _TOP
    return cell


def _write_sheet(
    book: Workbook,
    title: str,
    taken: set[str],
    columns: Sequence[Column],
    rows: Sequence[tuple[CellValue, ...]],
) -> None:
    keep = [
        i for i, column in enumerate(columns)
        if not column.sparse or any(row[i] is not None for row in rows)
    ]
    sheet = book.create_sheet(sheet_name(title, taken))
    assert isinstance(sheet, WriteOnlyWorksheet)
    sheet.freeze_panes = "A2"
    for position, index in enumerate(keep, 1):
        sheet.column_dimensions[get_column_letter(position)].width = columns[index].width
    header = []
    for index in keep:
        cell = WriteOnlyCell(sheet, value=xml_safe(columns[index].title))
        cell.data_type = "s"
        cell.font = _BOLD
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(sheet, row[index], columns[index]) for index in keep])
    last_column = get_column_letter(max(len(keep), 1))
    sheet.auto_filter.ref = f"A1:{last_column}{len(rows) + 1}"


def render(dataset: Dataset | Datasets) -> bytes:
    parts = dataset.parts if isinstance(dataset, Datasets) else (dataset,)
    book = Workbook(write_only=True)
    book.properties.title = xml_safe(dataset.title)
    book.properties.creator = "Samverkansboten"
    book.properties.language = "sv-SE" if dataset.language == "sv" else "en-GB"
    taken: set[str] = set()
    for part in parts:
        _write_part(book, part, taken)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_part(book: Workbook, dataset: Dataset, taken: set[str]) -> None:
    columns = list(dataset.columns)
    _write_sheet(book, dataset.all_sheet or dataset.title, taken, columns, dataset.rows)
    if dataset.sheet_column is not None:
        index = dataset.index(dataset.sheet_column)
        by_sheet: dict[str, list[tuple[CellValue, ...]]] = {name: [] for name in dataset.sheets}
        for row in dataset.rows:
            by_sheet.setdefault(str(row[index]), []).append(row)
        for name, rows in by_sheet.items():
            _write_sheet(book, name, taken, columns, rows)
