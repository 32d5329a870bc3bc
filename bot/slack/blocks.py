"""A `Reply` as Slack Block Kit, within Slack's limits, with user text shown as text.

Limits that shape this module: 50 blocks a message, 3000 characters a section text, 10 fields
a section (2000 characters each), 150 characters a header, 25 elements an actions block, 75
characters a button label. A reply longer than one message is split over several messages,
never cut silently. Every `mrkdwn` text goes through `bot.slack.mrkdwn` (escaped, `verbatim`),
and the limits hold for the escaped text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from app.messages import (
    Block,
    Button,
    Buttons,
    Divider,
    Fields,
    Form,
    FormField,
    Reply,
    Table,
    Text,
)
from bot.slack.mrkdwn import Mrkdwn, escape

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_FIELDS = 10
MAX_FIELD = 2000
MAX_HEADER = 150
# A report is not to flood a channel: past this many characters the answer is shortened, with a
# link to the whole (the door itself splits a long reply into messages of 50 blocks).
TEXT_BUDGET = 12_000
MAX_ACTIONS = 25
MAX_BUTTON = 75
MAX_MODAL_TITLE = 24
MAX_OPTIONS = 100
MAX_TEXT = 3000
FORM_CALLBACK = "samverkan.form"
CODE = "```"

Escape = Callable[[str], str]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fitting(text: str, limit: int, esc: Escape) -> int:
    """How much of `text` fits in `limit` characters once escaped (at least one character)."""

    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if len(esc(text[:middle])) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def _fit(text: str, limit: int, esc: Escape) -> str:
    """`text` escaped, cut with "…" where the escaped text would pass `limit`."""

    escaped = esc(text)
    if len(escaped) <= limit:
        return escaped
    return esc(text[: _fitting(text, limit - 1, esc)]) + "…"


def _chunks(text: str, limit: int, esc: Escape) -> list[str]:
    """`text` escaped, in pieces within `limit`: split at line breaks where it can, so that
    nothing is lost."""

    out: list[str] = []
    current: str | None = None
    for line in text.split("\n"):
        candidate = line if current is None else f"{current}\n{line}"
        if len(esc(candidate)) <= limit:
            current = candidate
            continue
        if current is not None:
            out.append(esc(current))
        while len(esc(line)) > limit:
            cut = _fitting(line, limit, esc)
            out.append(esc(line[:cut]))
            line = line[cut:]
        current = line
    if current is not None:
        out.append(esc(current))
    return out or [""]


def _section(text: str, mrkdwn: Mrkdwn) -> list[dict[str, Any]]:
    return [
        {"type": "section", "text": mrkdwn.text(chunk)}
        for chunk in _chunks(text, MAX_SECTION, mrkdwn)
    ]


def _table(table: Table, mrkdwn: Mrkdwn) -> list[dict[str, Any]]:
    """A table as monospaced text: Slack has no table block that fits chat replies.

    Widths are counted on the text as it reads; escaping adds entities and invisible joiners,
    which take no room on the screen.
    """

    widths = [len(c) for c in table.columns]
    for row in table.rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(cells)).rstrip()
        for cells in (table.columns, *table.rows)
    ]
    return [
        {"type": "section", "text": mrkdwn.text(CODE + chunk + CODE)}
        for chunk in _chunks("\n".join(lines), MAX_SECTION - 2 * len(CODE), escape)
    ]


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


def _block(block: Block, mrkdwn: Mrkdwn) -> list[dict[str, Any]]:
    if isinstance(block, Text):
        return _section(block.text, mrkdwn)
    if isinstance(block, Fields):
        out = []
        items = list(block.items)
        for start in range(0, len(items), MAX_FIELDS):
            fields = []
            for label, value in items[start : start + MAX_FIELDS]:
                shown = f"*{_fit(label, 200, mrkdwn)}*\n"
                fields.append(mrkdwn.text(shown + _fit(value, MAX_FIELD - len(shown), mrkdwn)))
            out.append({"type": "section", "fields": fields})
        return out
    if isinstance(block, Table):
        return _table(block, mrkdwn)
    if isinstance(block, Buttons):
        buttons = list(block.items)
        return [
            {"type": "actions", "elements": [_button(b) for b in buttons[i : i + MAX_ACTIONS]]}
            for i in range(0, len(buttons), MAX_ACTIONS)
        ]
    if isinstance(block, Divider):
        return [{"type": "divider"}]
    return []


def reply_blocks(reply: Reply, mrkdwn: Mrkdwn | None = None) -> list[dict[str, Any]]:
    """`mrkdwn`: how text is escaped (and which links are the bot's own)."""

    mrkdwn = mrkdwn or Mrkdwn()
    blocks: list[dict[str, Any]] = []
    if reply.heading:
        blocks.append(
            {"type": "header", "text": {"type": "plain_text",
                                        "text": _cut(reply.heading, MAX_HEADER)}}
        )
    for block in reply.blocks:
        blocks.extend(_block(block, mrkdwn))
    return blocks


def reply_messages(reply: Reply, mrkdwn: Mrkdwn | None = None) -> list[dict[str, Any]]:
    """One or more message payloads (`text` + `blocks`), each within 50 blocks.

    The `text` is the notification's and the fallback's: escaped too, and nothing a person
    typed is unfurled.
    """

    blocks = reply_blocks(reply, mrkdwn)
    fallback = _fit(reply.plain_text(), MAX_TEXT, escape)
    quiet = {"unfurl_links": False, "unfurl_media": False}
    if not blocks:
        return [{"text": fallback, **quiet}]
    return [
        {"text": fallback if i == 0 else "…", "blocks": blocks[i : i + MAX_BLOCKS], **quiet}
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
