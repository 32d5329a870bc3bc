"""`samverkan slack-manifest`."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from bot.slack.manifest import BOT_SCOPES

# --- the app manifest ------------------------------------------------------------------------


@pytest.mark.usefixtures("cli_env")
def test_slack_manifest_prints_the_app_to_create(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slack-manifest", "--url", "https://bot.example.org"]) == 0
    manifest = json.loads(capsys.readouterr().out)
    url = "https://bot.example.org/slack/events"
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/samverkan" and command["url"] == url
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["request_url"] == url
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert settings["interactivity"] == {"is_enabled": True, "request_url": url}
    assert settings["socket_mode_enabled"] is False
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)
    assert len(manifest["display_information"]["name"]) <= 35


@pytest.mark.usefixtures("cli_env")
def test_slack_manifest_for_socket_mode_has_no_request_urls(
    capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["slack-manifest", "--socket-mode", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    manifest = json.loads(out)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert "request_url" not in out and '"url"' not in out
    assert manifest["features"]["slash_commands"][0]["command"] == "/samverkan"
    assert manifest["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)
    with pytest.raises(SystemExit) as usage:
        main(["slack-manifest"])
    assert usage.value.code == 2


