"""The database stops answering: every door still answers, in time, and saves nothing.

The real server (`bot.web.create_app`, Slack and Teams both configured, the database waits of
`samverkan serve`: `storage.db.SERVING`) on an ephemeral loopback port, driven as the
platforms drive it (signed slash commands; Activities with Bot Framework tokens), against the
local fakes. The database goes away in the ways it does in production:

- SQLite locked: another connection holds the write lock (`BEGIN IMMEDIATE`) throughout;
- PostgreSQL locked: another connection holds exclusive locks on tables the command needs,
  `update_versions` among them, so that a report's first row is written before the lock
  stops it: the rollback must take that row back too;
- PostgreSQL unreachable: the server's URL points at a port nobody listens on.

Waits are bounded polls, generous against the promise (an answer within 5 s, /readyz within
2 s); `bench/database_down.py` measures the times.

People used: Linnéa Ek (Swedish, Slack U0FYR0002, Teams …0202) and Sofia Marklund (English,
Slack U0VGR0003).
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from botframework.connector.auth import (
    AuthenticationConstants,
    ChannelValidation,
    JwtTokenExtractor,
)
from pydantic import SecretStr
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.i18n import translator
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.slack.app import SHARE_ACTION
from bot.web import create_app
from domain.config import Config
from storage.db import SERVING, normalise_url
from storage.sync import sync_config
from tests.bot.slack.support import BOT_TOKEN, SIGNING_SECRET, Slack, button, texts
from tests.bot.teams.support import (
    APP_ID,
    ARBETS,
    PASSWORD,
    TENANT,
    Teams,
    references,
    row_counts,
)
from tests.fakes.bf_connector import FakeBotFramework, FakeSignIn, serve_fake_bot_framework
from tests.fakes.slack_api import FakeSlackApi, serve_fake_slack

LOOPBACK = "127.0.0.1"
PATIENCE = 15.0  # seconds a test waits for an answer promised within 5
SV = translator("sv")
EN = translator("en")
LINNEA_SLACK = "U0FYR0002"
LINNEA_TEAMS = "00000000-0000-4000-8000-000000000202"
SOFIA_SLACK = "U0VGR0003"  # language = "en" in the example configuration
REPORT = "rapportera VIP-1 pågår Utbildningsdag genomförd i Skaraborg"
# PostgreSQL: what the other connection locks. The command reads people and the plan freely,
# writes its update, and is stopped at the update's first version (or earlier, at the Teams
# conversation reference).
LOCKED_TABLES = ("update_versions", "conversation_references")

T = TypeVar("T")


# --- the installation and the outage -------------------------------------------------------------


@pytest.fixture
def slack() -> Iterator[FakeSlackApi]:
    with serve_fake_slack(bot_token=BOT_TOKEN) as running:
        yield running


@pytest.fixture
def bf(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBotFramework]:
    with serve_fake_bot_framework(app_id=APP_ID, password=PASSWORD, tenant_id=TENANT) as running:
        # botbuilder's own token validation against the fake's metadata (see test_teams).
        monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", running.openid_url)
        monkeypatch.setattr(JwtTokenExtractor, "metadataCache", {})
        monkeypatch.setattr(AuthenticationConstants, "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL",
                            running.openid_url)
        yield running


def settings_for(database_url: str, slack: FakeSlackApi) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=slack.base_url,
        microsoft_app_id=APP_ID,
        microsoft_app_password=SecretStr(PASSWORD),
        microsoft_app_type="SingleTenant",
        microsoft_app_tenant_id=TENANT,
    )


@pytest.fixture
def runtime(database_url: str, slack: FakeSlackApi, example_config: Config) -> Iterator[Runtime]:
    """The server's runtime, waiting on the database as `samverkan serve` does."""

    runtime = build_runtime(settings_for(database_url, slack), patience=SERVING)
    with Session(runtime.engine) as session:
        sync_config(session, example_config)
        session.commit()
    yield runtime
    runtime.close()


@contextmanager
def locked(database_url: str, tables: tuple[str, ...] = LOCKED_TABLES) -> Iterator[None]:
    """Another connection holds the database (SQLite: its write lock; PostgreSQL: exclusive
    locks on `tables`) until the block ends, then lets go, having written nothing."""

    if database_url.startswith("sqlite"):
        holder = sqlite3.connect(str(make_url(database_url).database), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            connection.execute(text(
                f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE"
            ))
            try:
                yield
            finally:
                connection.rollback()
    finally:
        engine.dispose()


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then let go)."""

    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def drive(runtime: Runtime, slack: FakeSlackApi, bf: FakeBotFramework | None,
          scenario: Callable[[Slack, Teams | None, TestClient[Any, Any]], Awaitable[T]]) -> T:
    """Serves the real app on an ephemeral loopback port and plays `scenario` against it."""

    async def main() -> T:
        sign_in = FakeSignIn(bf) if bf is not None else None
        app = create_app(runtime, with_scheduler=False,
                         door_options={"teams": {"credentials": sign_in}})
        async with TestClient(TestServer(app, host=LOOPBACK, port=0)) as client:
            teams = Teams(client, bf) if bf is not None else None
            return await scenario(Slack(client, slack), teams, client)

    return asyncio.run(main())


async def respond_text(slack: Slack, name: str) -> tuple[str, dict[str, Any]]:
    body = await slack.answer(name, timeout=PATIENCE)
    return texts(body.get("blocks") or []) or str(body.get("text", "")), body


# --- Slack ----------------------------------------------------------------------------------------


def test_a_report_sent_while_the_database_is_locked_is_answered_that_nothing_was_saved(
    runtime: Runtime, slack: FakeSlackApi, database_url: str
) -> None:
    before = row_counts(runtime.engine)

    async def scenario(door: Slack, _teams: Teams | None, _client: Any
                       ) -> tuple[int, str, dict[str, Any]]:
        with locked(database_url):
            ack = await door.command(LINNEA_SLACK, REPORT, name="locked")
            shown, body = await respond_text(door, "locked")
        return ack.status, shown, body

    status, shown, body = drive(runtime, slack, None, scenario)
    assert status == 200
    assert shown == SV("error.store_unavailable")
    assert body["response_type"] == "ephemeral"
    # Nothing half-saved: on PostgreSQL the update's row was written before the lock on its
    # versions stopped the command; it was rolled back with the rest.
    assert row_counts(runtime.engine) == before

    async def again(door: Slack, _teams: Teams | None, _client: Any) -> str:
        await door.command(LINNEA_SLACK, REPORT, name="again")
        return (await respond_text(door, "again"))[0]

    # With the database back, the same report is stored: the lock was all that stopped it.
    assert "sparad" in drive(runtime, slack, None, again)
    assert row_counts(runtime.engine)["updates"] == before["updates"] + 1


def test_sharing_an_answer_while_the_database_is_locked_shares_nothing_and_says_why(
    runtime: Runtime, slack: FakeSlackApi, database_url: str
) -> None:
    async def scenario(door: Slack, _teams: Teams | None, _client: Any) -> str:
        with locked(database_url, ("people",)):  # PostgreSQL: who is asking cannot be read
            share = button(LINNEA_SLACK, SHARE_ACTION, "möten",
                           response_url=slack.response_url("share"))
            assert (await door.interaction(share)).status == 200
            return (await respond_text(door, "share"))[0]

    assert drive(runtime, slack, None, scenario) == SV("error.store_unavailable")
    assert slack.count("chat.postMessage") == 0  # nothing went to the channel


def test_the_answer_is_in_the_language_the_person_was_last_answered_in(
    runtime: Runtime, slack: FakeSlackApi, database_url: str
) -> None:
    async def scenario(door: Slack, _teams: Teams | None, _client: Any) -> tuple[str, str, str]:
        await door.command(SOFIA_SLACK, "vem", name="before")
        before = (await respond_text(door, "before"))[0]
        with locked(database_url):
            await door.command(SOFIA_SLACK, REPORT, name="sofia")
            await door.command(LINNEA_SLACK, REPORT, name="linnea")
            sofia = (await respond_text(door, "sofia"))[0]
            linnea = (await respond_text(door, "linnea"))[0]
        return before, sofia, linnea

    before, sofia, linnea = drive(runtime, slack, None, scenario)
    assert "Sofia Marklund" in before
    # Her profile cannot be read now; she was last answered in English, so she still is.
    assert sofia == EN("error.store_unavailable")
    # Linnéa has not been answered since the server started: the installation's language.
    assert linnea == SV("error.store_unavailable")


def test_a_slash_command_with_postgresql_unreachable_is_answered_and_readyz_says_503(
    slack: FakeSlackApi,
) -> None:
    url = f"postgresql://samverkan@{LOOPBACK}:{closed_port()}/samverkan"
    runtime = build_runtime(settings_for(url, slack), migrate=False, patience=SERVING)

    async def scenario(door: Slack, _teams: Teams | None, client: Any) -> tuple[int, str, int, Any]:
        ack = await door.command(LINNEA_SLACK, REPORT, name="down")
        shown = (await respond_text(door, "down"))[0]
        ready = await client.get("/readyz", timeout=aiohttp.ClientTimeout(total=PATIENCE))
        return ack.status, shown, ready.status, await ready.json()

    try:
        status, shown, ready, body = drive(runtime, slack, None, scenario)
    finally:
        runtime.close()
    assert status == 200 and shown == SV("error.store_unavailable")
    assert ready == 503 and body["database"] == "unreachable"


# --- Teams ----------------------------------------------------------------------------------------


def test_a_teams_message_while_the_database_is_locked_is_answered_within_the_turn(
    runtime: Runtime, slack: FakeSlackApi, bf: FakeBotFramework, database_url: str
) -> None:
    """In the 1:1 chat and in a channel (where the channel's conversation reference is
    stored first, and cannot be)."""

    before = row_counts(runtime.engine)

    async def scenario(_slack: Slack, teams: Teams | None, _client: Any
                       ) -> list[tuple[int, list[str]]]:
        assert teams is not None
        turns = []
        with locked(database_url):
            for where in ({}, {"channel": ARBETS, "mention": True}):
                seen = len(bf.messages())
                answer, _sent = await teams.say(REPORT, user=LINNEA_TEAMS, **where)
                # The turn is over: what it answered is at the connector already.
                turns.append((answer.status, [call.text for call in bf.messages()[seen:]]))
        return turns

    turns = drive(runtime, slack, bf, scenario)
    # The answer itself, in the turn: not "working on it" and then later, not an incident.
    assert [shown for _status, shown in turns] == [[SV("error.store_unavailable")]] * 2
    assert all(200 <= status < 300 for status, _shown in turns)
    assert row_counts(runtime.engine) == before
    assert references(runtime.engine) == {}


# --- readiness ------------------------------------------------------------------------------------


def test_readyz_says_503_while_the_database_is_locked_and_200_once_it_is_free(
    runtime: Runtime, slack: FakeSlackApi, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("a PostgreSQL table lock is no outage of the database; "
                    "its unreachable case is tested above")

    async def scenario(_slack: Slack, _teams: Teams | None, client: Any) -> list[tuple[int, Any]]:
        answers = []
        timeout = aiohttp.ClientTimeout(total=PATIENCE)
        with locked(database_url):
            response = await client.get("/readyz", timeout=timeout)
            answers.append((response.status, await response.json()))
        response = await client.get("/readyz", timeout=timeout)
        answers.append((response.status, await response.json()))
        return answers

    (locked_status, locked_body), (free_status, free_body) = drive(runtime, slack, None, scenario)
    assert locked_status == 503 and locked_body["database"] == "unreachable"
    assert free_status == 200 and free_body["database"] == "ok"
