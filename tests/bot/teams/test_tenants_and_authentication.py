"""Who may talk to the bot: Bot Framework tokens, the app id, development mode."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from bot.runtime import Runtime
from bot.settings import Settings
from bot.teams.server import TeamsSetupError, build_adapter
from bot.web import create_app
from domain.config import Config
from tests.bot.teams.support import (
    ARBETS,
    GORAN_EMAIL,
    GORAN_MEMBER,
    GORAN_NEW,
    LOOPBACK,
    TENANT,
    VALID,
    Teams,
    drive,
    routes,
    row_counts,
    synced_runtime,
    teams_settings,
)
from tests.fakes.bf_connector import FakeBotFramework, new_key, serve_fake_bot_framework

# --- authentication ------------------------------------------------------------------------------


def _token(fake: FakeBotFramework, kind: str) -> str | None:
    if kind == "missing":
        return None
    if kind == "expired":
        return fake.channel_token(lifetime=600, issued_ago=3600)  # expired 50 minutes ago
    if kind == "wrong_audience":
        return fake.channel_token(audience="0b0b0b0b-0000-4000-8000-000000000000")
    if kind == "wrong_issuer":
        return fake.channel_token(issuer="https://login.example.org/not-the-bot-framework")
    if kind == "wrong_key":
        return fake.channel_token(key=new_key())  # the published key id, another key
    if kind == "unknown_key":
        return fake.channel_token(key=new_key(), key_id="someone-elses-key")
    if kind == "wrong_service_url":
        return fake.channel_token(service_url="https://smba.example.org/emea/")
    assert kind == "garbage"
    return "not.a.jwt"


AUTH_FAILURES = ["missing", "expired", "wrong_audience", "wrong_issuer", "wrong_key",
                 "unknown_key", "wrong_service_url", "garbage"]


@pytest.mark.parametrize("kind", AUTH_FAILURES)
def test_requests_without_a_valid_token_get_401_and_change_nothing(
    runtime: Runtime, fake: FakeBotFramework, kind: str
) -> None:
    fake.seed_member(GORAN_MEMBER, GORAN_NEW, GORAN_EMAIL)
    before = row_counts(runtime.engine)

    async def scenario(teams: Teams) -> list[int]:
        activities = [
            teams.activity(text="vem", user=GORAN_NEW, member=GORAN_MEMBER),
            teams.activity(text="rapportera VIP-1 pågår Ett förfalskat meddelande"),
            teams.activity("installationUpdate", action="add", channel=ARBETS),
            teams.activity(value=VALID | {"action": "samverkan.form", "form": "update",
                                          "state": ""}, reply_to="1770000000999"),
        ]
        answers = [(await teams.post(a, token=_token(fake, kind))).status for a in activities]
        await asyncio.sleep(0.3)  # time for any work that must not happen
        return answers

    assert drive(runtime, fake, scenario) == [401, 401, 401, 401]
    assert fake.calls_of("send", "reply", "update", "create", "member") == []
    assert row_counts(runtime.engine) == before
    assert runtime.dispatcher.knows("teams", GORAN_NEW) is False


def test_a_valid_token_is_accepted_by_the_same_validation(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    """The control for the refusals above: the token they spoil is accepted as it is."""

    async def scenario(teams: Teams) -> int:
        return (await teams.post(teams.activity(text="vem"))).status

    assert drive(runtime, fake, scenario) == 201
    assert "Linnéa Ek" in fake.messages()[0].text


def test_without_an_app_id_teams_is_not_served_unless_in_development_mode(
    database_url: str, example_config: Config, fake: FakeBotFramework
) -> None:
    plain = synced_runtime(teams_settings(database_url, microsoft_app_id=None), example_config)
    try:
        app = create_app(plain, with_scheduler=False)
        assert "/api/messages" not in routes(app)

        async def scenario(teams: Teams) -> int:
            return (await teams.post(teams.activity(text="hjälp"), token=None)).status

        assert drive(plain, fake, scenario) == 404
    finally:
        plain.close()
    # With an app id, --dev changes nothing about authentication.
    with_id = synced_runtime(teams_settings(database_url), example_config)
    try:
        async def unsigned(teams: Teams) -> int:
            return (await teams.post(teams.activity(text="hjälp"), token=None)).status

        assert drive(with_id, fake, unsigned, dev=True) == 401
    finally:
        with_id.close()
    assert fake.calls_of("send", "reply") == []


def test_teams_settings_that_cannot_work_stop_the_start(database_url: str) -> None:
    for broken in ({"microsoft_app_tenant_id": None}, {"microsoft_app_password": None}):
        with pytest.raises(TeamsSetupError):
            build_adapter(teams_settings(database_url, **broken))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _listening(port: int) -> set[str]:
    """The local addresses listening on `port` (Linux, from /proc/net/tcp)."""

    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local_address, state = line.split()[1], line.split()[3]
            address, _, hex_port = local_address.partition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


@pytest.mark.slow
def test_serve_dev_binds_loopback_says_so_and_accepts_unauthenticated_teams(
    tmp_path: Path, example_config: Config
) -> None:
    if not os.path.exists("/proc/net/tcp"):
        pytest.skip("needs Linux's /proc/net/tcp to see the bound address")
    database = f"sqlite:///{tmp_path / 'dev.db'}"
    synced_runtime(Settings(_env_file=None, database_url=database), example_config).close()
    port = _free_port()
    env = {key: value for key, value in os.environ.items()
           if key.lower() not in Settings.model_fields}
    # Asked to listen everywhere: development mode must not.
    env.update(DATABASE_URL=database, HOST="0.0.0.0", LOG_LEVEL="INFO",
               PYTHONPATH=str(Path(__file__).resolve().parents[3]))
    with serve_fake_bot_framework(app_id="", password="", tenant_id=TENANT,
                                  require_token=False) as fake:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--dev", "--port", str(port)],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while not _listening(port):
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
            assert _listening(port) == {"0100007F"}  # 127.0.0.1, nothing else

            async def unsigned() -> int:
                body = Teams(None, fake).activity(text="hjälp")
                async with aiohttp.ClientSession() as session:
                    async with session.post(f"http://{LOOPBACK}:{port}/api/messages",
                                            json=body) as response:
                        return response.status

            assert asyncio.run(unsigned()) == 201
            fake.wait_until(lambda: len(fake.messages()) == 1, "the answer", 10)
            assert fake.messages()[0].token is None  # no app id: no sign-in either
            assert "rapportera" in fake.messages()[0].text
        finally:
            process.terminate()
            out, err = process.communicate(timeout=10)
    assert "UTVECKLINGSLÄGE" in out and "127.0.0.1" in out
    assert "TEAMS WITHOUT AUTHENTICATION" in err
