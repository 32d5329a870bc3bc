"""Settings: `.env.example` lists every setting, secrets stay secret, the environment decides."""

from __future__ import annotations

import re
import shutil
import typing
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from bot.settings import DEFAULT_DATABASE_URL, Settings

ROOT = Path(__file__).resolve().parents[1]
ENV_EXAMPLE = ROOT / ".env.example"
ENTRY = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")

SECRET_VALUES = {
    "SECRET_KEY": "sk-test-7f3a9c1e-never-print-me",
    "SLACK_BOT_TOKEN": "xoxb-test-1111-never-print-me",
    "SLACK_SIGNING_SECRET": "signing-test-2222-never-print-me",
    "SLACK_APP_TOKEN": "xapp-test-3333-never-print-me",
    "MICROSOFT_APP_PASSWORD": "msapp-test-4444-never-print-me",
}


pytestmark = pytest.mark.usefixtures("settings_env")


def parse_env_example(text: str) -> list[tuple[str, str, list[str]]]:
    """(NAME, value, comment lines right above it) for every entry; raises on a stray line."""

    entries: list[tuple[str, str, list[str]]] = []
    comments: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            comments = []
        elif line.startswith("#"):
            comments.append(line.lstrip("#").strip())
        else:
            match = ENTRY.match(line)
            assert match, f".env.example:{number}: not NAME=value: {raw!r}"
            entries.append((match.group(1), match.group(2), comments))
            comments = []
    return entries


def is_secret(name: str) -> bool:
    annotation = Settings.model_fields[name].annotation
    return annotation is SecretStr or SecretStr in typing.get_args(annotation)


def test_env_example_lists_exactly_the_settings() -> None:
    entries = parse_env_example(ENV_EXAMPLE.read_text("utf-8"))
    names = [name for name, _, _ in entries]
    assert len(names) == len(set(names)), "a setting is listed twice"
    assert set(names) == {field.upper() for field in Settings.model_fields}


def test_every_entry_has_a_comment_with_its_default_and_secrets_are_empty() -> None:
    entries = parse_env_example(ENV_EXAMPLE.read_text("utf-8"))
    for name, value, comments in entries:
        field = name.lower()
        text = " ".join(comments).lower()
        assert comments, f"{name} has no comment line above it"
        assert "default" in text, f"{name}: the comment does not give the default"
        if is_secret(field):
            assert value == "", f"{name} is a secret: leave it empty in .env.example"
            assert "never commit" in text, f"{name}: say that it must never be committed"
        else:
            default = Settings.model_fields[field].default
            shown = "" if default is None else str(default)
            assert value == shown, f"{name}={value!r} but the default is {shown!r}"


def test_the_secrets_are_the_settings_named_like_secrets() -> None:
    secrets = {name for name in Settings.model_fields if is_secret(name)}
    assert secrets == {name.lower() for name in SECRET_VALUES}
    looks_secret = re.compile(r"token|secret|password|key$")
    for name in Settings.model_fields:
        if looks_secret.search(name):
            assert is_secret(name), f"{name} looks like a secret but is not a SecretStr"


def test_env_example_copied_to_dotenv_gives_the_defaults(tmp_path: Path) -> None:
    shutil.copy(ENV_EXAMPLE, tmp_path / ".env")
    from_file = Settings()
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    assert from_file.model_dump() == defaults.model_dump()
    # Empty secrets mean "not configured", so that a door is off rather than half-on.
    assert from_file.slack_bot_token is None
    assert from_file.microsoft_app_password is None


def test_secrets_never_appear_in_repr_str_or_dumps(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRET_VALUES.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    for name, value in SECRET_VALUES.items():
        field = getattr(settings, name.lower())
        assert isinstance(field, SecretStr)
        assert field.get_secret_value() == value
    shown = [
        repr(settings), str(settings), f"{settings}", settings.model_dump_json(),
        str(settings.model_dump()), repr(settings.model_dump()),
    ]
    for text in shown:
        for value in SECRET_VALUES.values():
            assert value not in text


def test_database_url_defaults_to_a_sqlite_file() -> None:
    settings = Settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    url = make_url(settings.database_url)
    assert url.get_backend_name() == "sqlite"
    assert url.database and url.database != ":memory:"
    assert Path(url.database).suffix == ".db"


def test_environment_overrides_defaults_and_dotenv(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(
        "DATABASE_URL=sqlite:///from-dotenv.db\nLOG_LEVEL=DEBUG\nDEFAULT_LANGUAGE=en\n",
        encoding="utf-8",
    )
    from_dotenv = Settings()
    assert from_dotenv.database_url == "sqlite:///from-dotenv.db"
    assert from_dotenv.log_level == "DEBUG"
    assert from_dotenv.default_language == "en"

    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/samverkan")
    monkeypatch.setenv("LOG_FORMAT", "json")
    monkeypatch.setenv("SCHEDULER_TICK_SECONDS", "5")
    settings = Settings()
    assert settings.database_url == "postgresql://postgres@127.0.0.1:5432/samverkan"
    assert settings.log_format == "json"
    assert settings.scheduler_tick_seconds == 5
    assert settings.log_level == "DEBUG"  # still from .env


def test_port_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().port == 3978
    monkeypatch.setenv("PORT", "8123")
    assert Settings().port == 8123


def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("PORT", "70000")
    with pytest.raises(ValidationError):
        Settings()
    monkeypatch.setenv("PORT", "3978")
    monkeypatch.setenv("DEFAULT_LANGUAGE", "de")
    with pytest.raises(ValidationError):
        Settings()


def test_slack_team_id_names_one_or_more_workspaces(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    assert Settings().slack_team_ids == frozenset()
    monkeypatch.setenv("SLACK_TEAM_ID", "T0VGR0001, T0SJUHARAD")
    assert Settings().slack_team_ids == {"T0VGR0001", "T0SJUHARAD"}
    for bad in ("T0VGR0001;T0X", "https://vgr.slack.com", "T0VGR0001,,T0X"):
        monkeypatch.setenv("SLACK_TEAM_ID", bad)
        with pytest.raises(ValidationError):
            Settings()
