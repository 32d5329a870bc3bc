"""How a `Reply` looks in the terminal: plain text wrapped at 80 columns.

Eighty columns is the width of a default terminal window; paragraphs and field values wrap at
word boundaries (a wrapped line keeps its indent, so `hjälp`'s list stays readable). Tables
keep their rows whole.
"""

from __future__ import annotations

from app.messages import Reply

CONSOLE_WIDTH = 80


def render(reply: Reply) -> str:
    return reply.plain_text(CONSOLE_WIDTH) + "\n"
