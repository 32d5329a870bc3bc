"""A report's neutral document as a chat reply, within what the door can show.

A report longer than the door's budget (`Command.text_budget`, characters) is cut at a block
or line boundary, and the reply says so and gives the link to the whole file; a short one ends
with the command that gives it as a file.
"""

from __future__ import annotations

from typing import Final

from app import messages as chat
from app.core import Context
from app.messages import Attachment, Reply
from app.reports import export_url
from app.wording import format_moment
from domain.document import (
    LIGHT_SYMBOLS,
    Block,
    BulletList,
    Chart,
    Divider,
    Document,
    Fields,
    Heading,
    Paragraph,
    Table,
)
from domain.export_link import ExportRequest

# Cells longer than this make a table a list of lines in chat (monospace tables do not wrap).
CHAT_CELL: Final = 40


def _table_in_chat(table: Table) -> list[chat.Block]:
    """Short cells: a table. Long ones (activity titles): a line per row, sections as titles."""

    def text(cell_text: str, light: str | None) -> str:
        return f"{LIGHT_SYMBOLS[light]} {cell_text}" if light else cell_text

    long = any(len(c.text) > CHAT_CELL for row in table.rows for c in row.cells)
    if not long:
        out: list[chat.Block] = []
        rows: list[tuple[str, ...]] = []
        for row in table.rows:
            if row.section:
                if rows:
                    out.append(chat.Table(table.columns, tuple(rows)))
                    rows = []
                out.append(chat.Text(row.cells[0].text))
            else:
                rows.append(tuple(text(c.text, c.light) for c in row.cells))
        if rows:
            out.append(chat.Table(table.columns, tuple(rows)))
        return out
    blocks: list[chat.Block] = []
    lines: list[str] = []
    for row in table.rows:
        if row.section:
            if lines:
                blocks.append(chat.Text("\n".join(lines)))
            lines = [row.cells[0].text]
            continue
        first, *others = row.cells
        light = next((c.light for c in row.cells if c.light), None)
        parts = [c.text for c in others if c.text and c.text != "–"]
        lines.append(text(" · ".join([first.text, *parts]), light))
    if lines:
        blocks.append(chat.Text("\n".join(lines)))
    return blocks


def chat_blocks(block: Block) -> list[chat.Block]:
    if isinstance(block, Heading):
        heading = chat.Text(block.text)
        return [chat.Divider(), heading] if block.level <= 1 else [heading]
    if isinstance(block, Paragraph):
        return [chat.Text(f"⚠️ {block.text}" if block.tone == "warning" else block.text)]
    if isinstance(block, Fields):
        return [chat.Fields(block.items)]
    if isinstance(block, BulletList):
        lines = []
        for number, item in enumerate(block.items, 1):
            lines.append(f"{number}. {item.text}" if block.numbered else f"• {item.text}")
            lines.extend(f"    – {sub}" for sub in item.sub)
        return [chat.Text("\n".join(lines))]
    if isinstance(block, Table):
        return _table_in_chat(block)
    if isinstance(block, Divider):
        return [chat.Divider()]
    if isinstance(block, Chart):
        # The picture goes as an attachment; its figures are in the tables and lines.
        return []
    return []


def _size(block: chat.Block) -> int:
    return len(Reply(blocks=(block,)).plain_text()) + 1


def _cut(block: chat.Block, room: int) -> chat.Block | None:
    """As much of a block as fits, at a line or row boundary (None: nothing fits)."""

    if isinstance(block, chat.Text):
        kept: list[str] = []
        used = 0
        for line in block.text.split("\n"):
            if used + len(line) + 1 > room:
                break
            kept.append(line)
            used += len(line) + 1
        return chat.Text("\n".join(kept)) if kept else None
    if isinstance(block, chat.Table):
        rows: list[tuple[str, ...]] = []
        for row in block.rows:
            if _size(chat.Table(block.columns, (*rows, row))) > room:
                break
            rows.append(row)
        return chat.Table(block.columns, tuple(rows)) if rows else None
    return None


def document_reply(
    ctx: Context,
    document: Document,
    link: ExportRequest,
    *,
    attachments: tuple[Attachment, ...] = (),
    shareable: bool = False,
) -> Reply:
    """The document for this platform; shortened, with the file's link, when it is too long."""

    t = ctx.t
    blocks: list[chat.Block] = []
    if document.subtitle:
        blocks.append(chat.Text(document.subtitle))
    for block in document.blocks:
        blocks.extend(chat_blocks(block))
    budget = ctx.command.text_budget
    total = sum(_size(b) for b in blocks)
    if budget is not None and total > budget:
        room = budget - 600  # for the closing note with the link
        kept: list[chat.Block] = []
        for shown_block in blocks:
            size = _size(shown_block)
            if size <= room:
                kept.append(shown_block)
                room -= size
                continue
            part = _cut(shown_block, room)
            if part is not None:
                kept.append(part)
            break
        url = export_url(ctx.store, ctx.options, link)
        shown = sum(_size(b) for b in kept)
        kept.append(chat.Divider())
        kept.append(chat.Text(t(
            "reports.chat.shortened", percent=max(1, round(100 * shown / total)), url=url,
            until=format_moment(t, link.expires), format=link.format.upper(),
        )))
        blocks = kept
    else:
        blocks.append(chat.Text(t("reports.chat.file_hint",
                                       command=export_command(ctx.language, link))))
    return Reply(
        heading=document.title, blocks=tuple(blocks), attachments=attachments,
        shareable=shareable,
    )


def export_command(language: str, link: ExportRequest) -> str:
    """The chat command that gives this file again (`export status docx`)."""

    kind = {"status": "status", "summary": "sammanfattning", "updates": "uppdateringar"}
    if language != "sv":
        kind = {"status": "status", "summary": "summary", "updates": "updates"}
    word = "export"
    parts = [word, kind[link.kind], link.format]
    if link.group_id:
        parts.append(link.group_id)
    parts.extend(link.goal_areas)
    return " ".join(parts)
