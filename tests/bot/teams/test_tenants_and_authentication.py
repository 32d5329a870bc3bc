"""Who may talk to the bot: Bot Framework tokens, the app id, development mode."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.cli import main
from bot.runtime import Runtime
from bot.settings import Settings
from bot.teams.server import TeamsSetupError
from bot.web import create_app
from domain.config import Config
from tests.bot.teams.support import (
    APP_ID,
    ARBETS,
    BOT,
    FOREIGN,
    GORAN_EMAIL,
    GORAN_MEMBER,
    GORAN_NEW,
    KF,
    LINNEA,
    LINNEA_MEMBER,
    LOOPBACK,
    SV,
    TENANT,
    VALID,
    Answer,
    Teams,
    drive,
    references,
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
    learning: Runtime, fake: FakeBotFramework, kind: str
) -> None:
    runtime = learning  # Göran's e-mail would bind a new account: it must not
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

    assert drive(runtime, fake, scenario) == 200
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


@pytest.mark.parametrize(("broken", "key"), [
    ({"microsoft_app_tenant_id": None}, "teams.setup.tenant_required"),
    ({"microsoft_app_password": None}, "teams.setup.password_required"),
    ({"microsoft_app_type": "MultiTenant"}, "teams.setup.tenants_required"),
    ({"microsoft_app_type": "MultiTenant", "microsoft_allowed_tenant_ids": " , "},
     "teams.setup.tenants_required"),
    ({"microsoft_allowed_tenant_ids": f"{TENANT},{FOREIGN}"}, "teams.setup.single_tenant_only"),
    ({"microsoft_app_type": "MultiTenant", "microsoft_allowed_tenant_ids": "contoso.se"},
     "teams.setup.bad_tenant_id"),
    ({"microsoft_app_tenant_id": "vgregion"}, "teams.setup.bad_tenant_id"),
])
def test_teams_settings_that_cannot_work_stop_the_start(
    database_url: str, example_config: Config, broken: dict[str, str], key: str
) -> None:
    runtime = synced_runtime(teams_settings(database_url, **broken), example_config)
    try:
        with pytest.raises(TeamsSetupError) as stopped:
            create_app(runtime, with_scheduler=False)
    finally:
        runtime.close()
    assert stopped.value.key == key
    SV(key, **stopped.value.params)  # the catalog has the text, with these parameters


@pytest.mark.usefixtures("cli_database")
def test_serve_with_a_multitenant_app_and_no_tenant_list_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "x",
                        "MICROSOFT_APP_TYPE": "MultiTenant"}.items():
        monkeypatch.setenv(name, value)
    assert main(["serve", "--port", str(_free_port())]) == 2
    err = capsys.readouterr().err
    assert err.strip() == SV("teams.setup.tenants_required")
    assert "Traceback" not in err


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

            assert asyncio.run(unsigned()) == 200
            fake.wait_until(lambda: len(fake.messages()) == 1, "the answer", 10)
            assert fake.messages()[0].token is None  # no app id: no sign-in either
            assert "rapportera" in fake.messages()[0].text
        finally:
            process.terminate()
            out, err = process.communicate(timeout=10)
    assert "UTVECKLINGSLÄGE" in out and "127.0.0.1" in out
    assert "TEAMS WITHOUT AUTHENTICATION" in err


# --- tenants ---------------------------------------------------------------------------------

# (conversation.tenantId, channelData.tenant.id): another organisation named in either place,
# the two disagreeing, or no tenant at all.
TENANT_PLACES = {
    "foreign_in_both": (FOREIGN, FOREIGN),
    "foreign_conversation_only": (FOREIGN, None),
    "foreign_channel_data_only": (None, FOREIGN),
    "foreign_conversation_own_channel_data": (FOREIGN, TENANT),
    "own_conversation_foreign_channel_data": (TENANT, FOREIGN),
    "no_tenant": (None, None),
}


def everything_teams_sends(teams: Teams, tenant: str | None, data_tenant: str | None
                           ) -> list[dict[str, Any]]:
    """One of each kind of activity, named as from `tenant`: an account whose member lookup
    gives Göran's e-mail, a message carrying Linnéa's AAD object id, a form submitted, an
    install, a "bot added", an invoke and a channel message."""

    where = {"tenant": tenant, "data_tenant": data_tenant}
    return [
        teams.activity(text="vem", user=GORAN_NEW, member=GORAN_MEMBER, **where),
        teams.activity(text="mina", **where),
        teams.activity(value=VALID | {"action": "samverkan.form", "form": "update", "state": ""},
                       reply_to="1770000000999", **where),
        teams.activity(text="rapportera VIP-1 pågår Från en annan organisation", channel=ARBETS,
                       mention=True, **where),
        teams.activity("installationUpdate", action="add", channel=KF, **where),
        teams.activity("conversationUpdate", channel=KF, membersAdded=[{"id": BOT}], **where),
        teams.activity("invoke", name="adaptiveCard/action",
                       value={"action": {"type": "Action.Execute", "verb": "x"},
                              "trigger": "manual"}, **where),
    ]


def _linnea_known(teams: Teams) -> Awaitable[Answer]:
    return teams.post(teams.activity(text="hjälp"))


@pytest.mark.parametrize("place", TENANT_PLACES)
def test_another_tenant_is_refused_and_nothing_is_answered_stored_or_learned(
    learning: Runtime, fake: FakeBotFramework, production_logging: pytest.LogCaptureFixture,
    place: str,
) -> None:
    runtime = learning
    tenant, data_tenant = TENANT_PLACES[place]
    fake.seed_member(GORAN_MEMBER, GORAN_NEW, GORAN_EMAIL)

    async def known(teams: Teams) -> None:
        assert (await _linnea_known(teams)).status == 200

    drive(runtime, fake, known)  # Linnéa's 1:1 chat is known: it must stay hers
    fake.calls.clear()
    before, kept = row_counts(runtime.engine), references(runtime.engine)

    async def scenario(teams: Teams) -> list[Answer]:
        answers = [await teams.post(a) for a in everything_teams_sends(teams, tenant,
                                                                      data_tenant)]
        await asyncio.sleep(0.3)  # time for any work that must not happen
        return answers

    answers = drive(runtime, fake, scenario)
    assert [a.status for a in answers] == [403] * 7
    assert fake.calls_of("send", "reply", "update", "create", "member") == []
    assert row_counts(runtime.engine) == before
    assert references(runtime.engine).keys() == kept.keys()
    assert all(references(runtime.engine)[k].reference == row.reference
               for k, row in kept.items())
    assert runtime.dispatcher.knows("teams", GORAN_NEW) is False
    refusals = [r for r in production_logging.records
                if r.getMessage() == "teams request refused"]
    assert len(refusals) == 7 and {r.levelno for r in refusals} == {logging.INFO}
    assert {vars(r)["reason"] for r in refusals} <= {
        "tenant_missing", "tenant_mismatch", "tenant_not_allowed"}
    logged = "\n".join(f"{r.getMessage()} {vars(r)}" for r in refusals)
    assert [i for i in (GORAN_NEW, GORAN_MEMBER, LINNEA, LINNEA_MEMBER, GORAN_EMAIL, FOREIGN)
            if i in logged] == []


def test_the_same_activities_from_the_own_tenant_are_served(
    learning: Runtime, fake: FakeBotFramework
) -> None:
    """The control for the refusals above: named as from the configured tenant (in one place
    or both), the same activities are answered, and Göran's account is bound by e-mail."""

    runtime = learning
    fake.seed_member(GORAN_MEMBER, GORAN_NEW, GORAN_EMAIL)

    async def scenario(teams: Teams) -> list[int]:
        statuses = [(await teams.post(a)).status
                    for a in everything_teams_sends(teams, TENANT, TENANT)]
        for tenant, data_tenant in ((TENANT, None), (None, TENANT)):
            statuses.append((await teams.post(teams.activity(
                text="hjälp", tenant=tenant, data_tenant=data_tenant))).status)
        return statuses

    assert drive(runtime, fake, scenario) == [200] * 9
    assert runtime.dispatcher.knows("teams", GORAN_NEW) is True
    # vem, mina, the channel's report and the two "hjälp" answered; the form's card updated.
    assert len(fake.messages()) == 5 and len(fake.calls_of("update", ok=True)) == 1


def test_a_multitenant_app_serves_the_tenants_it_lists_and_no_other(
    database_url: str, example_config: Config, fake: FakeBotFramework
) -> None:
    partner = "0a0a0a0a-0000-4000-8000-00000000a11e"
    runtime = synced_runtime(teams_settings(
        database_url, microsoft_app_type="MultiTenant", microsoft_app_tenant_id=None,
        microsoft_allowed_tenant_ids=f" {TENANT.upper()} , {partner}"), example_config)

    async def scenario(teams: Teams) -> list[int]:
        return [(await teams.post(teams.activity(text="hjälp", tenant=t, data_tenant=t))).status
                for t in (TENANT, partner, FOREIGN)]

    try:
        assert drive(runtime, fake, scenario) == [200, 200, 403]
    finally:
        runtime.close()
    assert len(fake.messages()) == 2


def emulator_message(text: str) -> dict[str, Any]:
    """What the Bot Framework Emulator sends: its own channel, no tenant, no conversation type."""

    return {
        "type": "message", "id": "c1e2a3b4-0000-4000-8000-00000000e001",
        "timestamp": "2026-09-01T07:00:00.000Z", "localTimestamp": "2026-09-01T09:00:00+02:00",
        "channelId": "emulator", "serviceUrl": "",  # set by the caller
        "from": {"id": "5e1f-emulator-user", "name": "User", "role": "user"},
        "conversation": {"id": "0a1b2c3d-emulator|livechat"},
        "recipient": {"id": "b07-emulator", "name": "Bot", "role": "bot"},
        "textFormat": "plain", "locale": "sv-SE", "text": text,
        "entities": [{"type": "ClientCapabilities", "requiresBotState": True,
                      "supportsListening": True, "supportsTts": True}],
        "channelData": {"clientActivityID": "1780000000000abcdef"},
    }


@pytest.mark.parametrize("tenant", [None, TENANT])
def test_development_mode_serves_the_emulator_and_checks_a_configured_tenant(
    database_url: str, example_config: Config, tenant: str | None
) -> None:
    runtime = synced_runtime(teams_settings(
        database_url, microsoft_app_id=None, microsoft_app_password=None,
        microsoft_app_tenant_id=tenant), example_config)
    with serve_fake_bot_framework(app_id="", password="", tenant_id=TENANT,
                                  require_token=False) as fake:
        async def scenario(teams: Teams) -> list[int]:
            emulator = emulator_message("hjälp") | {"serviceUrl": fake.service_url}
            foreign = teams.activity(text="hjälp", tenant=FOREIGN, data_tenant=FOREIGN)
            own = teams.activity(text="hjälp")
            return [(await teams.post(a, token=None)).status for a in (emulator, foreign, own)]

        try:
            statuses = drive(runtime, fake, scenario, dev=True)
        finally:
            runtime.close()
        messages = fake.messages()
    if tenant is None:
        # No tenant configured: the Emulator (which names none) and anyone else are served.
        assert statuses == [200, 200, 200] and len(messages) == 3
        assert messages[0].conversation == "0a1b2c3d-emulator|livechat"
    else:
        # A tenant configured: development mode checks it too; the Emulator names none.
        assert statuses == [403, 403, 200] and len(messages) == 1
    assert fake.calls_of("create") == []
