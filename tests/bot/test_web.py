"""The web server: `/healthz` in-process on an ephemeral loopback port, and `samverkan serve`
for real, stopped with SIGTERM. Everything binds to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from app.i18n import translator
from bot.runtime import build_runtime
from bot.settings import Settings
from bot.web import create_app

LOOPBACK = "127.0.0.1"
STARTUP_LIMIT = 15.0
SECRET = "xoxb-web-test-5555-never-print-me"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/web.db")  # type: ignore[call-arg]


@pytest.mark.parametrize("with_scheduler", [True, False])
def test_healthz_answers_ok(settings: Settings, with_scheduler: bool) -> None:
    runtime = build_runtime(settings)

    async def scenario() -> tuple[int, object, str | None]:
        app = create_app(runtime, with_scheduler=with_scheduler)
        server = TestServer(app, host=LOOPBACK, port=0)
        async with TestClient(server) as client:
            assert server.host == LOOPBACK and server.port
            response = await client.get("/healthz")
            return response.status, await response.json(), response.content_type

    try:
        status, body, content_type = asyncio.run(scenario())
    finally:
        runtime.close()
    assert status == 200
    assert body == {"status": "ok"}
    assert content_type == "application/json"


def test_unknown_paths_are_404(settings: Settings) -> None:
    runtime = build_runtime(settings)

    async def scenario() -> int:
        async with TestClient(TestServer(create_app(runtime, with_scheduler=False),
                                         host=LOOPBACK, port=0)) as client:
            return (await client.get("/nothing-here")).status

    try:
        assert asyncio.run(scenario()) == 404
    finally:
        runtime.close()


# --- `samverkan serve`, for real --------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def samverkan_script() -> Path:
    script = Path(sys.executable).parent / "samverkan"
    assert script.exists(), f"{script} is missing: install the project (pip install -e .)"
    return script


def healthz(port: int) -> tuple[int, dict[str, str]] | None:
    try:
        with urllib.request.urlopen(f"http://{LOOPBACK}:{port}/healthz", timeout=1) as answer:
            return answer.status, json.loads(answer.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[object]:
    started: list[subprocess.Popen[str]] = []

    def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        base = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
        base.update({
            "DATABASE_URL": f"sqlite:///{tmp_path}/serve.db",
            "HOST": LOOPBACK,
            "LOG_LEVEL": "DEBUG",
            "SLACK_BOT_TOKEN": SECRET,
        })
        base.update(env or {})
        process = subprocess.Popen(
            [str(samverkan_script()), "serve", *args], cwd=tmp_path, env=base, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


def wait_healthy(process: subprocess.Popen[str], port: int) -> tuple[int, dict[str, str]]:
    deadline = time.monotonic() + STARTUP_LIMIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"serve exited early with {process.returncode}:\n{out}\n{err}")
        answer = healthz(port)
        if answer is not None:
            return answer
        time.sleep(0.1)
    pytest.fail(f"/healthz did not answer on port {port} within {STARTUP_LIMIT} s")


def stop(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=10)
    return process.returncode, out, err


def test_serve_answers_healthz_and_stops_cleanly_on_sigterm(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    previous = os.umask(0o022)  # the common umask, which leaves files readable by everyone
    try:
        process = serve("--port", str(port))
    finally:
        os.umask(previous)
    assert wait_healthy(process, port) == (200, {"status": "ok"})
    with urllib.request.urlopen(f"http://{LOOPBACK}:{port}/readyz", timeout=10) as ready:
        assert ready.status == 200  # the server has the database open now
    # The database it made (migrated on start), with its -wal and -shm: the owner's only.
    made = [tmp_path / name for name in ("serve.db", "serve.db-wal", "serve.db-shm")]
    assert [stat.S_IMODE(path.stat().st_mode) for path in made] == [0o600] * 3
    code, out, err = stop(process)
    assert code == 0, err
    assert "Traceback" not in err
    assert SECRET not in out + err


def test_serve_honours_the_port_environment_variable(serve) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    process = serve(env={"PORT": str(port)})
    assert wait_healthy(process, port) == (200, {"status": "ok"})
    code, _, err = stop(process)
    assert code == 0, err


@pytest.mark.parametrize("language", ["sv", "en"])
def test_serve_on_a_port_in_use_says_so_in_one_line_and_exits_2(
    serve, tmp_path: Path, language: str  # type: ignore[no-untyped-def]
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind((LOOPBACK, 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        process = serve("--port", str(port), "--lang", language)
        out, err = process.communicate(timeout=STARTUP_LIMIT * 2)
    assert process.returncode == 2
    # One line from the catalog, in the language asked for; no traceback, no log lines.
    assert err.splitlines() == [translator(language)("serve.port_in_use", host=LOOPBACK,
                                                       port=port)]
    assert out == ""
    assert not (tmp_path / "serve.db").exists()  # refused before migrations or the scheduler


def test_readyz_reports_database_migrations_and_platforms(tmp_path: Path) -> None:
    import asyncio

    from aiohttp.test_utils import TestClient, TestServer

    from bot.runtime import build_runtime
    from bot.settings import Settings
    from bot.web import create_app

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'ready.db'}")

    async def scenario(migrate: bool) -> tuple[int, dict[str, object]]:
        runtime = build_runtime(settings, migrate=migrate)
        client = TestClient(TestServer(create_app(runtime, with_scheduler=False), host="127.0.0.1"))
        await client.start_server()
        try:
            response = await client.get("/readyz")
            return response.status, await response.json()
        finally:
            await client.close()
            runtime.close()

    status, body = asyncio.run(scenario(migrate=False))
    assert status == 503 and body["migrations"] == "pending"
    status, body = asyncio.run(scenario(migrate=True))
    assert status == 200 and body["database"] == "ok" and body["migrations"] == "current"
    assert body["platforms"] == {"slack": False, "teams": False}
