"""Settings from the environment and `.env` (pydantic-settings).

Every setting is listed with a comment in `.env.example`; a test keeps the two in step.
Secrets are `SecretStr` so that they never appear in a repr, a log line or a traceback.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///samverkan.db"
# Slack workspace ids (`T0123ABCD`, or an Enterprise Grid org's `E…`), comma-separated.
SLACK_TEAM_IDS = r"^\s*[A-Z0-9]+(\s*,\s*[A-Z0-9]+)*\s*$"


class Settings(BaseSettings):
    # An empty value (`SLACK_BOT_TOKEN=` as in `.env.example`) means "not set": the default,
    # not an empty string, so that an unconfigured door stays off rather than half-on.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    database_url: str = Field(default=DEFAULT_DATABASE_URL)
    config_file: str | None = None
    default_language: Literal["sv", "en"] = "sv"

    host: str = "127.0.0.1"
    port: int = Field(default=3978, ge=1, le=65535)
    public_base_url: str = "http://127.0.0.1:3978"
    secret_key: SecretStr | None = None

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    scheduler_tick_seconds: int = Field(default=20, ge=1, le=30)
    reminder_grace_hours: float = Field(default=6.0, gt=0)
    edit_window_days: int = Field(default=14, ge=0)
    stale_after_days: int = Field(default=60, ge=1)
    export_link_hours: int = Field(default=24, ge=1)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str | None = None
    # The Slack workspace id(s) served (`T…`, comma-separated): a request from another
    # workspace is acknowledged and ignored. Empty: whatever workspace the bot token is in.
    slack_team_id: str | None = Field(default=None, pattern=SLACK_TEAM_IDS)

    microsoft_app_id: str | None = None
    microsoft_app_password: SecretStr | None = None
    microsoft_app_type: Literal["SingleTenant", "MultiTenant", "UserAssignedMSI"] = "SingleTenant"
    microsoft_app_tenant_id: str | None = None
    # The tenants a MultiTenant bot serves, comma-separated; there is no "any tenant".
    microsoft_allowed_tenant_ids: str | None = None

    @property
    def slack_team_ids(self) -> frozenset[str]:
        """`SLACK_TEAM_ID` as a set; empty when it is not set."""

        return frozenset(filter(None, (p.strip() for p in (self.slack_team_id or "").split(","))))


class SetupError(RuntimeError):
    """Settings that cannot work together, said at start in one line: a catalog key and its
    parameters (no secrets in them), so that `samverkan serve` says it in the user's language."""

    def __init__(self, key: str, **params: str) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


