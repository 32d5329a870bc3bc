"""Local fakes of the platforms' services, served for real on loopback ephemeral ports."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from aiohttp import web

LOOPBACK = "127.0.0.1"
T = TypeVar("T")


class ServerThread:
    """An aiohttp application on an ephemeral loopback port, served by an event loop in a thread
    of its own: so that blocking clients and asynchronous ones can all reach it from anywhere."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    def start(self, make_app: Callable[[], web.Application]) -> int:
        """Serves the application `make_app` builds (on the server's loop); returns the port."""

        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=self.name, daemon=True)
        self._thread.start()
        return self.run(self._serve(make_app), timeout=10)

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float) -> T:
        """Runs `coroutine` on the server's loop, from any other thread; waits for its result."""

        if self.loop is None:
            coroutine.close()
            raise AssertionError(f"{self.name} is not running")
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=timeout)

    def stop(self) -> None:
        loop = self.loop
        if loop is None:
            return
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        loop.close()
        self.loop = None

    async def _serve(self, make_app: Callable[[], web.Application]) -> int:
        # No access log: the fake's lines would mix with the bot's in the log assertions.
        self._runner = web.AppRunner(make_app(), access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((LOOPBACK, 0))
        await web.SockSite(self._runner, sock).start()
        return int(sock.getsockname()[1])


class Waiting:
    """Polling for what a fake has received: the fakes say in `_describe` what they have seen."""

    def _describe(self) -> str:
        raise NotImplementedError

    def wait_until(self, predicate: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
        """Polls (blocking) until `predicate` holds; fails the test after `timeout` seconds."""

        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; {self._describe()}")
            time.sleep(0.02)

    async def until(self, predicate: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
        """Polls (without blocking the caller's loop) until `predicate` holds."""

        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; {self._describe()}")
            await asyncio.sleep(0.02)


class VirtualTime:
    """`monotonic` and `sleep` for pacing code and the fakes' rate limits: no real waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
