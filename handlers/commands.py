"""The chat commands, Swedish word first, English aliases after."""

from __future__ import annotations

from handlers import help, whoami
from handlers.core import CommandSpec

ALL_COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("hjälp", ("help", "?"), help.handle, "help.cmd.help", "help.ex.help"),
    CommandSpec(
        "vem", ("whoami", "vem-är-jag"), whoami.handle, "help.cmd.whoami", "help.ex.whoami"
    ),
)
