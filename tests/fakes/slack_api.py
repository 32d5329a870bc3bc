"""A local fake of the Slack Web API: a real aiohttp server on 127.0.0.1, on an ephemeral port.

It answers the methods the bot uses the way Slack does (HTTP 200 with `{"ok": false, "error":
...}` for API errors, 429 with `Retry-After` when rate limited), checks the token in the
`Authorization` header, and records every call with its parsed body, so that a test can count
calls per method and read what the bot sent. Besides `/api/<method>` it serves:

- `/respond/<id>`: a `response_url`, recording what the bot answers there;
- `/upload/<file_id>`: the upload URL of `files.getUploadURLExternal`;
- `/socket`: a Socket Mode websocket (`apps.connections.open` hands out its `ws://` URL), on
  which a test pushes envelopes with `send_envelope` and reads the bot's acknowledgements.

The server runs its own event loop in a thread, so a blocking client (the reminders' sync
`WebClient`) and an asynchronous one (Bolt's) can both talk to it from anywhere. Every public
method is thread-safe. Slack's limits that would make Slack refuse a message (50 blocks a
message, 100 a view, 3000 characters a section, 24 a modal title, ...) are checked too: a
payload Slack would refuse gets `invalid_blocks` here as well.

A `trigger_id` opens one modal (`views.open`), once: used again it gets `trigger_exchanged`.

What it can be told to do:
- `seed_user(user_id, email)`: `users.info` then returns that e-mail (otherwise
  `user_not_found`);
- `fail_next(method, times=, status=, error=, retry_after=, channel=)`: answer the next calls
  with an error: 429 (with `Retry-After`), 500 (transient) or 200 with `ok: false`;
- `limit_channels(interval, retry_after)`: answer `chat.postMessage` with 429 when a channel
  gets more than one message per `interval` seconds of the fake's `clock` (which a test may
  replace by a virtual clock shared with the code under test);
- `hold(method)`: keep the next call to `method` waiting, unanswered, until `release()` (a
  Slack that has the request and has not answered yet); the returned event is set once that
  call has arrived.

`received` lists every request as it arrived, before any delay, hold or answer: what reached
Slack, whatever became of it (`calls` has only the calls the fake answered).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes import LOOPBACK, ServerThread, Waiting

BOT_TOKEN = "xoxb-test"
TEAM_ID = "T0SAMVERK"
BOT_USER_ID = "U0BOT0001"
APP_ID = "A0SAMVERK"
# Fields that form-encoded clients send as JSON text.
JSON_FIELDS = ("blocks", "attachments", "view", "metadata", "files")
MESSAGE_METHODS = ("chat.postMessage", "chat.postEphemeral")


@dataclass(frozen=True)
class ApiCall:
    """One call to `/api/<method>`, as the fake understood and answered it."""

    method: str
    body: dict[str, Any]
    token: str | None
    status: int
    response: dict[str, Any]
    # The fake's clock when it answered.
    at: float

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        error = self.response.get("error")
        return str(error) if error else None


@dataclass(frozen=True)
class Responded:
    """What arrived at a `response_url`."""

    id: str
    body: dict[str, Any]


@dataclass
class _Failure:
    method: str
    status: int
    error: str
    retry_after: float | None
    channel: str | None
    remaining: int


class FakeSlackApi(Waiting):
    def __init__(
        self,
        *,
        bot_token: str = BOT_TOKEN,
        app_token: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.clock = clock
        self.port = 0
        self.calls: list[ApiCall] = []
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.responded: list[Responded] = []
        self.uploads: dict[str, bytes] = {}
        self.socket_received: list[dict[str, Any]] = []
        self.socket_connections = 0
        self._emails: dict[str, str] = {}
        self._failures: list[_Failure] = []
        self._channel_interval: float | None = None
        self._channel_retry_after = 1.0
        self._last_post: dict[str, float] = {}
        self._delays: dict[str, float] = {}
        self._holds: dict[str, threading.Event] = {}
        self._released: asyncio.Event | None = None
        self._ids = itertools.count(1)
        self._triggers: set[str] = set()
        self._lock = threading.Lock()
        self._sockets: set[web.WebSocketResponse] = set()
        self._server = ServerThread("fake-slack-api")

    # -- addresses ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What `WebClient(base_url=...)` and `SLACK_API_URL` take."""

        return f"http://{LOOPBACK}:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://{LOOPBACK}:{self.port}/respond/{name}"

    # -- what the test tells it --------------------------------------------------------------

    def seed_user(self, user_id: str, email: str) -> None:
        with self._lock:
            self._emails[user_id] = email

    def fail_next(
        self,
        method: str,
        *,
        times: int = 1,
        status: int = 500,
        error: str | None = None,
        retry_after: float | None = None,
        channel: str | None = None,
    ) -> None:
        """The next `times` calls of `method` (to `channel`, if given) fail as told."""

        if status == 429 and retry_after is None:
            retry_after = 1
        default = {429: "ratelimited", 500: "internal_error"}.get(status, "fatal_error")
        with self._lock:
            self._failures.append(
                _Failure(method, status, error or default, retry_after, channel, times)
            )

    def limit_channels(self, interval: float = 1.0, retry_after: float = 1.0) -> None:
        """At most one `chat.postMessage` per channel per `interval` seconds of `clock`."""

        with self._lock:
            self._channel_interval = interval
            self._channel_retry_after = retry_after

    def delay(self, method: str, seconds: float) -> None:
        """Answer `method` only after `seconds` (a slow Slack; the fake's loop is not blocked)."""

        with self._lock:
            self._delays[method] = seconds

    def hold(self, method: str) -> threading.Event:
        """Keeps the next call to `method` unanswered until `release()`; the event is set once
        it has arrived (and is held)."""

        arrived = threading.Event()
        with self._lock:
            self._holds[method] = arrived
        return arrived

    def release(self) -> None:
        """Lets every held call go on (and be answered, if its client still listens)."""

        async def release() -> None:
            if self._released is not None:
                self._released.set()

        self._server.run(release(), timeout=5)

    def received_calls(self, method: str) -> list[dict[str, Any]]:
        """The bodies of every request to `method` that arrived, answered or not."""

        with self._lock:
            return [body for name, body in self.received if name == method]

    def reset(self) -> None:
        """Forget the calls recorded so far (what it was told stays)."""

        with self._lock:
            self.calls.clear()
            self.received.clear()
            self.responded.clear()
            self.socket_received.clear()

    # -- what the test reads -----------------------------------------------------------------

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[ApiCall]:
        with self._lock:
            calls = [c for c in self.calls if c.method == method]
        return [c for c in calls if ok is None or c.ok == ok]

    def count(self, method: str, *, ok: bool | None = None) -> int:
        return len(self.calls_to(method, ok=ok))

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(c.method for c in self.calls)

    def posted(self, channel: str | None = None) -> list[ApiCall]:
        """Messages Slack accepted with `chat.postMessage` (to `channel`, if given)."""

        return [
            c for c in self.calls_to("chat.postMessage", ok=True)
            if channel is None or c.body.get("channel") == channel
        ]

    def responses(self, name: str | None = None) -> list[Responded]:
        with self._lock:
            return [r for r in self.responded if name is None or r.id == name]

    def _describe(self) -> str:
        return f"calls so far: {dict(self.counts())}, response_url posts: {len(self.responses())}"

    # -- Socket Mode -------------------------------------------------------------------------

    def send_envelope(self, envelope: dict[str, Any]) -> None:
        """Pushes one Socket Mode envelope to every connected socket."""

        async def broadcast() -> int:
            for ws in list(self._sockets):
                await ws.send_json(envelope)
            return len(self._sockets)

        sent = self._server.run(broadcast(), timeout=5)
        if not sent:
            raise AssertionError("no Socket Mode connection to send the envelope to")

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeSlackApi:
        self.port = self._server.start(self._app)
        return self

    def stop(self) -> None:
        self._server.stop()

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        app.on_shutdown.append(self._close_sockets)
        return app

    # -- the Web API -------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await _parse_body(request)
        token = _bearer(request) or body.pop("token", None)
        with self._lock:
            self.received.append((method, body))
            delay = self._delays.get(method, 0.0)
            held = self._holds.pop(method, None)
        if delay:
            await asyncio.sleep(delay)
        if held is not None:
            if self._released is None:
                self._released = asyncio.Event()
            released = self._released
            held.set()
            await released.wait()
        status, answer, headers = self._answer(method, body, token)
        return web.json_response(answer, status=status, headers=headers)

    def _answer(
        self, method: str, body: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            now = self.clock()
            status, answer, headers = self._decide(method, body, token, now)
            self.calls.append(ApiCall(method, body, token, status, answer, now))
        return status, answer, headers

    def _decide(
        self, method: str, body: dict[str, Any], token: str | None, now: float
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if token != expected:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        channel = body.get("channel")
        for failure in self._failures:
            if failure.method == method and failure.remaining > 0 and (
                failure.channel is None or failure.channel == channel
            ):
                failure.remaining -= 1
                headers = {}
                if failure.retry_after is not None:
                    headers["Retry-After"] = str(int(failure.retry_after))
                return failure.status, {"ok": False, "error": failure.error}, headers
        if method == "chat.postMessage" and self._channel_interval is not None and channel:
            last = self._last_post.get(str(channel))
            if last is not None and now - last < self._channel_interval - 1e-9:
                retry = {"Retry-After": str(int(self._channel_retry_after))}
                return 429, {"ok": False, "error": "ratelimited"}, retry
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        answer: dict[str, Any] = handler(body)
        if method == "chat.postMessage" and answer.get("ok"):
            self._last_post[str(channel)] = now
        return 200, answer, {}

    def _next(self) -> int:
        return next(self._ids)

    def _ts(self) -> str:
        n = self._next()
        return f"{1780000000 + n}.{n:06d}"

    def _m_auth_test(self, _body: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True, "url": "https://samverkan-test.slack.com/", "team": "Samverkan test",
            "user": "samverkansboten", "team_id": TEAM_ID, "user_id": BOT_USER_ID,
            "bot_id": "B0BOT0001", "is_enterprise_install": False,
        }

    def _message_problem(self, body: dict[str, Any]) -> str | None:
        if not body.get("channel"):
            return "channel_not_found"
        blocks = body.get("blocks")
        if not body.get("text") and not blocks:
            return "no_text"
        if blocks is not None and block_problems(blocks, 50):
            return "invalid_blocks"
        return None

    def _m_chat_postMessage(self, body: dict[str, Any]) -> dict[str, Any]:
        problem = self._message_problem(body)
        if problem:
            return {"ok": False, "error": problem}
        ts = self._ts()
        message = {"type": "message", "user": BOT_USER_ID, "ts": ts, "text": body.get("text", "")}
        return {"ok": True, "channel": body["channel"], "ts": ts, "message": message}

    def _m_chat_postEphemeral(self, body: dict[str, Any]) -> dict[str, Any]:
        problem = self._message_problem(body)
        if problem:
            return {"ok": False, "error": problem}
        if not body.get("user"):
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "message_ts": self._ts()}

    def _m_conversations_open(self, body: dict[str, Any]) -> dict[str, Any]:
        users = str(body.get("users") or "")
        if not users or "," in users:
            return {"ok": False, "error": "users_list_not_supplied"}
        return {"ok": True, "channel": {"id": "D" + users[1:]}}

    def _m_users_info(self, body: dict[str, Any]) -> dict[str, Any]:
        user_id = str(body.get("user") or "")
        email = self._emails.get(user_id)
        if email is None:
            return {"ok": False, "error": "user_not_found"}
        return {
            "ok": True,
            "user": {"id": user_id, "team_id": TEAM_ID, "name": user_id.lower(),
                     "profile": {"email": email}},
        }

    def _view_answer(self, view: Any, kind: str) -> dict[str, Any]:
        if not isinstance(view, dict) or view_problems(view, kind):
            return {"ok": False, "error": "invalid_arguments"}
        n = self._next()
        opened = {**view, "id": f"V{n:08d}", "hash": f"{1780000000 + n}.hash{n}",
                  "team_id": TEAM_ID, "app_id": APP_ID}
        return {"ok": True, "view": opened}

    def _m_views_open(self, body: dict[str, Any]) -> dict[str, Any]:
        trigger = body.get("trigger_id")
        if not trigger:
            return {"ok": False, "error": "invalid_trigger_id"}
        if trigger in self._triggers:  # a trigger opens one modal, once
            return {"ok": False, "error": "trigger_exchanged"}
        answer = self._view_answer(body.get("view"), "modal")
        if answer["ok"]:
            self._triggers.add(str(trigger))
        return answer

    def _m_views_publish(self, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("user_id"):
            return {"ok": False, "error": "user_not_found"}
        return self._view_answer(body.get("view"), "home")

    def _m_files_getUploadURLExternal(self, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("filename") or not str(body.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{self._next():08d}"
        upload_url = f"http://{LOOPBACK}:{self.port}/upload/{file_id}"
        return {"ok": True, "upload_url": upload_url, "file_id": file_id}

    def _m_files_completeUploadExternal(self, body: dict[str, Any]) -> dict[str, Any]:
        files = body.get("files")
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        missing = [f.get("id") for f in files if f.get("id") not in self.uploads]
        if missing:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")}
                                      for f in files]}

    def _m_apps_connections_open(self, _body: dict[str, Any]) -> dict[str, Any]:
        ticket = f"ticket-{self._next()}"
        return {"ok": True, "url": f"ws://{LOOPBACK}:{self.port}/socket?ticket={ticket}"}

    # -- response_url, uploads, the socket ---------------------------------------------------

    async def _respond(self, request: web.Request) -> web.Response:
        body = await _parse_body(request)
        if isinstance(body.get("payload"), str):
            body = json.loads(body["payload"])
        problem = "blocks" in body and block_problems(body["blocks"], 50)
        with self._lock:
            self.responded.append(Responded(request.match_info["name"], body))
        if problem:
            return web.json_response({"ok": False, "error": "invalid_blocks"}, status=400)
        return web.json_response({"ok": True})

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        with self._lock:
            self.uploads[request.match_info["file_id"]] = data
        return web.Response(text=f"OK - {len(data)}")

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        if not request.query.get("ticket"):
            raise web.HTTPUnauthorized()
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        with self._lock:
            self._sockets.add(ws)
            self.socket_connections += 1
        await ws.send_json({
            "type": "hello", "num_connections": 1,
            "connection_info": {"app_id": APP_ID},
            "debug_info": {"host": "fake-slack", "approximate_connection_time": 3600},
        })
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    with self._lock:
                        self.socket_received.append(json.loads(message.data))
        finally:
            with self._lock:
                self._sockets.discard(ws)
        return ws

    async def _close_sockets(self, _app: web.Application) -> None:
        for ws in list(self._sockets):
            await ws.close(code=1001, message=b"server shutdown")


# -- parsing and Slack's limits --------------------------------------------------------------


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header[len("Bearer "):] if header.startswith("Bearer ") else None


async def _parse_body(request: web.Request) -> dict[str, Any]:
    """Query string, form-encoded, multipart or JSON: slack_sdk uses all four."""

    body: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.body_exists:
        if request.content_type == "application/json":
            data = await request.json()
            if isinstance(data, dict):
                body.update(data)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    body[key] = value
                elif isinstance(value, bytes | bytearray):
                    body[key] = bytes(value)
                else:
                    body[key] = value.file.read()
    # Also in the query string: slack_sdk sends files.completeUploadExternal's `files` there.
    for key in JSON_FIELDS:
        if isinstance(body.get(key), str):
            try:
                body[key] = json.loads(body[key])
            except ValueError:
                pass
    return body


def _text_length(element: Any) -> int:
    return len(str(element.get("text", ""))) if isinstance(element, dict) else 0


def block_problems(blocks: Any, limit: int) -> list[str]:
    """What Slack would refuse in a list of blocks (the limits the bot must respect)."""

    if not isinstance(blocks, list):
        return ["blocks is not a list"]
    problems = []
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks > {limit}")
    for index, block in enumerate(blocks):
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "section":
            if _text_length(block.get("text")) > 3000:
                problems.append(f"block {index}: section text > 3000")
            fields = block.get("fields") or []
            if len(fields) > 10 or any(_text_length(f) > 2000 for f in fields):
                problems.append(f"block {index}: fields")
            if not block.get("text") and not fields:
                problems.append(f"block {index}: empty section")
        elif kind == "header":
            if not 0 < _text_length(block.get("text")) <= 150:
                problems.append(f"block {index}: header")
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 0 < len(elements) <= 25:
                problems.append(f"block {index}: actions")
            for element in elements:
                if _text_length(element.get("text")) > 75 or len(element.get("value", "")) > 2000:
                    problems.append(f"block {index}: button")
        elif kind == "input":
            if not 0 < _text_length(block.get("label")) <= 2000:
                problems.append(f"block {index}: input label")
            element = block.get("element") or {}
            options = list(element.get("options") or [])
            for group in element.get("option_groups") or []:
                if _text_length(group.get("label")) > 75:
                    problems.append(f"block {index}: option group label")
                options.extend(group.get("options") or [])
            if len(options) > 100 or any(
                _text_length(o.get("text")) > 75 or len(o.get("value", "")) > 150
                for o in options
            ):
                problems.append(f"block {index}: options")
        elif kind not in ("divider", "context", "image", "rich_text"):
            problems.append(f"block {index}: unknown type {kind!r}")
    return problems


def view_problems(view: dict[str, Any], kind: str) -> list[str]:
    problems = block_problems(view.get("blocks", []), 100)
    if view.get("type") != kind:
        problems.append(f"view type {view.get('type')!r} is not {kind!r}")
    if kind == "modal":
        if not 0 < _text_length(view.get("title")) <= 24:
            problems.append("modal title")
        if view.get("submit") is not None and _text_length(view.get("submit")) > 24:
            problems.append("modal submit label")
        if len(str(view.get("private_metadata", ""))) > 3000:
            problems.append("private_metadata > 3000")
        if len(str(view.get("callback_id", ""))) > 255:
            problems.append("callback_id > 255")
    return problems


@contextmanager
def serve_fake_slack(**kwargs: Any) -> Iterator[FakeSlackApi]:
    """A running fake, stopped afterwards (what the tests' fixtures use)."""

    fake = FakeSlackApi(**kwargs).start()
    try:
        yield fake
    finally:
        fake.stop()
