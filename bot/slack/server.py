"""Wires the Slack door into the bot's one aiohttp server: HTTP events, or Socket Mode."""

from __future__ import annotations

import logging
import time

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack.app import build_app
from bot.slack.gate import Rejected, bolt_request, screen
from bot.slack.messenger import SlackMessenger

log = logging.getLogger(__name__)

SLACK_APP = web.AppKey("slack_app", AsyncApp)




def slack_messenger(settings: Settings) -> SlackMessenger:
    assert settings.slack_bot_token is not None
    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url or WebClient.BASE_URL,
        timeout=15,
    )
    return SlackMessenger(client)


def attach_slack(app: web.Application, runtime: Runtime) -> None:
    settings = runtime.settings
    assert settings.slack_bot_token is not None and settings.slack_signing_secret is not None
    bolt, _door = build_app(
        runtime.dispatcher,
        token=settings.slack_bot_token.get_secret_value(),
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        api_url=settings.slack_api_url,
        default_language=settings.default_language,
        public_base_url=settings.public_base_url,
        team_ids=settings.slack_team_ids,
    )
    app[SLACK_APP] = bolt
    if settings.slack_app_token is not None:
        _attach_socket_mode(app, bolt, settings.slack_app_token.get_secret_value())
        log.info("slack connected over socket mode")
        return

    verifier = SignatureVerifier(settings.slack_signing_secret.get_secret_value())

    async def events(request: web.Request) -> web.Response:
        screened = screen(await request.read(), request.headers, verifier, time.time())
        if isinstance(screened, Rejected):
            log.info("slack request refused",
                     extra={"reason": screened.reason, "status": screened.status})
            return web.Response(status=screened.status)
        bolt_req = bolt_request(screened, request.query_string, request.headers)
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_req))

    app.router.add_post("/slack/events", events)
    log.info("slack served over http at /slack/events")


def _attach_socket_mode(app: web.Application, bolt: AsyncApp, app_token: str) -> None:
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    handlers: list[AsyncSocketModeHandler] = []

    async def connect(_app: web.Application) -> None:
        # Made here, on the running loop: its aiohttp session needs one, and `create_app`
        # runs before `web.run_app` starts the loop (made in `attach_slack`, `samverkan
        # serve` failed with "no running event loop" in Socket Mode).
        handler = AsyncSocketModeHandler(bolt, app_token, web_client=bolt.client)
        handlers.append(handler)
        await handler.connect_async()  # type: ignore[no-untyped-call]

    async def close(_app: web.Application) -> None:
        while handlers:
            await handlers.pop().close_async()  # type: ignore[no-untyped-call]

    app.on_startup.append(connect)
    app.on_cleanup.append(close)
