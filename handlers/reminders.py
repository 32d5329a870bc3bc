"""`påminnelser av|på` (`reminders off|on`): whether the bot writes to the person directly."""

from __future__ import annotations

from app.core import Context, UserError
from app.messages import Reply
from domain.text import fold


def handle_reminders(ctx: Context) -> Reply:
    """`påminnelser av|på` / `reminders off|on`: the person's own direct messages."""

    choice = fold(ctx.args[0]) if ctx.args else ""
    if choice in ("av", "off"):
        enabled = False
    elif choice in ("pa", "on"):
        enabled = True
    elif not ctx.args:
        state = "on" if ctx.actor.reminders_dm else "off"
        return Reply.text(ctx.t(f"reminder.settings.state_{state}"))
    else:
        raise UserError("reminder.settings.usage")
    ctx.store.people.set_reminders_dm(ctx.actor.id, enabled)
    return Reply.text(ctx.t("reminder.settings.on" if enabled else "reminder.settings.off"))
