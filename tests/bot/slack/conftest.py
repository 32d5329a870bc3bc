"""The fixtures of the Slack tests: a fake Slack Web API, and a runtime synced with the example."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from bot.runtime import Runtime, build_runtime
from domain.config import Config
from storage.sync import sync_config
from tests.bot.slack.support import (
    APP_TOKEN,
    BOT_TOKEN,
    slack_settings,
)
from tests.fakes.slack_api import FakeSlackApi, serve_fake_slack


@pytest.fixture
def fake() -> Iterator[FakeSlackApi]:
    with serve_fake_slack(bot_token=BOT_TOKEN, app_token=APP_TOKEN) as running:
        yield running


@pytest.fixture
def runtime(database_url: str, fake: FakeSlackApi, example_config: Config) -> Iterator[Runtime]:
    runtime = build_runtime(slack_settings(database_url, fake))
    with Session(runtime.engine) as session:
        sync_config(session, example_config)
        session.commit()
    yield runtime
    runtime.close()
