"""Which messengers this installation sends through, from its settings.

Slack and Teams add theirs when they are configured; without them, deliveries go to the log
(cron checks, a bot not yet connected), and the demo prints them in the terminal.
"""

from __future__ import annotations

from datetime import timedelta

from bot.runtime import Runtime
from bot.settings import Settings
from scheduler.messenger import LogMessenger, Messenger
from scheduler.reminders import ReminderService
from storage.repositories import StoreFactory


def build_messengers(
    settings: Settings, stores: StoreFactory | None = None
) -> dict[str, Messenger]:
    messengers: dict[str, Messenger] = {}
    if settings.slack_bot_token is not None and settings.slack_signing_secret is not None:
        from bot.slack.server import slack_messenger

        messengers["slack"] = slack_messenger(settings)
    if settings.microsoft_app_id and stores is not None:
        # Teams writes from the conversation references in the database: it needs the stores.
        from bot.teams.server import teams_messenger

        messengers["teams"] = teams_messenger(settings, stores)
    if not messengers:
        messengers["log"] = LogMessenger()
    return messengers


def reminder_service(
    runtime: Runtime, messengers: dict[str, Messenger] | None = None
) -> ReminderService:
    settings = runtime.settings
    return ReminderService(
        runtime.stores,
        messengers if messengers is not None else build_messengers(settings, runtime.stores),
        runtime.stores.clock,
        grace=timedelta(hours=settings.reminder_grace_hours),
        default_language=settings.default_language,
    )
