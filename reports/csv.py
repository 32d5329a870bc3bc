"""The rows as CSV that Swedish Excel opens correctly with a double click.

- UTF-8 with a byte-order mark: without it Excel reads the file as Windows-1252 and shows
  `Ã¥` for `å`.
- `;` between fields: Excel splits a CSV on the list separator of the Windows region, and
  in Swedish settings that is `;` (the comma is the decimal separator). A `sep=;` first line
  would also work, but Excel then ignores the BOM, so it is not used.
- Several parts (`Datasets`: the summary, the status with its rows per organisation): each
  part's title on a line of its own, then its header and rows, a blank line between parts.
- Numbers with a decimal comma (`12,5`) and dates in ISO form (`2026-09-01`): both are what
  Swedish Excel reads as a number and a date. Line breaks inside a text stay, quoted.
- Formula injection: every cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
  return gets a leading `'`, so that Excel, LibreOffice and Google Sheets show it as text
  instead of running it (OWASP "CSV injection"). This applies to negative numbers too: a
  `-2` reads as the text `'-2`, which is the price of never guessing what is safe.
- Characters no document can hold (U+FFFF, C0 controls; `domain.text`) are left out, as in
  every other file.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Final

from domain.document import CellValue, Dataset, Datasets
from domain.text import xml_safe

BOM: Final = "\ufeff"
DELIMITER: Final = ";"
DANGEROUS: Final = ("=", "+", "-", "@", "\t", "\r")


def defuse(text: str) -> str:
    text = xml_safe(text)
    return "'" + text if text.startswith(DANGEROUS) else text


def _number(value: float) -> str:
    text = str(int(value)) if value == int(value) else repr(value)
    return text.replace(".", ",")


def cell(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = _number(value)
    else:
        text = str(value)
    return defuse(text)


def render(dataset: Dataset | Datasets) -> bytes:
    """One table; or, for several parts, each part under its title, a blank line between."""

    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=DELIMITER, quoting=csv.QUOTE_MINIMAL,
                        lineterminator="\r\n")
    parts = dataset.parts if isinstance(dataset, Datasets) else (dataset,)
    for number, part in enumerate(parts):
        if isinstance(dataset, Datasets):
            if number:
                writer.writerow([])
            writer.writerow([defuse(part.title)])
        writer.writerow([defuse(column.title) for column in part.columns])
        for row in part.rows:
            writer.writerow([cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")
