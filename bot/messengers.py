"""Which messengers this installation sends through, from its settings.

Each configured door (bot/doors.py) adds its own; without them, deliveries go to the log
(cron checks, a bot not yet connected), and the demo prints them in the terminal.
"""

from __future__ import annotations

from datetime import timedelta

from bot.doors import DOORS
from bot.runtime import Runtime
from bot.settings import Settings
from scheduler.messenger import LogMessenger, Messenger
from scheduler.reminders import ReminderService
from storage.repositories import StoreFactory


def build_messengers(
    settings: Settings, stores: StoreFactory | None = None
) -> dict[str, Messenger]:
    messengers: dict[str, Messenger] = {}
    for door in DOORS:
        if door.configured(settings):
            messenger = door.messenger(settings, stores)
            if messenger is not None:
                messengers[door.name] = messenger
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
