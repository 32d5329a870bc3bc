"""Renderers of the neutral report document (`domain.document`): one model, many formats.

Each module turns a `Document` or a `Dataset` into the bytes of one format and knows nothing
else: not the database, not the chat, not who asked. `render` picks the module by format.

- `markdown`: the document as Markdown (chat-friendly files, wikis).
- `docx`: Word (python-docx): the status as one A4 page, the summary as meeting material.
- `xlsx`: Excel (openpyxl): typed rows, auto filter, frozen header, a sheet per goal area,
  and a sheet per part where there are several (the summary's parts, the status per
  organisation).
- `csv`: UTF-8 with BOM and `;`, every formula-like cell defused; a titled section per part.
- `json`: the document or the rows as JSON, for other programs.
- `chart`: the status chart as PNG (matplotlib, Agg backend, no display).
"""

from __future__ import annotations

from typing import Final

from domain.document import Dataset, Datasets, Document

DOCUMENT_FORMATS: Final = ("md", "docx", "json", "png")
DATASET_FORMATS: Final = ("xlsx", "csv", "json")
MEDIA_TYPES: Final[dict[str, str]] = {
    "md": "text/markdown",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "json": "application/json",
    "png": "image/png",
}
# Formats that are text, served with `charset=utf-8`.
TEXT_FORMATS: Final = frozenset({"md", "csv", "json"})


def render_document(document: Document, fmt: str) -> bytes:
    if fmt == "md":
        from reports.markdown import render

        return render(document).encode("utf-8")
    if fmt == "docx":
        from reports.docx import render as render_docx

        return render_docx(document)
    if fmt == "json":
        from reports.json import render_document as render_json

        return render_json(document)
    if fmt == "png":
        from reports.chart import render_png

        charts = document.charts()
        if not charts:
            raise ValueError("the document has no chart")
        return render_png(charts[0])
    raise ValueError(f"not a document format: {fmt}")


def render_dataset(dataset: Dataset | Datasets, fmt: str) -> bytes:
    """Rows, or several sets of rows (a sheet each, a CSV section each, a JSON part each)."""

    if fmt == "xlsx":
        from reports.xlsx import render as render_xlsx

        return render_xlsx(dataset)
    if fmt == "csv":
        from reports.csv import render as render_csv

        return render_csv(dataset)
    if fmt == "json":
        from reports.json import render_dataset as render_json

        return render_json(dataset)
    raise ValueError(f"not a dataset format: {fmt}")
