"""Socket Mode: the same app over Slack's websocket."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.orm import Session

from bot.runtime import Runtime, build_runtime
from bot.web import create_app
from domain.config import Config
from storage.sync import sync_config
from tests.bot.slack.support import (
    ACK_LIMIT,
    APP_TOKEN,
    ARBETS,
    LEGACY_TOKEN,
    LINNEA,
    LOOPBACK,
    slack_settings,
    texts,
)
from tests.fakes.slack_api import APP_ID, TEAM_ID, FakeSlackApi

# --- Socket Mode ---------------------------------------------------------------------------


def routes(app: Any) -> set[str]:
    return {route.resource.canonical for route in app.router.routes() if route.resource}


def test_socket_mode_serves_no_public_events_route(
    database_url: str, fake: FakeSlackApi
) -> None:
    http = build_runtime(slack_settings(database_url, fake))
    socket_mode = build_runtime(slack_settings(database_url, fake, slack_app_token=APP_TOKEN))
    try:
        assert "/slack/events" in routes(create_app(http, with_scheduler=False))
        assert "/slack/events" not in routes(create_app(socket_mode, with_scheduler=False))
    finally:
        http.close()
        socket_mode.close()
    assert fake.calls == []  # nothing connects before the server starts


@pytest.fixture
def runtime(database_url: str, fake: FakeSlackApi, example_config: Config) -> Iterator[Runtime]:
    """The installation in Socket Mode, synced with the example configuration."""

    runtime = build_runtime(slack_settings(database_url, fake, slack_app_token=APP_TOKEN))
    with Session(runtime.engine) as session:
        sync_config(session, example_config)
        session.commit()
    yield runtime
    runtime.close()


def test_socket_mode_acknowledges_over_the_socket_and_answers_at_the_response_url(
    runtime: Runtime, fake: FakeSlackApi
) -> None:

    async def scenario() -> tuple[float, dict[str, Any], int]:
        app = create_app(runtime, with_scheduler=False)
        server = TestServer(app, host=LOOPBACK, port=0)
        async with TestClient(server) as client:
            await fake.until(lambda: fake.socket_connections == 1, "the socket")
            payload = {
                "token": LEGACY_TOKEN, "team_id": TEAM_ID, "team_domain": "samverkan-test",
                "channel_id": ARBETS, "channel_name": "arbetsgruppen", "user_id": LINNEA,
                "user_name": "linnea", "command": "/samverkan", "text": "hjälp",
                "api_app_id": APP_ID, "is_enterprise_install": "false",
                "response_url": fake.response_url("socket"), "trigger_id": "trigger.socket",
            }
            start = time.monotonic()
            fake.send_envelope({"envelope_id": "env-1", "type": "slash_commands",
                                "accepts_response_payload": True, "payload": payload})
            await fake.until(
                lambda: any(m.get("envelope_id") == "env-1" for m in fake.socket_received),
                "the acknowledgement",
            )
            acked = time.monotonic() - start
            await fake.until(lambda: bool(fake.responses("socket")), "the answer")
            # No public route: Slack reaches this bot only through the socket.
            status = (await client.post("/slack/events", data=b"{}")).status
            return acked, fake.responses("socket")[0].body, status

    acked, body, status = asyncio.run(scenario())
    assert acked < ACK_LIMIT
    assert fake.count("apps.connections.open") >= 1
    assert fake.calls_to("apps.connections.open")[0].token == APP_TOKEN
    assert body["response_type"] == "ephemeral"
    assert "rapportera" in texts(body["blocks"])
    assert status == 404


def test_socket_mode_acknowledges_what_the_bot_does_not_use(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    """Over the socket an unanswered envelope is not acknowledged at all, and Slack resends it."""

    envelopes = {
        "env-event": {"type": "events_api", "payload": {
            "token": LEGACY_TOKEN, "team_id": TEAM_ID, "api_app_id": APP_ID,
            "type": "event_callback", "event_id": "Ev0SOCKET01", "event_time": 1780000000,
            "event": {"type": "reaction_added", "user": LINNEA, "reaction": "thumbsup",
                      "item": {"type": "message", "channel": ARBETS,
                               "ts": "1780000000.000100"}, "event_ts": "1780000001.000100"}}},
        "env-shortcut": {"type": "interactive", "payload": {
            "type": "shortcut", "token": LEGACY_TOKEN, "callback_id": "samverkan.new_report",
            "trigger_id": "trigger.socket.shortcut", "action_ts": "1780000000.000500",
            "team": {"id": TEAM_ID, "domain": "samverkan-test"},
            "user": {"id": LINNEA, "username": "linnea", "team_id": TEAM_ID}}},
    }

    async def scenario() -> None:
        app = create_app(runtime, with_scheduler=False)
        async with TestClient(TestServer(app, host=LOOPBACK, port=0)):
            await fake.until(lambda: fake.socket_connections == 1, "the socket")
            for envelope_id, envelope in envelopes.items():
                fake.send_envelope({"envelope_id": envelope_id, **envelope})
            await fake.until(
                lambda: {m.get("envelope_id") for m in fake.socket_received} >= set(envelopes),
                "the acknowledgements",
            )

    asyncio.run(scenario())
    assert fake.count("chat.postMessage") == 0 and fake.responses() == []
