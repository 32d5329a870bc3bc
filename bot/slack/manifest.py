"""The Slack app manifest, to paste into "Create app → From an app manifest".

Scopes are the fewest the bot needs: `commands` (the slash command), `chat:write` (replies and
reminders in channels it is invited to), `im:write` (opening a direct message for reminders),
`users:read` and `users:read.email` (matching a Slack user to a configured person by e-mail,
once), `files:write` (exports as files).
"""

from __future__ import annotations

from typing import Any

from app.i18n import Translator

BOT_SCOPES = ("commands", "chat:write", "im:write", "users:read", "users:read.email", "files:write")


def manifest(
    base_url: str,
    t: Translator, *, name: str = "Samverkansboten", socket_mode: bool = False
) -> dict[str, Any]:
    events_url = f"{base_url.rstrip('/')}/slack/events"
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": ["app_home_opened"]},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket_mode,
        "token_rotation_enabled": False,
    }
    command: dict[str, Any] = {
        "command": "/samverkan",
        "description": t("slack.manifest.command"),
        "usage_hint": t("slack.manifest.usage"),
        "should_escape": False,
    }
    if not socket_mode:
        settings["event_subscriptions"]["request_url"] = events_url
        settings["interactivity"]["request_url"] = events_url
        command["url"] = events_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": t("slack.manifest.description"),
            "background_color": "#1f5c99",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": False,
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": settings,
    }
