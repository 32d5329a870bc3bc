"""The neutral conversation model: a `Command` comes in from a door, a `Reply` goes out.

Every door (console, Slack, Teams) and every report renderer works from these types only.
Texts in a `Reply` are already in the user's language; doors decide markup and layout.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

# The name of the door a command came through ("console", "slack", …): see bot/doors.py.
Platform = str
Visibility = Literal["private", "channel"]


@dataclass(frozen=True)
class Command:
    """What a person said to the bot, wherever they said it."""

    platform: Platform
    user_id: str
    text: str
    locale: str | None = None
    channel_id: str | None = None
    email: str | None = None
    # Platforms resend on timeouts; the same delivery id is handled once.
    delivery_id: str | None = None
    # Characters of text one answer can carry on this door before it should be shortened
    # (with a link to the whole); None: no limit (the console).
    text_budget: int | None = None


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Fields:
    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Button:
    label: str
    action: str
    value: str = ""
    style: Literal["default", "primary", "danger"] = "default"


@dataclass(frozen=True)
class Buttons:
    items: tuple[Button, ...]


@dataclass(frozen=True)
class Divider:
    pass


Block = Text | Fields | Table | Buttons | Divider


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    group: str = ""


@dataclass(frozen=True)
class FormField:
    id: str
    label: str
    kind: Literal["text", "textarea", "select", "number"] = "text"
    required: bool = False
    options: tuple[Option, ...] = ()
    initial: str = ""
    max_length: int | None = None
    hint: str = ""
    error: str = ""
    # (field id, value): the field matters only while that field has that value. Doors that
    # cannot hide fields (Slack modals, Adaptive Cards) show it anyway, with its label.
    visible_when: tuple[str, str] | None = None

    def visible(self, values: Mapping[str, str]) -> bool:
        if self.visible_when is None:
            return True
        other, wanted = self.visible_when
        return values.get(other, "") == wanted


@dataclass(frozen=True)
class Form:
    """A form that Slack shows as a modal, Teams as an Adaptive Card, the console field by field."""

    id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str
    # Opaque state the door hands back with the submission (e.g. the update being edited).
    state: str = ""

    @property
    def has_errors(self) -> bool:
        return any(f.error for f in self.fields)


@dataclass(frozen=True)
class FormSubmission:
    """A filled-in `Form` coming back from a door (modal submit, card action, console)."""

    platform: Platform
    user_id: str
    form_id: str
    values: dict[str, str]
    # The form's `state`, returned untouched; untrusted like everything a client sends.
    state: str = ""
    locale: str | None = None
    email: str | None = None
    # Platforms resend on timeouts; the same delivery id is stored once.
    delivery_id: str | None = None

    def command(self) -> Command:
        """The submission as a command without words, for identity and the context."""

        return Command(
            platform=self.platform, user_id=self.user_id, text="", locale=self.locale,
            email=self.email, delivery_id=self.delivery_id,
        )


@dataclass(frozen=True)
class Attachment:
    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class Reply:
    heading: str = ""
    blocks: tuple[Block, ...] = ()
    visibility: Visibility = "private"
    form: Form | None = None
    attachments: tuple[Attachment, ...] = ()
    is_error: bool = False
    # A private answer its asker may post to the channel (a convener sharing a summary).
    shareable: bool = False
    # About the asker alone: a door that cannot answer privately in a shared place (Teams has
    # no ephemeral messages) sends it to the person's direct chat instead, never to the place.
    personal: bool = False

    @staticmethod
    def text(text: str, *, heading: str = "", is_error: bool = False) -> Reply:
        return Reply(heading=heading, blocks=(Text(text),), is_error=is_error)

    def plain_text(self, width: int | None = None) -> str:
        """A faithful plain-text rendering, used by the console and in logs-free tests.

        With `width` (the console's 80 columns), paragraphs and field values are wrapped at
        word boundaries; a wrapped line keeps its own indent. Tables are not wrapped.
        """

        lines: list[str] = []
        if self.heading:
            lines.append(self.heading)
        for block in self.blocks:
            if isinstance(block, Text):
                lines.extend(_wrapped(block.text, width))
            elif isinstance(block, Fields):
                label_width = max((len(label) for label, _ in block.items), default=0)
                for label, value in block.items:
                    first = f"{label.ljust(label_width)}  "
                    lines.extend(_wrapped(value, width, first, " " * len(first)))
            elif isinstance(block, Table):
                lines.extend(_table_lines(block))
            elif isinstance(block, Buttons):
                lines.append("  ".join(f"[{button.label}]" for button in block.items))
            elif isinstance(block, Divider):
                lines.append("—" * 20)
        return "\n".join(lines)


def _wrapped(text: str, width: int | None, first: str = "", rest: str = "") -> list[str]:
    """`text` line by line, each wrapped at `width` keeping its leading spaces as the indent of
    its continuation lines; `first`/`rest` prefix the first and the following lines."""

    out: list[str] = []
    for line in text.split("\n"):
        prefix = first if not out else rest
        if width is None or len(prefix) + len(line) <= width:
            out.append(prefix + line)
            continue
        indent = " " * (len(line) - len(line.lstrip(" ")))
        out.extend(textwrap.wrap(
            line.lstrip(" "), width, initial_indent=prefix + indent,
            subsequent_indent=rest + indent, break_long_words=False, break_on_hyphens=False,
        ) or [prefix])
    return out


def _table_lines(table: Table) -> list[str]:
    widths = [len(column) for column in table.columns]
    for row in table.rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))
    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(cells)).rstrip()
    return [line(table.columns), line(tuple("-" * w for w in widths)), *map(line, table.rows)]


@dataclass
class ReplyBuilder:
    """Collects blocks while a handler works; keeps handlers free of tuple juggling."""

    heading: str = ""
    blocks: list[Block] = field(default_factory=list)
    visibility: Visibility = "private"

    def paragraph(self, text: str) -> ReplyBuilder:
        self.blocks.append(Text(text))
        return self

    def fields(self, *items: tuple[str, str]) -> ReplyBuilder:
        self.blocks.append(Fields(tuple(items)))
        return self

    def table(self, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> ReplyBuilder:
        self.blocks.append(Table(columns, tuple(rows)))
        return self

    def buttons(self, *items: Button) -> ReplyBuilder:
        self.blocks.append(Buttons(tuple(items)))
        return self

    def divider(self) -> ReplyBuilder:
        self.blocks.append(Divider())
        return self

    def build(self, form: Form | None = None) -> Reply:
        return Reply(self.heading, tuple(self.blocks), self.visibility, form)
