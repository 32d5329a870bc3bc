"""`hjälp` / `help`: every command with one line and an example, in the user's language.

A list, not a table: one paragraph per command (the word, what it does, an example on lines of
their own), so that it reads in an 80-column terminal (the console wraps each line, keeping
its indent) as well as in Slack and Teams, which render the same blocks. `hjälp <kommando>`
explains one command.
"""

from __future__ import annotations

from app.core import CommandSpec, Context
from app.messages import Reply, ReplyBuilder
from domain.text import fold

# Indent of the description and the example under the command word.
INDENT = "  "


def handle(ctx: Context) -> Reply:
    t = ctx.t
    if ctx.args:
        wanted = fold(ctx.args[0])
        spec = next((s for s in ctx.commands if wanted in map(fold, s.words())), None)
        if spec is not None:
            return (
                ReplyBuilder(heading=spec.word_in(ctx.language))
                .paragraph(t(spec.help_key))
                .paragraph(t("help.example", example=t(spec.example_key)))
                .build()
            )
    builder = ReplyBuilder(heading=t("help.title")).paragraph(t("help.intro"))
    for spec in ctx.commands:
        builder.paragraph(entry(ctx, spec))
    return builder.paragraph(t("help.outro")).build()


def entry(ctx: Context, spec: CommandSpec) -> str:
    """One command of the list: its word, then what it does and an example, indented."""

    t = ctx.t
    example = t("help.example", example=t(spec.example_key))
    return f"{spec.word_in(ctx.language)}\n{INDENT}{t(spec.help_key)}\n{INDENT}{example}"
