"""The bot's one web server (aiohttp): health, and the routes the platform doors add."""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
import socket
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from app.feed import feed_for_token
from app.i18n import Translator, translator
from bot.doors import DOORS
from bot.messengers import reminder_service
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.signed_files import EXPORT_PATH, EXTRACT_PATH, export_route, extract_route
from scheduler.disposal import dispose_daily
from scheduler.housekeeping import forget_old_deliveries
from scheduler.runner import Ticker
from storage.db import SERVING, is_current

# Fewer, not longer, collections while serving: a full collection stops every thread for
# 30-80 ms with this heap (measured under the latency bench); the defaults (700, 10, 10) ran
# one every few seconds under load, and each was a slow chat acknowledgement.
GC_THRESHOLDS = (5_000, 20, 20)
log = logging.getLogger(__name__)

RUNTIME = web.AppKey("runtime", Runtime)
TICKER = web.AppKey("ticker", Ticker)
# Readiness is checked on threads of its own: when the database is locked, chat commands may
# fill the shared pool, each waiting out its lock timeout, and /readyz must not queue behind
# them (it answers within the patience's lock timeout, about a second; see storage.db).
READINESS = web.AppKey("readiness", ThreadPoolExecutor)


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready to serve: the database answers, its migrations are current, platforms configured."""

    runtime = request.app[RUNTIME]
    settings = runtime.settings

    def check() -> tuple[bool, bool]:
        try:
            return True, is_current(runtime.engine)
        except SQLAlchemyError:
            return False, False

    reachable, current = await asyncio.get_running_loop().run_in_executor(
        request.app[READINESS], check
    )
    platforms = {door.name: door.configured(settings) for door in DOORS}
    ready = reachable and current
    body = {
        "status": "ready" if ready else "not ready",
        "database": "ok" if reachable else "unreachable",
        "migrations": "current" if current else "pending",
        "platforms": platforms,
    }
    return web.json_response(body, status=200 if ready else 503)


async def calendar_feed(request: web.Request) -> web.Response:
    """A group's iCalendar feed; the token in the path is the only credential (revocable)."""

    runtime = request.app[RUNTIME]
    token = request.match_info["token"]
    language = runtime.settings.default_language

    def build() -> bytes | None:
        with runtime.stores() as store:
            return feed_for_token(store, token, translator(language), runtime.stores.clock())

    body = await asyncio.to_thread(build)
    if body is None:
        raise web.HTTPNotFound()
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Cache-Control": "private, max-age=300"},
    )


def create_app(
    runtime: Runtime,
    *,
    with_scheduler: bool = True,
    dev: bool = False,
    door_options: Mapping[str, Mapping[str, Any]] | None = None,
) -> web.Application:
    """The web app; `dev` serves Teams without an app id (no authentication: loopback only,
    see `serve`); `door_options` are each door's own, by name (local tests: Teams' sign-in)."""

    app = web.Application()
    app[RUNTIME] = runtime
    app[READINESS] = ThreadPoolExecutor(2, thread_name_prefix="readyz")

    async def stop_readiness(_app: web.Application) -> None:
        app[READINESS].shutdown(wait=False)

    app.on_cleanup.append(stop_readiness)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get(r"/kalender/{token:[A-Za-z0-9_-]{16,64}}.ics", calendar_feed)
    app.router.add_get(EXPORT_PATH, export_route(runtime))
    app.router.add_get(EXTRACT_PATH, extract_route(runtime))
    for door in DOORS:
        door.attach(app, runtime, dev, door_options.get(door.name, {}) if door_options else {})
    if with_scheduler:
        reminders = reminder_service(runtime)
        ticker = Ticker(
            [
                reminders.run_once,
                partial(forget_old_deliveries, runtime.stores, runtime.stores.clock),
                # Disposal rules (gallring): at most once a day across instances.
                partial(dispose_daily, runtime.stores, runtime.stores.clock),
            ],
            runtime.settings.scheduler_tick_seconds,
        )
        app[TICKER] = ticker

        async def start_ticker(_app: web.Application) -> None:
            ticker.start()

        async def stop_ticker(_app: web.Application) -> None:
            ticker.shutdown()

        app.on_startup.append(start_ticker)
        app.on_cleanup.append(stop_ticker)
    return app


LOOPBACK = "127.0.0.1"


def serve(
    settings: Settings, *, host: str | None = None, port: int | None = None, dev: bool = False,
    language: str | None = None,
) -> int:
    """Runs the server. `dev`: local development, bound to 127.0.0.1 whatever HOST or --host
    say, and Teams served without authentication when MICROSOFT_APP_ID is empty. `language`:
    of what it prints (default DEFAULT_LANGUAGE). 2 when it cannot listen (one line says why).
    """

    t = translator(language or settings.default_language)
    bind_host = host or settings.host
    bind_port = port or settings.port
    if dev and bind_host != LOOPBACK:
        log.warning("development mode binds to loopback only",
                    extra={"asked": bind_host, "host": LOOPBACK})
        bind_host = LOOPBACK
    # Bound first: a busy port is one line and exit 2, before migrations or the scheduler run.
    try:
        sockets = bind(bind_host, bind_port)
    except OSError as error:
        print(bind_problem(error, bind_host, bind_port, t), file=sys.stderr)
        return 2
    try:
        if dev:
            print(t("teams.dev_banner", host=bind_host, port=bind_port), flush=True)
            log.warning("DEVELOPMENT MODE: loopback only; Teams without authentication when "
                        "MICROSOFT_APP_ID is empty")
        runtime = build_runtime(settings, patience=SERVING)
        app = create_app(runtime, dev=dev)
        # What start-up made (modules, the app, the catalogs) lives as long as the process:
        # out of the collector's sight, so that a full collection under load does not walk it.
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        log.info("serving", extra={"host": bind_host, "port": bind_port})
        try:
            web.run_app(app, sock=sockets, print=None, loop=asyncio.new_event_loop())
        finally:
            runtime.close()
    finally:
        for sock in sockets:
            sock.close()
    return 0


def bind(host: str, port: int) -> list[socket.socket]:
    """Listening sockets on every address `host` resolves to, bound as asyncio's
    `create_server(host=..., port=...)` binds them (SO_REUSEADDR; IPv6 sockets IPv6 only)."""

    sockets: list[socket.socket] = []
    seen: set[tuple[int, Any]] = set()
    try:
        for family, kind, proto, _name, address in socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        ):
            if (family, address) in seen:
                continue
            seen.add((family, address))
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def bind_problem(error: OSError, host: str, port: int, t: Translator) -> str:
    """The one line that says why the server cannot listen (the catalog's, no traceback)."""

    if error.errno == errno.EADDRINUSE:
        return t("serve.port_in_use", host=host, port=port)
    if error.errno == errno.EACCES:
        return t("serve.port_denied", host=host, port=port)
    return t("serve.address_unavailable", host=host)
