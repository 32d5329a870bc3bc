"""The chat commands, Swedish word first, English aliases after."""

from __future__ import annotations

from handlers import calendar, help, whoami
from handlers.core import CommandSpec

ALL_COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("hjälp", ("help", "?"), help.handle, "help.cmd.help", "help.ex.help"),
    CommandSpec(
        "vem", ("whoami", "vem-är-jag"), whoami.handle, "help.cmd.whoami", "help.ex.whoami"
    ),
    CommandSpec(
        "möten", ("meetings",), calendar.handle_meetings, "help.cmd.meetings", "help.ex.meetings"
    ),
    CommandSpec(
        "sammankallande", ("convener", "conveners"), calendar.handle_conveners,
        "help.cmd.conveners", "help.ex.conveners",
    ),
    CommandSpec(
        "möte", ("meeting",), calendar.handle_meeting, "help.cmd.meeting", "help.ex.meeting"
    ),
    CommandSpec(
        "kalender", ("calendar",), calendar.handle_calendar, "help.cmd.calendar",
        "help.ex.calendar",
    ),
)
