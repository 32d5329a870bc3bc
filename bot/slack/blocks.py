"""A `Reply` as Slack Block Kit, within Slack's limits, with user text defused.

Limits that shape this module: 50 blocks a message, 3000 characters a section text, 10 fields
a section (2000 characters each), 150 characters a header, 25 elements an actions block, 75
characters a button label. A reply longer than one message is split over several messages,
never cut silently.
"""

from __future__ import annotations

import json
from typing import Any

from domain.markup import escape_slack_mrkdwn
from handlers.messages import (
    Block,
    Button,
    Buttons,
    Divider,
    Fields,
    Form,
    FormField,
    Paragraph,
    Reply,
    Table,
)

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_FIELDS = 10
MAX_FIELD = 2000
MAX_HEADER = 150
MAX_ACTIONS = 25
MAX_BUTTON = 75
MAX_MODAL_TITLE = 24
MAX_OPTIONS = 100
FORM_CALLBACK = "samverkan.form"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chunks(text: str, limit: int) -> list[str]:
    """Splits long text at line breaks where it can, so nothing is lost."""

    out: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                out.append(current)
                current = ""
            out.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            out.append(current)
            current = line
        else:
            current = candidate
    if current:
        out.append(current)
    return out or [""]


def _section(text: str) -> list[dict[str, Any]]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
        for chunk in _chunks(escape_slack_mrkdwn(text), MAX_SECTION)
    ]


def _table(table: Table) -> list[dict[str, Any]]:
    """A table as monospaced text: Slack has no table block that fits chat replies."""

    widths = [len(c) for c in table.columns]
    for row in table.rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(cells)).rstrip()
        for cells in (table.columns, *table.rows)
    ]
    blocks = []
    for chunk in _chunks("\n".join(lines), MAX_SECTION - 8):
        text = "```" + escape_slack_mrkdwn(chunk) + "```"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    return blocks


def _button(button: Button) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": _cut(button.label, MAX_BUTTON)},
        "action_id": button.action,
        "value": button.value[:2000],
    }
    if button.style != "default":
        element["style"] = button.style
    return element


def _block(block: Block) -> list[dict[str, Any]]:
    if isinstance(block, Paragraph):
        return _section(block.text)
    if isinstance(block, Fields):
        out = []
        items = list(block.items)
        for start in range(0, len(items), MAX_FIELDS):
            fields = [
                {
                    "type": "mrkdwn",
                    "text": _cut(
                        f"*{escape_slack_mrkdwn(label)}*\n{escape_slack_mrkdwn(value)}", MAX_FIELD
                    ),
                }
                for label, value in items[start : start + MAX_FIELDS]
            ]
            out.append({"type": "section", "fields": fields})
        return out
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Buttons):
        buttons = list(block.items)
        return [
            {"type": "actions", "elements": [_button(b) for b in buttons[i : i + MAX_ACTIONS]]}
            for i in range(0, len(buttons), MAX_ACTIONS)
        ]
    if isinstance(block, Divider):
        return [{"type": "divider"}]
    return []


def reply_blocks(reply: Reply) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if reply.heading:
        blocks.append(
            {"type": "header", "text": {"type": "plain_text", "text": _cut(reply.heading, 150)}}
        )
    for block in reply.blocks:
        blocks.extend(_block(block))
    return blocks


def reply_messages(reply: Reply) -> list[dict[str, Any]]:
    """One or more message payloads (`text` + `blocks`), each within 50 blocks."""

    blocks = reply_blocks(reply)
    fallback = _cut(escape_slack_mrkdwn(reply.plain_text()), 3000)
    if not blocks:
        return [{"text": fallback}]
    return [
        {"text": fallback if i == 0 else "…", "blocks": blocks[i : i + MAX_BLOCKS]}
        for i in range(0, len(blocks), MAX_BLOCKS)
    ]


# -- forms as modals ---------------------------------------------------------------------------


def _input(field: FormField) -> dict[str, Any]:
    element: dict[str, Any]
    if field.kind == "select":
        groups: dict[str, list[dict[str, Any]]] = {}
        for option in field.options[:MAX_OPTIONS]:
            groups.setdefault(option.group, []).append(
                {
                    "text": {"type": "plain_text", "text": _cut(option.label, 75)},
                    "value": option.value,
                }
            )
        element = {"type": "static_select", "action_id": field.id}
        if len(groups) > 1 or "" not in groups:
            element["option_groups"] = [
                {
                    "label": {"type": "plain_text", "text": _cut(label or "–", 75)},
                    "options": options,
                }
                for label, options in groups.items()
            ]
        else:
            element["options"] = groups[""]
        initial = next((o for o in field.options if o.value == field.initial), None)
        if initial is not None:
            element["initial_option"] = {
                "text": {"type": "plain_text", "text": _cut(initial.label, 75)},
                "value": initial.value,
            }
    else:
        element = {
            "type": "plain_text_input",
            "action_id": field.id,
            "multiline": field.kind == "textarea",
        }
        if field.max_length:
            element["max_length"] = field.max_length
        if field.initial:
            element["initial_value"] = field.initial
    block: dict[str, Any] = {
        "type": "input",
        "block_id": field.id,
        "label": {"type": "plain_text", "text": _cut(field.label, 2000)},
        "element": element,
        "optional": not field.required,
    }
    if field.hint:
        block["hint"] = {"type": "plain_text", "text": _cut(field.hint, 2000)}
    return block


def form_view(form: Form, *, context: dict[str, str]) -> dict[str, Any]:
    """A modal; `private_metadata` carries the form id, its state and where it was opened."""

    metadata = json.dumps({"form": form.id, "state": form.state, **context})
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "title": {"type": "plain_text", "text": _cut(form.title, MAX_MODAL_TITLE)},
        "submit": {"type": "plain_text", "text": _cut(form.submit_label, MAX_MODAL_TITLE)},
        "private_metadata": metadata[:3000],
        "blocks": [_input(f) for f in form.fields][:MAX_BLOCKS],
    }


def form_errors(form: Form) -> dict[str, str]:
    """Errors for `response_action: errors`, keyed by block id (the field id)."""

    return {f.id: f.error for f in form.fields if f.error}


def submitted_values(state_values: dict[str, Any]) -> dict[str, str]:
    """The values of a view submission, one string per field."""

    values: dict[str, str] = {}
    for block_id, actions in state_values.items():
        for action in actions.values():
            if action.get("type") == "static_select":
                selected = action.get("selected_option") or {}
                values[block_id] = str(selected.get("value", ""))
            else:
                values[block_id] = str(action.get("value") or "")
    return values
