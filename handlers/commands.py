"""The chat commands, Swedish word first, English aliases after.

A command that stores something names its `replay`: the answer to a resend of the same
platform delivery, from what the first one stored (see `app.dispatch`). The others store
nothing, or nothing new when repeated (`påminnelser av`, `mina-data`'s audit entry is rolled
back), and simply run again.
"""

from __future__ import annotations

from app.core import CommandSet, CommandSpec, FormSpec
from app.updates import FORM_ID
from handlers import (
    absence,
    agenda,
    calendar,
    followup,
    gdpr,
    help,
    home,
    my_updates,
    notes,
    reminders,
    reports,
    schedule_changes,
    updates,
    whoami,
)

ALL_COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("hjälp", ("help", "?"), help.handle, "help.cmd.help", "help.ex.help"),
    CommandSpec(
        "vem", ("whoami", "vem-är-jag"), whoami.handle, "help.cmd.whoami", "help.ex.whoami",
        personal=True,
    ),
    CommandSpec(
        "möten", ("meetings",), calendar.handle_meetings, "help.cmd.meetings", "help.ex.meetings"
    ),
    CommandSpec(
        "sammankallande", ("convener", "conveners"), calendar.handle_conveners,
        "help.cmd.conveners", "help.ex.conveners", replay=schedule_changes.replay_change,
    ),
    CommandSpec(
        "möte", ("meeting",), calendar.handle_meeting, "help.cmd.meeting", "help.ex.meeting",
        replay=schedule_changes.replay_change,
    ),
    CommandSpec(
        "kalender", ("calendar",), calendar.handle_calendar, "help.cmd.calendar",
        "help.ex.calendar", replay=calendar.replay_feed,
    ),
    CommandSpec(
        "hem", ("home", "översikt"), home.handle, "help.cmd.home", "help.ex.home", personal=True
    ),
    CommandSpec(
        "påminnelser", ("reminders",), reminders.handle_reminders, "help.cmd.reminders",
        "help.ex.reminders", personal=True,
    ),
    CommandSpec(
        "frånvaro", ("away", "absence"), absence.handle_absence, "help.cmd.absence",
        "help.ex.absence", personal=True, replay=absence.replay,
    ),
    CommandSpec(
        "rapportera", ("update",), updates.handle_report, "help.cmd.update", "help.ex.update",
        replay=updates.replay, writes=True,
    ),
    CommandSpec(
        "mina", ("mine",), my_updates.handle_mine, "help.cmd.mine", "help.ex.mine", personal=True
    ),
    CommandSpec(
        "ändra", ("edit",), my_updates.handle_edit, "help.cmd.edit", "help.ex.edit", writes=True
    ),
    CommandSpec(
        "ta-bort", ("withdraw",), my_updates.handle_withdraw, "help.cmd.withdraw",
        "help.ex.withdraw", replay=my_updates.replay_withdrawal, writes=True,
    ),
    CommandSpec(
        "beslut", ("decision",), notes.handle_decision, "help.cmd.decision", "help.ex.decision",
        replay=notes.replay,
    ),
    CommandSpec(
        "nästa-steg", ("next-step", "next-steps"), notes.handle_next_step,
        "help.cmd.next_step", "help.ex.next_step", replay=notes.replay,
    ),
    CommandSpec(
        "punkt", ("agenda", "punkter"), agenda.handle_item, "help.cmd.agenda_item",
        "help.ex.agenda_item", replay=agenda.replay,
    ),
    CommandSpec(
        "lyft", ("escalate", "fråga-uppåt"), agenda.handle_question, "help.cmd.escalate",
        "help.ex.escalate", replay=agenda.replay, writes=True,
    ),
    CommandSpec(
        "närvaro", ("attend", "attendance"), agenda.handle_attend, "help.cmd.attend",
        "help.ex.attend", replay=agenda.replay_attend,
    ),
    CommandSpec(
        "anteckningar", ("minutes", "protokoll"), reports.handle_minutes, "help.cmd.minutes",
        "help.ex.minutes",
    ),
    CommandSpec(
        "sammanfattning", ("summary",), reports.handle_summary, "help.cmd.summary",
        "help.ex.summary",
    ),
    # "status" and "export" are the same word in both languages.
    CommandSpec(
        "status", ("plan-status",), reports.handle_status, "help.cmd.status",
        "help.ex.status", same_in_english=True,
    ),
    CommandSpec(
        "export", ("export-file", "exportera"), reports.handle_export, "help.cmd.export",
        "help.ex.export", same_in_english=True,
    ),
    CommandSpec(
        "milstolpar", ("milestones",), followup.handle_milestones, "help.cmd.milestones",
        "help.ex.milestones",
    ),
    CommandSpec(
        "milstolpe", ("milestone",), followup.handle_milestone, "help.cmd.milestone",
        "help.ex.milestone", replay=followup.replay,
    ),
    CommandSpec(
        "uppföljning", ("follow-up", "followup"), followup.handle_follow_up,
        "help.cmd.follow_up", "help.ex.follow_up",
    ),
    CommandSpec(
        "mina-data", ("my-data", "registerutdrag"), gdpr.handle_my_data, "help.cmd.my_data",
        "help.ex.my_data", personal=True,
    ),
)

# Forms a door hands back through `Dispatcher.submit`, by `Form.id`.
ALL_FORMS: tuple[FormSpec, ...] = (
    FormSpec(FORM_ID, updates.submit_form, replay=updates.replay),
)

# What the doors' dispatcher answers: the one place the command modules are registered.
COMMANDS = CommandSet(ALL_COMMANDS, ALL_FORMS)
