"""Logging: JSON lines when asked for, and never a secret, however settings get logged."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot.logs import configure_logging
from bot.settings import Settings

SECRETS = {
    "SECRET_KEY": "sk-log-test-aaaa-never-print-me",
    "SLACK_BOT_TOKEN": "xoxb-log-test-bbbb-never-print-me",
    "SLACK_SIGNING_SECRET": "sign-log-test-cccc-never-print-me",
    "SLACK_APP_TOKEN": "xapp-log-test-dddd-never-print-me",
    "MICROSOFT_APP_PASSWORD": "ms-log-test-eeee-never-print-me",
}


pytestmark = pytest.mark.usefixtures("cli_env")


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_json_format_emits_one_json_object_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json")
    log = logging.getLogger("samverkan.test")
    log.info("command handled", extra={"incident": "ab12cd34", "count": 3})
    log.debug("not shown at INFO")
    log.warning("with an åäö letter")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("command failed")
    entries = json_lines(capsys.readouterr().err)
    assert [e["message"] for e in entries] == [
        "command handled", "with an åäö letter", "command failed",
    ]
    first = entries[0]
    assert first["level"] == "INFO"
    assert first["logger"] == "samverkan.test"
    assert first["incident"] == "ab12cd34" and first["count"] == 3
    assert str(first["time"]).endswith("+00:00")
    assert entries[1]["level"] == "WARNING"
    assert entries[2]["level"] == "ERROR"
    assert "ValueError: boom" in str(entries[2]["exception"])


def test_text_format_is_one_readable_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("WARNING", "text")
    logging.getLogger("samverkan.test").info("hidden")
    logging.getLogger("samverkan.test").warning("shown")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert lines[0].endswith("WARNING samverkan.test: shown")


def test_noisy_libraries_stay_quiet_below_warning(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG", "json")
    logging.getLogger("slack_sdk").info("POST https://slack.com/api/chat.postMessage token=…")
    logging.getLogger("samverkan.test").debug("ours")
    assert [e["logger"] for e in json_lines(capsys.readouterr().err)] == ["samverkan.test"]


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_secret_settings_never_reach_the_log(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == SECRETS["SLACK_BOT_TOKEN"]
    configure_logging("DEBUG", fmt)
    log = logging.getLogger("samverkan.test")
    log.info("settings %s", settings)
    log.info("settings %r", settings)
    log.info(repr(settings))
    log.info("settings", extra={"settings": settings})
    log.info("dump", extra={"dump": settings.model_dump()})
    log.info("token %s", settings.slack_bot_token)
    log.info("json %s", settings.model_dump_json())
    try:
        raise RuntimeError(f"failed with {settings}")
    except RuntimeError:
        log.exception("failure")
    output = capsys.readouterr()
    everything = output.out + output.err
    assert "**********" in everything  # the secrets were there, masked
    for value in SECRETS.values():
        assert value not in everything


def test_the_cli_never_logs_secrets(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bot.cli import main

    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("LOG_FORMAT", "json")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/log.db")
    assert main(["db", "upgrade"]) == 0
    output = capsys.readouterr()
    for value in SECRETS.values():
        assert value not in output.out + output.err
