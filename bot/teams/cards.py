"""A `Reply` as Adaptive Cards (version 1.5) for Teams, within Teams' limits, user text defused.

Limits that shape this module:
- A Teams message may be at most about 28 KB, card included. A card here stays under
  `CARD_BUDGET` bytes as it goes on the wire (JSON with non-ASCII escaped, as msrest sends it),
  which leaves room for the activity around it. A reply that does not fit is split over
  several cards, each a message of its own, the heading repeated with "(2/3)"; nothing is cut
  off or dropped. Tables are split by rows (the header repeated), fact sets by facts, long text
  at line breaks.
- Teams shows at most six buttons in a row: button rows are split.
- An `Input.ChoiceSet` has no option groups: the group (the goal area) prefixes each choice.

Every text goes into a card as text (`bot.teams.markup`): Markdown fields (`TextBlock`, facts)
through `TeamsMarkup.markdown_text`, so that nothing typed becomes a link, a mention or
formatting, and only the bot's own links (`PUBLIC_BASE_URL`) are live; labels and titles
through `plain_text`. The one exception is an input's prefilled `value`: it is not rendered as
markup and must come back unchanged when submitted.

Buttons are `Action.Submit` with `data = {"action": …, "value": …}`; a form's submit button
carries `{"action": FORM_ACTION, "form": <form id>, "state": <form state>}`, and Teams adds
each input's value under the input's id (the form field's id).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
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
from bot.teams.markup import PLAIN_MARKUP, TeamsMarkup, plain_text

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# Teams refuses a message over about 28 KB; the card keeps clear of it.
MESSAGE_LIMIT = 28 * 1024
CARD_BUDGET = 24 * 1024
# No one element may take more than this, so that any element fits a card of its own.
PIECE_BUDGET = 12 * 1024
MAX_TEXT = 2000
# Characters of a report shown in one answer before it is shortened with a link to the whole:
# an Adaptive Card must stay under 28 KB, markup and UTF-8 included.
TEXT_BUDGET = 9_000
MAX_BUTTONS = 5
MAX_CHOICE_TITLE = 120

FORM_ACTION = "samverkan.form"
# Keys of a submit's `data`; no form field may be called one of these.
RESERVED_KEYS = frozenset({"action", "value", "form", "state"})

Element = dict[str, Any]
Card = dict[str, Any]


class FormTooLarge(ValueError):
    """A form that cannot be shown as one card under Teams' limit, even shortened."""


def wire_size(document: Any) -> int:
    """Bytes as the document goes out: `json.dumps` with its defaults (non-ASCII escaped)."""

    return len(json.dumps(document).encode("utf-8"))


def _chunks(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Long text in pieces of at most `limit` characters, split at line breaks where it can."""

    out: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                out.append(current)
                current = ""
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            out.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            out.append(current)
            current = line
        else:
            current = candidate
    if current or not out:
        out.append(current)
    return out


def _text_block(markup: TeamsMarkup, text: str, **extra: Any) -> Element:
    return {"type": "TextBlock", "text": markup.markdown_text(text), "wrap": True, **extra}


def _heading(markup: TeamsMarkup, text: str) -> Element:
    return _text_block(markup, text, size="Large", weight="Bolder")


# --- blocks as pieces (elements no larger than PIECE_BUDGET) ----------------------------------


def _paragraph(markup: TeamsMarkup, text: str) -> list[Element]:
    return [_text_block(markup, chunk) for chunk in _chunks(text)]


def _fact_sets(markup: TeamsMarkup, fields: Fields) -> list[Element]:
    pieces: list[Element] = []
    facts: list[Element] = []

    def flush() -> None:
        if facts:
            pieces.append({"type": "FactSet", "facts": list(facts)})
            facts.clear()

    for label, value in fields.items:
        fact = {"title": markup.markdown_text(label), "value": markup.markdown_text(value)}
        if wire_size(fact) > PIECE_BUDGET // 2 or len(value) > MAX_TEXT:
            # One very long value: as a heading and paragraphs, in full.
            flush()
            pieces.append(_text_block(markup, label, weight="Bolder"))
            pieces.extend(_paragraph(markup, value))
            continue
        facts.append(fact)
        if wire_size({"type": "FactSet", "facts": facts}) > PIECE_BUDGET:
            facts.pop()
            flush()
            facts.append(fact)
    flush()
    return pieces


def _cell(markup: TeamsMarkup, text: str, **extra: Any) -> Element:
    return {"type": "TableCell", "items": [_text_block(markup, text, **extra)]}


def _tables(markup: TeamsMarkup, table: Table) -> list[Element]:
    """A 1.5 `Table`, split by rows into tables that each fit, the header on each."""

    width = max(len(table.columns), *(len(row) for row in table.rows)) if table.rows else len(
        table.columns)
    columns = [{"width": 1} for _ in range(width)]
    header = {
        "type": "TableRow",
        "cells": [_cell(markup, c, weight="Bolder") for c in table.columns],
        "style": "accent",
    }

    def new_table() -> Element:
        return {"type": "Table", "columns": columns, "rows": [header], "firstRowAsHeader": True,
                "gridStyle": "default", "showGridLines": True}

    pieces: list[Element] = []
    current = new_table()
    for row in table.rows:
        table_row = {"type": "TableRow", "cells": [_cell(markup, c) for c in row]}
        if wire_size(table_row) > PIECE_BUDGET // 2 or any(len(c) > MAX_TEXT for c in row):
            # A row too big for a table: its cells as label and text, in full.
            if len(current["rows"]) > 1:
                pieces.append(current)
                current = new_table()
            for label, value in zip(table.columns, row, strict=False):
                pieces.append(_text_block(markup, label, weight="Bolder"))
                pieces.extend(_paragraph(markup, value))
            continue
        current["rows"].append(table_row)
        if wire_size(current) > PIECE_BUDGET:
            current["rows"].pop()
            pieces.append(current)
            current = new_table()
            current["rows"].append(table_row)
    if len(current["rows"]) > 1 or not table.rows:
        pieces.append(current)
    return pieces


def _submit(button: Button) -> Element:
    action: Element = {
        "type": "Action.Submit",
        "title": plain_text(button.label)[:80],
        "data": {"action": button.action, "value": button.value},
    }
    if button.style == "primary":
        action["style"] = "positive"
    elif button.style == "danger":
        action["style"] = "destructive"
    return action


def _action_sets(buttons: Buttons) -> list[Element]:
    items = list(buttons.items)
    return [
        {"type": "ActionSet", "actions": [_submit(b) for b in items[i : i + MAX_BUTTONS]]}
        for i in range(0, len(items), MAX_BUTTONS)
    ]


def _pieces(markup: TeamsMarkup, blocks: Sequence[Block]) -> Iterator[Element]:
    separate = False
    for block in blocks:
        if isinstance(block, Divider):
            separate = True
            continue
        if isinstance(block, Text):
            elements = _paragraph(markup, block.text)
        elif isinstance(block, Fields):
            elements = _fact_sets(markup, block)
        elif isinstance(block, Table):
            elements = _tables(markup, block)
        elif isinstance(block, Buttons):
            elements = _action_sets(block)
        else:
            elements = []
        for element in elements:
            if separate:
                element = {**element, "separator": True, "spacing": "Medium"}
                separate = False
            yield element


# --- cards ----------------------------------------------------------------------------------


def card(body: list[Element], actions: list[Element] | None = None) -> Card:
    document: Card = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": body,
        # Tables and long texts read better across the whole message width.
        "msteams": {"width": "Full"},
    }
    if actions:
        document["actions"] = actions
    return document


def reply_cards(reply: Reply, markup: TeamsMarkup = PLAIN_MARKUP) -> list[Card]:
    """One card, or several when the reply is bigger than one Teams message may be."""

    heading_room = wire_size(_heading(markup, reply.heading + " (99/99)")) if reply.heading else 0
    budget = CARD_BUDGET - wire_size(card([])) - heading_room
    bodies: list[list[Element]] = [[]]
    used = 0
    for piece in _pieces(markup, reply.blocks):
        size = wire_size(piece) + 2
        if bodies[-1] and used + size > budget:
            bodies.append([])
            used = 0
        bodies[-1].append(piece)
        used += size
    total = len(bodies)
    cards: list[Card] = []
    for index, body in enumerate(bodies, start=1):
        heading: list[Element] = []
        if reply.heading:
            title = reply.heading if total == 1 else f"{reply.heading} ({index}/{total})"
            heading = [_heading(markup, title)]
        if not heading and not body:
            body = [_text_block(markup, reply.plain_text() or "…")]
        if reply.is_error and heading:
            heading[0]["color"] = "Attention"
        cards.append(card(heading + body))
    return cards


def fallback_text(reply: Reply) -> str:
    """The notification text shown beside a card (the first line of the reply)."""

    first = (reply.heading or reply.plain_text()).strip().split("\n", 1)[0]
    return plain_text(first[:200])


# --- forms ----------------------------------------------------------------------------------


def _choices(field: FormField, shorten: bool) -> list[Element]:
    groups = {option.group for option in field.options}
    grouped = len(groups) > 1 or "" not in groups
    out = []
    for option in field.options:
        title = f"{option.group} – {option.label}" if grouped and option.group else option.label
        if shorten and len(title) > MAX_CHOICE_TITLE:
            title = title[: MAX_CHOICE_TITLE - 1] + "…"
        out.append({"title": plain_text(title), "value": option.value})
    return out


def _number(initial: str) -> float | None:
    try:
        value = float(initial.strip().replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _input(markup: TeamsMarkup, field: FormField, *, hints: bool, shorten: bool
           ) -> list[Element]:
    if field.id in RESERVED_KEYS:
        raise ValueError(f"form field id {field.id!r} is reserved for the submit data")
    element: Element = {"id": field.id, "label": plain_text(field.label)}
    if field.kind == "select":
        element.update(type="Input.ChoiceSet", style="compact", choices=_choices(field, shorten))
        if any(o.value == field.initial for o in field.options):
            element["value"] = field.initial
    elif field.kind == "number":
        element["type"] = "Input.Number"
        number = _number(field.initial) if field.initial else None
        if number is not None:
            element["value"] = number
    else:
        element.update(type="Input.Text", isMultiline=field.kind == "textarea")
        if field.max_length:
            element["maxLength"] = field.max_length
        if field.initial:
            # An input's value is not markup (no mention, no markdown) and comes back as it is
            # submitted: escaped, "Kommun & region" would return as "Kommun &amp; region".
            element["value"] = field.initial
    elements = [element]
    if field.error:
        # Right under its field, where the person looks: what to fix.
        elements.append(_text_block(markup, field.error, color="Attention", weight="Bolder",
                                    spacing="None"))
    if hints and field.hint:
        elements.append(_text_block(markup, field.hint, isSubtle=True, size="Small",
                                    spacing="None"))
    return elements


def form_card(form: Form, reply: Reply | None = None, markup: TeamsMarkup = PLAIN_MARKUP
              ) -> Card:
    """The form as one input card, with the reply's heading and text above the fields.

    A form is one card by nature (one submit button); when it is too big, hints go first, then
    long choice titles are shortened (their values stay whole). A form still too big raises
    `FormTooLarge`, and the door says so instead of sending a card Teams would refuse.
    """

    heading = reply.heading if reply is not None and reply.heading else form.title
    intro = list(_pieces(markup, reply.blocks)) if reply is not None else []
    submit = {
        "type": "Action.Submit",
        "title": plain_text(form.submit_label)[:80],
        "style": "positive",
        "data": {"action": FORM_ACTION, "form": form.id, "state": form.state},
    }
    for hints, shorten in ((True, False), (False, False), (False, True)):
        body: list[Element] = [_heading(markup, heading), *intro]
        for field in form.fields:
            body.extend(_input(markup, field, hints=hints, shorten=shorten))
        document = card(body, [submit])
        if wire_size(document) <= CARD_BUDGET:
            return document
    raise FormTooLarge(form.id)


def form_errors(form: Form) -> dict[str, str]:
    return {f.id: f.error for f in form.fields if f.error}


def submitted(value: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(the submit's own data, the inputs' values) of a card submission; strings only."""

    meta: dict[str, str] = {}
    values: dict[str, str] = {}
    for key, raw in value.items():
        if not isinstance(key, str) or isinstance(raw, dict | list) or raw is None:
            continue
        text = raw if isinstance(raw, str) else json.dumps(raw)
        (meta if key in RESERVED_KEYS else values)[key] = text
    return meta, values


