"""The document as Markdown (CommonMark with GitHub tables).

User text is escaped where Markdown would read it as markup: `|` and line breaks inside
table cells, and characters that would start a heading, list, quote or link at a line's
start or anywhere (`\\ * _ [ ] < > #`). A status keeps its traffic-light symbol; the chart
is given in words (its `description`), as the picture is a separate file.
"""

from __future__ import annotations

import re
from typing import Final

from domain.document import (
    LIGHT_SYMBOLS,
    Block,
    BulletList,
    Cell,
    Chart,
    Divider,
    Document,
    Fields,
    Heading,
    Paragraph,
    Table,
    xml_safe_tree,
)

_SPECIAL: Final = re.compile(r"([\\`*_\[\]<>#|~])")
_BULLET: Final = re.compile(r"^(\s*)([-+=])(?=\s|$)", re.MULTILINE)
_NUMBERED: Final = re.compile(r"^(\s*\d+)([.)])(?=\s|$)", re.MULTILINE)


def escape(text: str) -> str:
    escaped = _SPECIAL.sub(r"\\\1", text)
    escaped = _BULLET.sub(r"\1\\\2", escaped)
    return _NUMBERED.sub(r"\1\\\2", escaped)


def cell_text(cell: Cell) -> str:
    text = escape(cell.text).replace("\r\n", "\n").replace("\n", "<br>")
    if cell.light is not None:
        return f"{LIGHT_SYMBOLS[cell.light]} {text}"
    return text


def _table(table: Table) -> list[str]:
    width = len(table.columns)
    lines = [
        "| " + " | ".join(escape(c) for c in table.columns) + " |",
        "|" + "|".join(" --- " for _ in table.columns) + "|",
    ]
    for row in table.rows:
        if row.section:
            title = escape(row.cells[0].text) if row.cells else ""
            lines.append("| " + " | ".join([f"**{title}**", *([""] * (width - 1))]) + " |")
        else:
            lines.append("| " + " | ".join(cell_text(c) for c in row.cells) + " |")
    return lines


def _with_colon(label: str) -> str:
    """`Status:`, but `Vad har hänt?` as it is: a label that ends in punctuation gets no colon."""

    return label if label.rstrip().endswith(("?", "!", ":", ".")) else f"{label}:"


def _block(block: Block) -> list[str]:
    if isinstance(block, Heading):
        return ["#" * min(block.level + 1, 6) + " " + escape(block.text)]
    if isinstance(block, Paragraph):
        text = escape(block.text).replace("\n", "  \n")
        if block.tone == "warning":
            return [f"> ⚠️ {text}"]
        if block.tone == "note":
            return [f"*{text}*"]
        return [text]
    if isinstance(block, Fields):
        return [
            f"- **{escape(_with_colon(label))}** " + escape(value).replace("\n", "  \n  ")
            for label, value in block.items
        ]
    if isinstance(block, BulletList):
        lines = []
        for number, item in enumerate(block.items, 1):
            marker = f"{number}." if block.numbered else "-"
            lines.append(f"{marker} {escape(item.text)}")
            lines.extend(f"    - {escape(sub)}" for sub in item.sub)
        return lines
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Divider):
        return ["---"]
    if isinstance(block, Chart):
        return [f"*{escape(block.title)}: {escape(block.description)}*"]
    return []


def render(document: Document) -> str:
    document = xml_safe_tree(document)
    parts = [[f"# {escape(document.title)}"]]
    if document.subtitle:
        parts.append([f"*{escape(document.subtitle)}*"])
    parts.extend(_block(block) for block in document.blocks)
    return "\n\n".join("\n".join(lines) for lines in parts if lines) + "\n"
