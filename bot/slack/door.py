"""The Slack door as the rest of the bot sees it (see bot/door.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.door import Door

if TYPE_CHECKING:
    from aiohttp import web

    from bot.runtime import Runtime
    from bot.settings import Settings
    from scheduler.messenger import Messenger
    from storage.repositories import StoreFactory


def configured(settings: Settings) -> bool:
    return settings.slack_bot_token is not None and settings.slack_signing_secret is not None


def attach(app: web.Application, runtime: Runtime, dev: bool, options: Mapping[str, Any]
           ) -> bool:
    if not configured(runtime.settings):
        return False
    from bot.slack.server import attach_slack

    attach_slack(app, runtime)
    return True


def messenger(settings: Settings, stores: StoreFactory | None) -> Messenger | None:
    from bot.slack.server import slack_messenger

    return slack_messenger(settings)


SLACK = Door("slack", configured, attach, messenger)
