"""`hjälp` / `help`: every command with one line and an example, in the user's language."""

from __future__ import annotations

from handlers.core import Context
from handlers.messages import Reply, ReplyBuilder


def handle(ctx: Context) -> Reply:
    t = ctx.t
    if ctx.args:
        spec = next((s for s in ctx.commands if ctx.args[0] in s.words()), None)
        if spec is not None:
            return (
                ReplyBuilder(heading=_word(ctx, spec.word, spec.aliases))
                .paragraph(t(spec.help_key))
                .paragraph(t("help.example", example=t(spec.example_key)))
                .build()
            )
    rows = [
        (_word(ctx, spec.word, spec.aliases), t(spec.help_key), t(spec.example_key))
        for spec in ctx.commands
    ]
    return (
        ReplyBuilder(heading=t("help.title"))
        .paragraph(t("help.intro"))
        .table((t("help.col.command"), t("help.col.what"), t("help.col.example")), rows)
        .paragraph(t("help.outro"))
        .build()
    )


def _word(ctx: Context, word: str, aliases: tuple[str, ...]) -> str:
    return word if ctx.language == "sv" or not aliases else aliases[0]
