"""`samverkan serve` as a process, answering Slack."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from bot.settings import Settings
from domain.config import Config
from storage.db import create_db_engine, upgrade
from storage.sync import sync_config
from tests.bot.slack.support import (
    ACK_LIMIT,
    APP_TOKEN,
    ARBETS,
    BOT_TOKEN,
    FORM,
    LEGACY_TOKEN,
    LINNEA,
    LOOPBACK,
    SIGNING_SECRET,
    command_body,
    signed,
    texts,
)
from tests.fakes.slack_api import APP_ID, TEAM_ID, FakeSlackApi

# --- `samverkan serve`, for real ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def serve(tmp_path: Path, fake: FakeSlackApi, example_config: Config
          ) -> Iterator[Callable[..., tuple[subprocess.Popen[str], int]]]:
    """`samverkan serve` as a subprocess, on a free loopback port, its Slack API the fake."""

    database_url = f"sqlite:///{tmp_path}/serve.db"
    engine = create_db_engine(database_url)
    upgrade(engine)
    with Session(engine) as session:
        sync_config(session, example_config)
        session.commit()
    engine.dispose()
    started: list[subprocess.Popen[str]] = []

    def start(**env: str) -> tuple[subprocess.Popen[str], int]:
        port = free_port()
        base = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
        base.update({
            "DATABASE_URL": database_url, "HOST": LOOPBACK, "PORT": str(port),
            "LOG_LEVEL": "INFO", "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.base_url, **env,
        })
        script = Path(sys.executable).parent / "samverkan"
        process = subprocess.Popen([str(script), "serve"], cwd=tmp_path, env=base, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        started.append(process)
        return process, port

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


def http(port: int, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(f"http://{LOOPBACK}:{port}{path}", data=body,
                                     headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_serving(process: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"serve exited early with {process.returncode}:\n{out}\n{err}")
        try:
            if http(port, "/healthz")[0] == 200:
                return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    pytest.fail("samverkan serve did not start")


def stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=15)
    return process.returncode, out + err


def assert_clean_output(output: str) -> None:
    assert "Traceback" not in output
    for secret in (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, LEGACY_TOKEN, "Linnéa", "trigger."):
        assert secret not in output


def test_samverkan_serve_answers_slack_over_http(
    serve: Callable[..., tuple[subprocess.Popen[str], int]], fake: FakeSlackApi
) -> None:
    process, port = serve()
    wait_serving(process, port)
    body = command_body(fake, LINNEA, "hjälp", ARBETS, "served")
    headers = {"Content-Type": FORM, **signed(body)}
    start = time.monotonic()
    status, text = http(port, "/slack/events", body.encode(), headers)
    assert (status, text) == (200, "") and time.monotonic() - start < ACK_LIMIT
    fake.wait_until(lambda: bool(fake.responses("served")), "the answer")
    assert "rapportera" in texts(fake.responses("served")[0].body["blocks"])
    forged = http(port, "/slack/events", body.encode(), {"Content-Type": FORM})
    assert forged[0] == 401
    code, output = stop(process)
    assert code == 0, output
    assert_clean_output(output)


def test_samverkan_serve_connects_over_socket_mode_without_a_public_route(
    serve: Callable[..., tuple[subprocess.Popen[str], int]], fake: FakeSlackApi
) -> None:
    process, port = serve(SLACK_APP_TOKEN=APP_TOKEN)
    wait_serving(process, port)
    fake.wait_until(lambda: fake.socket_connections >= 1, "the socket", timeout=15)
    assert http(port, "/slack/events", b"{}", {"Content-Type": "application/json"})[0] == 404
    payload = {
        "team_id": TEAM_ID, "channel_id": ARBETS, "user_id": LINNEA, "command": "/samverkan",
        "text": "möten", "api_app_id": APP_ID, "response_url": fake.response_url("sock"),
        "trigger_id": "trigger.sock",
    }
    fake.send_envelope({"envelope_id": "env-serve", "type": "slash_commands",
                        "accepts_response_payload": True, "payload": payload})
    fake.wait_until(
        lambda: any(m.get("envelope_id") == "env-serve" for m in fake.socket_received),
        "the acknowledgement", timeout=ACK_LIMIT,
    )
    fake.wait_until(lambda: bool(fake.responses("sock")), "the answer")
    assert "Länsgemensam arbetsgrupp" in texts(fake.responses("sock")[0].body["blocks"])
    code, output = stop(process)
    assert code == 0, output
    assert_clean_output(output)


