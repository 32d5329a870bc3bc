"""The neutral report document: what a report says, before any format is chosen.

`domain.report` builds a `Document` (and, for row exports, a `Dataset`) from aggregated
figures; each format is a renderer of these types only: the chat `Reply` (handlers), Markdown,
DOCX, XLSX, CSV, JSON and the chart PNG (`reports/`). One model, many renderers.

Texts are already in the reader's language. Typed values (`Cell.value`, dataset rows) travel
beside the text so that spreadsheets get real dates and numbers, not their spelling.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import date, datetime
from typing import Any, Final, Literal, TypeVar

from domain.text import xml_safe
from domain.updates import STATUSES

# Traffic-light colours of a status (see `domain.updates.Status.colour`); blue is "done".
Light = Literal["grey", "green", "yellow", "red", "blue"]
# How text-only formats (chat, Markdown) show a light: the statuses' own symbols.
LIGHT_SYMBOLS: Final[dict[str, str]] = {status.colour: status.symbol for status in STATUSES}
Tone = Literal["normal", "note", "warning"]
Layout = Literal["page", "material"]
CellValue = str | int | float | date | datetime | None


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str
    # `warning`: something the reader must act on (stale activities); `note`: small print.
    tone: Tone = "normal"


@dataclass(frozen=True)
class Fields:
    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ListItem:
    text: str
    sub: tuple[str, ...] = ()


@dataclass(frozen=True)
class BulletList:
    items: tuple[ListItem, ...]
    numbered: bool = False


@dataclass(frozen=True)
class Cell:
    text: str
    light: Light | None = None
    # The typed value behind the text (a date, a number), where there is one.
    value: CellValue = None


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    # A section row names what follows (a goal area) and spans the whole table.
    section: bool = False


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    # Relative column widths (any unit); empty: equal.
    widths: tuple[float, ...] = ()

    def data_rows(self) -> list[Row]:
        return [row for row in self.rows if not row.section]


@dataclass(frozen=True)
class Divider:
    pass


@dataclass(frozen=True)
class ChartSeries:
    """One status: how many activities per category (goal area) have it."""

    label: str
    # None: activities with no update at all.
    light: Light | None
    values: tuple[int, ...]


@dataclass(frozen=True)
class IndicatorBar:
    label: str
    unit: str
    value: float | None
    target: float | None
    baseline: float | None = None
    # "2,5 av 4 (antal)": the value against the target, in the reader's language.
    text: str = ""


@dataclass(frozen=True)
class Chart:
    """Data only: the renderer draws it (stacked bars in traffic-light colours, indicators)."""

    title: str
    categories: tuple[str, ...]
    series: tuple[ChartSeries, ...]
    indicator_title: str = ""
    indicators: tuple[IndicatorBar, ...] = ()
    # Words the renderer puts on the picture.
    count_label: str = ""
    value_label: str = ""
    target_label: str = ""
    baseline_label: str = ""
    progress_label: str = ""
    # The same content in words, for readers who cannot see the picture.
    description: str = ""


Block = Heading | Paragraph | Fields | BulletList | Table | Divider | Chart


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str = ""
    blocks: tuple[Block, ...] = ()
    language: str = "sv"
    # `page`: everything on one A4 page (the status, "allt på ett papper"); `material`:
    # meeting material of any length (the summary).
    layout: Layout = "material"
    # A file name without extension, safe on every system.
    filename: str = "rapport"
    generated_at: datetime | None = None
    # Metadata for the file's properties (document management, registration).
    subject: str = ""
    keywords: tuple[str, ...] = ()
    # Small print at the foot of every page: where the figures come from, and when.
    footer: str = ""

    def charts(self) -> list[Chart]:
        return [block for block in self.blocks if isinstance(block, Chart)]

    def tables(self) -> list[Table]:
        return [block for block in self.blocks if isinstance(block, Table)]


# --- row exports ---------------------------------------------------------------------------

ColumnKind = Literal["text", "integer", "number", "date", "datetime"]


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: ColumnKind = "text"
    # Width in characters, a hint for spreadsheets.
    width: int = 14
    # Left out of a sheet where no row of that sheet has a value (per-indicator columns).
    sparse: bool = False


@dataclass(frozen=True)
class Dataset:
    """Typed rows, one per record (an update, an activity), for XLSX, CSV and JSON.

    Values are `None` or of the column's kind: `str`, `int`, `float`, `date`, or a naive
    `datetime` in Swedish local time (spreadsheets have no time zones).
    """

    title: str
    columns: tuple[Column, ...]
    rows: Sequence[tuple[CellValue, ...]]
    # The column whose value names a row's sheet (the goal area), and the sheets in order.
    sheet_column: str | None = None
    sheets: tuple[str, ...] = ()
    # The sheet with every row ("Alla").
    all_sheet: str = ""
    filename: str = "rader"
    language: str = "sv"

    def index(self, key: str) -> int:
        return next(i for i, column in enumerate(self.columns) if column.key == key)


@dataclass(frozen=True)
class Datasets:
    """Several sets of rows in one file: a sheet each (XLSX; a dataset with a `sheet_column`
    adds its sheets), a section each (CSV), a part each (JSON). The status with its rows per
    organisation; the summary with its updates, decisions, next steps, who has not reported
    and the draft agenda."""

    title: str
    parts: tuple[Dataset, ...]
    filename: str = "rader"
    language: str = "sv"


_T = TypeVar("_T")


def xml_safe_tree(value: _T) -> _T:
    """The document (or any part of it) with every text made safe for XML (`domain.text`):
    what Word and Excel writers call first, for text stored before it was cleaned on entry."""

    return _safe(value)  # type: ignore[no-any-return]


def _safe(value: Any) -> Any:
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, tuple | list):
        return type(value)(_safe(item) for item in value)
    if is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: _safe(getattr(value, f.name)) for f in fields(value)})
    return value
