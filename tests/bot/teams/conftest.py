"""The fake Bot Framework and a synced runtime for every Teams test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botframework.connector.auth import (
    AuthenticationConstants,
    ChannelValidation,
    JwtTokenExtractor,
)

from bot.runtime import Runtime
from domain.config import Config
from tests.bot.teams.support import (
    APP_ID,
    GORAN,
    PASSWORD,
    TENANT,
    synced_runtime,
    teams_settings,
    without_teams_id,
)
from tests.fakes.bf_connector import FakeBotFramework, serve_fake_bot_framework


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBotFramework]:
    with serve_fake_bot_framework(app_id=APP_ID, password=PASSWORD, tenant_id=TENANT) as running:
        # botbuilder's own token validation, against the fake's metadata (never Microsoft's).
        monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", running.openid_url)
        # botbuilder caches metadata per URL for a day, process-wide: a later fake on a reused
        # ephemeral port would otherwise be checked against an earlier fake's key.
        monkeypatch.setattr(JwtTokenExtractor, "metadataCache", {})
        monkeypatch.setattr(AuthenticationConstants, "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL",
                            running.openid_url)
        yield running


@pytest.fixture
def runtime(database_url: str, example_config: Config) -> Iterator[Runtime]:
    runtime = synced_runtime(teams_settings(database_url), example_config)
    yield runtime
    runtime.close()


@pytest.fixture
def learning(database_url: str, example_config: Config) -> Iterator[Runtime]:
    """A runtime whose configuration names Göran by e-mail only on Teams: his first message
    from a Teams account binds it to him."""

    runtime = synced_runtime(teams_settings(database_url),
                             without_teams_id(example_config, GORAN))
    yield runtime
    runtime.close()
