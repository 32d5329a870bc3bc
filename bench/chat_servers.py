"""The processes of the chat latency bench (bench/chat_latency.py): the server under test, the
floor, and the fakes of Slack's Web API and the Bot Framework, each started and watched here.

`python bench/chat_latency.py --serve-real` and `--serve-floor` run `serve_real` and
`serve_floor` in a process of their own; the module's docstring in chat_latency.py says what is
real in each and what is not.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LOOPBACK = "127.0.0.1"
EXAMPLE = ROOT / "examples" / "vastra-gotaland.toml"
# Invented secrets, for this bench only.
BOT_TOKEN = "xoxb-bench-4711-samverkan"
MS_APP_ID = "3f1c8e2a-5b7d-4c9e-a1f0-6d2b8c4e9a17"
MS_PASSWORD = "bench-bf-client-secret"
MS_TENANT = "9a8b7c6d-0000-4000-8000-00000000abcd"
SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
LEGACY_TOKEN = "bench-legacy-verification-token"
SECRET_KEY = "bench-secret-key-0123456789abcdefghijklmnopqrstuv"
BOT_ACCOUNT = f"28:{MS_APP_ID}"
SLACK_TEAM = "T0SAMVERK"
SLACK_APP = "A0SAMVERK"
SLACK_CHANNEL = "C0ARBETS01"  # Arbetsgruppen's channel in the example configuration
FORM = "application/x-www-form-urlencoded"
COMMANDS = ("status", "möten", "hjälp", "mina")
SETTLE = 2.0


# --- the configuration and the database ---------------------------------------------------


def bench_config_text(extra_people: int) -> str:
    """The example configuration, plus `extra_people` invented people with a Teams id only."""

    text = EXAMPLE.read_text("utf-8")
    blocks = [
        f'\n[[people]]\nid = "bench.person{n:04d}"\nname = "Bench Person {n:04d}"\n'
        f'organisation = "vgr"\nemail = "bench.person{n:04d}@bench.example"\n'
        f'teams_aad_object_id = "00000000-0000-4000-9000-{n:012d}"\n'
        for n in range(1, extra_people + 1)
    ]
    return text + "".join(blocks)


def prepare_database(url: str, text: str) -> tuple[list[str], list[str]]:
    """Migrates and syncs; returns the Slack ids and the Teams ids the configuration knows."""

    from sqlalchemy.orm import Session

    from domain.config import load_config_text
    from storage.db import create_db_engine, upgrade
    from storage.sync import sync_config

    result = load_config_text(text)
    if result.config is None:
        raise SystemExit(f"bench configuration has {len(result.problems)} problems")
    engine = create_db_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        sync_config(session, result.config)
        session.commit()
    engine.dispose()
    people = result.config.people
    slack = [p.slack_user_id for p in people if p.slack_user_id]
    teams = [p.teams_aad_object_id for p in people if p.teams_aad_object_id]
    return slack, teams


# --- the fakes, in a process of their own ---------------------------------------------------


def fakes(conn: Connection, key_pem: bytes) -> None:
    """Fake Slack and fake Bot Framework: sends their ports, answers tallies until "stop"."""

    sys.path.insert(0, str(ROOT))
    from cryptography.hazmat.primitives import serialization

    from tests.fakes.bf_connector import FakeBotFramework
    from tests.fakes.slack_api import FakeSlackApi

    key = serialization.load_pem_private_key(key_pem, password=None)
    slack = FakeSlackApi(bot_token=BOT_TOKEN).start()
    teams = FakeBotFramework(app_id=MS_APP_ID, password=MS_PASSWORD, tenant_id=MS_TENANT,
                             key=key).start()  # type: ignore[arg-type]
    conn.send((slack.port, teams.port))
    while True:
        message = conn.recv()
        if message == "stop":
            break
        kind, prefix = message
        if kind == "slack":
            answered = {r.id for r in slack.responses() if r.id.startswith(prefix)}
            conn.send(len(answered))
        else:
            replied = {c.activity_id for c in teams.calls_of("reply", ok=True)
                       if c.activity_id.startswith(prefix)}
            conn.send(len(replied))
    slack.stop()
    teams.stop()


# --- inside the server processes ----------------------------------------------------------


def _local_bot_framework() -> Any:
    """Points botbuilder at the fake's OpenID metadata (as the tests do); the sign-in factory."""

    from types import SimpleNamespace

    from botframework.connector.auth import AuthenticationConstants, ChannelValidation

    from tests.fakes.bf_connector import FakeSignIn

    openid = os.environ["BENCH_BF_OPENID_URL"]
    ChannelValidation.open_id_metadata_endpoint = openid
    AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = openid
    # FakeSignIn reads these four from the fake; the fake itself runs in another process.
    where = SimpleNamespace(app_id=os.environ["MICROSOFT_APP_ID"],
                            password=os.environ["MICROSOFT_APP_PASSWORD"],
                            tenant_id=os.environ["MICROSOFT_APP_TENANT_ID"],
                            token_url=os.environ["BENCH_BF_TOKEN_URL"])
    return lambda *_args, **_kwargs: FakeSignIn(where)  # type: ignore[arg-type]


def serve_real() -> int:
    """`samverkan serve`, with the Bot Framework's cloud addresses local (see the docstring)."""

    import bot.teams.server
    from bot.cli import main

    # MSAL's factory, looked up by `build_adapter` when it runs: the fake's sign-in instead.
    bot.teams.server.ConfigurationServiceClientCredentialFactory = (  # type: ignore[attr-defined]
        _local_bot_framework()
    )
    return main(["serve"])


def serve_floor() -> int:
    """The floor: aiohttp + bare Bolt that only acknowledges; bare botbuilder for Teams."""

    import logging

    from aiohttp import web

    app = web.Application()

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/healthz", healthz)
    if os.environ.get("SLACK_BOT_TOKEN"):
        from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
        from slack_bolt.async_app import AsyncApp
        from slack_sdk.web.async_client import AsyncWebClient

        logger = logging.getLogger("bench.floor.bolt")
        logger.setLevel(logging.WARNING)
        client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"],
                                base_url=os.environ["SLACK_API_URL"])
        bolt = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"],
                        process_before_response=False, logger=logger)

        @bolt.command("/samverkan")
        async def only_ack(ack: Any) -> None:
            await ack()

        async def events(request: web.Request) -> web.Response:
            response = await bolt.async_dispatch(await to_bolt_request(request))
            return await to_aiohttp_response(response)

        app.router.add_post("/slack/events", events)
    if os.environ.get("MICROSOFT_APP_ID"):
        _attach_teams_floor(app)
    web.run_app(app, host=LOOPBACK, port=int(os.environ["PORT"]), print=None, access_log=None)
    return 0


def _attach_teams_floor(app: Any) -> None:
    from aiohttp import web
    from botbuilder.core import ActivityHandler, TurnContext
    from botbuilder.integration.aiohttp import (
        CloudAdapter,
        ConfigurationBotFrameworkAuthentication,
    )

    sign_in = _local_bot_framework()(None)
    kept: dict[tuple[str, str], Any] = {}
    create = sign_in.create_credentials

    async def create_kept(app_id: str, oauth_scope: str, login_endpoint: str,
                          validate_authority: bool) -> Any:
        # One token for all turns, as the real door's CachedCredentials keeps it: otherwise
        # the floor would fetch a token per turn and be slower than the server it floors.
        if (app_id, oauth_scope) not in kept:
            kept[(app_id, oauth_scope)] = await create(app_id, oauth_scope, login_endpoint,
                                                       validate_authority)
        return kept[(app_id, oauth_scope)]

    sign_in.create_credentials = create_kept

    class Config:
        APP_ID = os.environ["MICROSOFT_APP_ID"]
        APP_PASSWORD = os.environ["MICROSOFT_APP_PASSWORD"]
        APP_TYPE = "SingleTenant"
        APP_TENANTID = os.environ["MICROSOFT_APP_TENANT_ID"]

    adapter = CloudAdapter(
        ConfigurationBotFrameworkAuthentication(Config(), credentials_factory=sign_in)
    )

    class Answers(ActivityHandler):  # type: ignore[misc]
        async def on_message_activity(self, turn_context: TurnContext) -> None:
            await turn_context.send_activity("ok")

        async def on_turn(self, turn_context: TurnContext) -> None:
            try:
                await super().on_turn(turn_context)
            finally:
                # botbuilder leaves each turn's HTTP session open; a long-running bot closes it.
                client = turn_context.turn_state.get(adapter.BOT_CONNECTOR_CLIENT_KEY)
                if client is not None:
                    await client.__aexit__(None, None, None)

    bot = Answers()

    async def messages(request: web.Request) -> web.Response:
        response: web.Response = await adapter.process(request, bot)
        return response

    app.router.add_post("/api/messages", messages)


# --- starting and watching a server ---------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def rss_mb(pid: int) -> float | None:
    """VmRSS of the process, in MiB; None once it is gone."""

    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def hwm_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""

    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    label: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    idle_mb: float = 0.0

    @classmethod
    def start(cls, label: str, command: list[str], env: dict[str, str], cwd: Path) -> Server:
        port = free_port()
        log_path = cwd / f"{label}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, cwd=cwd, env={**env, "PORT": str(port)},
                                       stdout=log, stderr=subprocess.STDOUT)
        server = cls(label, process, port, log_path)
        server.wait_ready()
        time.sleep(SETTLE)
        server.idle_mb = rss_mb(process.pid) or 0.0
        return server

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log_path.read_text("utf-8", errors="replace").splitlines()[-20:]
                raise SystemExit(f"{self.label} server exited early "
                                 f"({self.process.returncode}):\n" + "\n".join(tail))
            try:
                with urllib.request.urlopen(f"http://{LOOPBACK}:{self.port}/healthz",
                                            timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.process.kill()
        self.process.wait(timeout=10)
        raise SystemExit(f"{self.label} server did not answer /healthz within 60 s")

    def stop(self) -> tuple[int, Counter[str]]:
        """SIGTERM; the exit code and a tally of the log: tracebacks, and warnings and errors
        by logger and message (the bot's log messages are fixed texts; ids and values go in
        fields, which the text format does not print)."""

        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        tally: Counter[str] = Counter()
        for line in self.log_path.read_text("utf-8", errors="replace").splitlines():
            if line.startswith("Traceback"):
                tally["Traceback"] += 1
            # "<date> <time> LEVEL logger: message", as bot.logs writes it.
            parts = line.split(" ", 3)
            if len(parts) == 4 and parts[2] in ("WARNING", "ERROR"):
                tally[parts[2]] += 1
                tally[f"{parts[2]} {parts[3].split(' (', 1)[0][:90]}"] += 1
        return self.process.returncode, tally


def base_env() -> dict[str, str]:
    """The environment without any of the bot's settings (no stray token or database)."""

    from bot.settings import Settings

    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env.pop("PYTHONPATH", None)
    return env
