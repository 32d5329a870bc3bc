"""The document, or the rows, as JSON: every block typed (`"type": "table"`), dates in ISO 8601.

For other programs (and `samverkan report --format json`); the shape follows
`domain.document` one to one.
"""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from typing import Any

from domain.document import CellValue, Dataset, Datasets, Document

_TYPES = {
    "Heading": "heading", "Paragraph": "paragraph", "Fields": "fields",
    "BulletList": "list", "Table": "table", "Divider": "divider", "Chart": "chart",
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        kind = _TYPES.get(type(value).__name__)
        if kind is not None:
            out["type"] = kind
        for item in fields(value):
            out[item.name] = _plain(getattr(value, item.name))
        return out
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def render_document(document: Document) -> bytes:
    return json.dumps(_plain(document), ensure_ascii=False, indent=2).encode("utf-8")


def _cell(value: CellValue) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def _rows(dataset: Dataset) -> dict[str, Any]:
    keys = [column.key for column in dataset.columns]
    return {
        "title": dataset.title,
        "columns": [
            {"key": c.key, "title": c.title, "kind": c.kind} for c in dataset.columns
        ],
        "rows": [
            {key: _cell(value) for key, value in zip(keys, row, strict=True) if value is not None}
            for row in dataset.rows
        ],
    }


def render_dataset(dataset: Dataset | Datasets) -> bytes:
    """One set of rows as {title, columns, rows}; several as {title, parts: [...]}."""

    body = (
        {"title": dataset.title, "parts": [_rows(part) for part in dataset.parts]}
        if isinstance(dataset, Datasets) else _rows(dataset)
    )
    return json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8")
