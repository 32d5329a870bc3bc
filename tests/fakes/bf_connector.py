"""A local fake of the Bot Framework: connector, sign-in and OpenID metadata, on 127.0.0.1.

A real aiohttp server on an ephemeral loopback port, in a thread of its own (so that the bot's
blocking calls, `requests` under msrest and botbuilder's metadata fetch, and its asynchronous
ones can all reach it from anywhere). It plays three parts of Microsoft's cloud:

- The connector at `service_url` (`http://127.0.0.1:<port>/emea/`, shaped like Teams'
  `https://smba.trafficmanager.net/emea/`): `POST /v3/conversations/{id}/activities` (a new
  message), `POST …/activities/{activityId}` (a reply), `PUT …/activities/{activityId}` (an
  update), `POST /v3/conversations` (open a 1:1 chat), `GET /v3/conversations/{id}/members/{id}`
  (a member, with e-mail). Every call is recorded, with the bearer token it carried; a call
  without a token this fake issued gets 401 (unless `require_token` is off, for `--dev`).
  A message over Teams' 28 KB is refused with 413, as Teams does.
- The sign-in (`token_url`): the client-credentials grant that hands out those tokens.
- The OpenID metadata and the JWKS the Bot Framework publishes (`openid_url`), with an RSA key
  made here, endorsed for `msteams`; `channel_token()` signs the tokens Teams would send to the
  bot, with PyJWT. Pointed at by `ChannelValidation.open_id_metadata_endpoint`, botbuilder's
  own validation runs against it unchanged.

What it can be told: `seed_member` (who answers the member lookup, with which e-mail),
`fail_next` (429 with `Retry-After`, 503, 403 … for the next calls to a conversation), `delay`
(a connector slow to answer), and `limit_conversations` (Teams' per-conversation limits, on
the fake's `clock`, which a test may share with the code under test).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import jwt
import requests
from aiohttp import web
from botframework.connector.auth import (
    AppCredentials,
    MicrosoftAppCredentials,
    PasswordServiceClientCredentialFactory,
    ServiceClientCredentialsFactory,
)
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.fakes import LOOPBACK, ServerThread, Waiting

CHANNEL_ISSUER = "https://api.botframework.com"
MESSAGE_LIMIT = 28 * 1024
TEAMS_WINDOWS = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class Call:
    """One request to the fake, as it understood and answered it."""

    kind: str  # send, reply, update, create, member, token
    conversation: str
    activity_id: str
    body: dict[str, Any]
    token: str | None
    status: int
    at: float

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [a.get("content") or {} for a in self.body.get("attachments") or []
                if a.get("contentType") == "application/vnd.microsoft.card.adaptive"]

    @property
    def text(self) -> str:
        """Everything a person could read in the message (text and card texts)."""

        found: list[str] = [str(self.body.get("text") or "")]

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    if key in ("text", "title", "value", "label") and isinstance(value, str):
                        found.append(value)
                    else:
                        walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.cards)
        return "\n".join(t for t in found if t)


@dataclass
class _Failure:
    status: int
    kinds: tuple[str, ...]
    conversation: str | None
    retry_after: float | None
    remaining: int


@dataclass
class FakeBotFramework(Waiting):
    app_id: str
    password: str
    tenant_id: str
    require_token: bool = True
    clock: Callable[[], float] = time.monotonic
    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    key_id: str = "samverkan-test-key-1"
    port: int = 0
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._members: dict[str, dict[str, Any]] = {}
        self._failures: list[_Failure] = []
        self._limits: tuple[tuple[float, int], ...] = ()
        self._posted: dict[str, deque[float]] = {}
        self._issued: set[str] = set()
        self._delays: dict[str, float] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ServerThread("fake-bf")

    # -- addresses ---------------------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def service_url(self) -> str:
        return self.region_url("emea")

    def region_url(self, region: str) -> str:
        """Teams moves tenants between regions: another service URL, the same connector."""

        return f"{self.base}/{region}/"

    @property
    def token_url(self) -> str:
        return f"{self.base}/login/{self.tenant_id}/oauth2/v2.0/token"

    @property
    def openid_url(self) -> str:
        return f"{self.base}/openid/.well-known/openidconfiguration"

    # -- what the test tells it --------------------------------------------------------------

    def seed_member(self, member_id: str, aad_object_id: str, email: str) -> None:
        member = {"id": member_id, "aadObjectId": aad_object_id, "email": email,
                  "userPrincipalName": email, "tenantId": self.tenant_id,
                  "userRole": "user", "name": "Invented Person"}
        with self._lock:
            self._members[member_id] = member
            self._members[aad_object_id] = member

    def fail_next(self, status: int, *, times: int = 1, kinds: tuple[str, ...] = ("send",),
                  conversation: str | None = None, retry_after: float | None = None) -> None:
        with self._lock:
            self._failures.append(_Failure(status, kinds, conversation, retry_after, times))

    def delay(self, kind: str, seconds: float) -> None:
        """Answer calls of `kind` only after `seconds` (a slow connector; the fake's loop goes
        on serving others meanwhile)."""

        with self._lock:
            self._delays[kind] = seconds

    def limit_conversations(self, windows: tuple[tuple[float, int], ...] = TEAMS_WINDOWS
                            ) -> None:
        with self._lock:
            self._limits = windows

    # -- tokens Teams would send the bot ------------------------------------------------------

    def channel_token(
        self,
        *,
        service_url: str | None = None,
        audience: str | None = None,
        issuer: str = CHANNEL_ISSUER,
        lifetime: float = 3600,
        issued_ago: float = 60,
        key: rsa.RSAPrivateKey | None = None,
        key_id: str | None = None,
    ) -> str:
        now = time.time()
        claims = {
            "serviceurl": service_url or self.service_url,
            "nbf": int(now - issued_ago),
            "iat": int(now - issued_ago),
            "exp": int(now - issued_ago + lifetime),
            "iss": issuer,
            "aud": audience if audience is not None else self.app_id,
        }
        return jwt.encode(claims, key or self.key, algorithm="RS256",
                          headers={"kid": key_id or self.key_id})

    # -- what the test reads -------------------------------------------------------------------

    def calls_of(self, *kinds: str, ok: bool | None = None) -> list[Call]:
        with self._lock:
            calls = [c for c in self.calls if not kinds or c.kind in kinds]
        return [c for c in calls if ok is None or c.ok == ok]

    def messages(self, conversation: str | None = None) -> list[Call]:
        """Messages the connector accepted (new ones and replies), to `conversation` (any
        thread of it) if given."""

        return [
            c for c in self.calls_of("send", "reply", ok=True)
            if conversation is None or c.conversation.split(";", 1)[0] == conversation
        ]

    def _describe(self) -> str:
        with self._lock:
            return "calls so far: " + ", ".join(f"{c.kind} {c.status}" for c in self.calls)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeBotFramework:
        self.port = self._server.start(self._app)
        return self

    def stop(self) -> None:
        self._server.stop()

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{region}/v3/conversations", self._create)
        app.router.add_post("/{region}/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/{region}/v3/conversations/{conversation}/activities/{activity}",
                            self._reply)
        app.router.add_put("/{region}/v3/conversations/{conversation}/activities/{activity}",
                           self._update)
        app.router.add_get("/{region}/v3/conversations/{conversation}/members/{member}",
                           self._member)
        app.router.add_post("/login/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_get("/openid/.well-known/openidconfiguration", self._openid)
        app.router.add_get("/openid/keys", self._keys)
        return app

    # -- the connector --------------------------------------------------------------------------

    def _record(self, kind: str, request: web.Request, body: dict[str, Any], status: int,
                conversation: str = "", activity_id: str = "") -> None:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else None
        self.calls.append(Call(kind, conversation, activity_id, body, token, status,
                               self.clock()))

    def _refusal(self, request: web.Request, kind: str, conversation: str,
                 size: int) -> tuple[int, dict[str, str]] | None:
        """(status, headers) when the call is refused; None when it goes through."""

        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else None
        if self.require_token and token not in self._issued:
            return 401, {}
        if size > MESSAGE_LIMIT and kind in ("send", "reply", "update"):
            return 413, {}
        for failure in self._failures:
            if failure.remaining > 0 and kind in failure.kinds and (
                failure.conversation is None
                or conversation.split(";", 1)[0] == failure.conversation
            ):
                failure.remaining -= 1
                headers = {}
                if failure.retry_after is not None:
                    headers["Retry-After"] = str(int(failure.retry_after))
                return failure.status, headers
        if self._limits and kind in ("send", "reply"):
            now = self.clock()
            posted = self._posted.setdefault(conversation.split(";", 1)[0], deque())
            for seconds, limit in self._limits:
                recent = [t for t in posted if t > now - seconds + 1e-9]
                if len(recent) >= limit:
                    return 429, {"Retry-After": "1"}
        return None

    async def _message(self, request: web.Request, kind: str) -> web.Response:
        raw = await request.read()
        with self._lock:
            delay = self._delays.get(kind, 0.0)
        if delay:
            await asyncio.sleep(delay)
        conversation = unquote(request.match_info["conversation"])
        activity_id = unquote(request.match_info.get("activity", ""))
        body = json.loads(raw or b"{}")
        with self._lock:
            refused = self._refusal(request, kind, conversation, len(raw))
            if refused is not None:
                status, headers = refused
                self._record(kind, request, body, status, conversation, activity_id)
                error = {"error": {"code": "Refused", "message": f"HTTP {status}"}}
                return web.json_response(error, status=status, headers=headers)
            new_id = activity_id if kind == "update" else f"{1780000000000 + next(self._ids)}"
            if kind in ("send", "reply"):
                self._posted.setdefault(conversation.split(";", 1)[0], deque()).append(
                    self.clock())
            self._record(kind, request, body, 200 if kind == "update" else 201, conversation,
                         new_id if kind != "reply" else activity_id)
        return web.json_response({"id": new_id}, status=200 if kind == "update" else 201)

    async def _send(self, request: web.Request) -> web.Response:
        return await self._message(request, "send")

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._message(request, "reply")

    async def _update(self, request: web.Request) -> web.Response:
        return await self._message(request, "update")

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        with self._lock:
            refused = self._refusal(request, "create", "", 0)
            members = body.get("members") or []
            if refused is None and (body.get("isGroup") or len(members) != 1):
                refused = (400, {})
            if refused is not None:
                self._record("create", request, body, refused[0])
                return web.json_response({"error": {"code": "BadArgument"}}, status=refused[0],
                                         headers=refused[1])
            member = str(members[0].get("id"))
            conversation = f"a:1personal-{member}"
            self._record("create", request, body, 201, conversation)
        return web.json_response({"id": conversation, "serviceUrl": self.service_url},
                                 status=201)

    async def _member(self, request: web.Request) -> web.Response:
        conversation = unquote(request.match_info["conversation"])
        member_id = unquote(request.match_info["member"])
        with self._lock:
            refused = self._refusal(request, "member", conversation, 0)
            member = self._members.get(member_id)
            status = refused[0] if refused else (200 if member else 404)
            self._record("member", request, {"member": member_id}, status, conversation)
        if status != 200 or member is None:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation"}},
                                     status=status)
        return web.json_response(member)

    # -- sign-in and metadata -----------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        with self._lock:
            good = (form.get("grant_type") == "client_credentials"
                    and form.get("client_id") == self.app_id
                    and form.get("client_secret") == self.password)
            token = f"fake-access-{next(self._ids)}" if good else ""
            if good:
                self._issued.add(token)
            status = 200 if good else 401
            self.calls.append(Call("token", "", "", {"scope": str(form.get("scope")),
                                                     "issued": token}, None, status,
                                   self.clock()))
        if not good:
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response({"token_type": "Bearer", "expires_in": 3600,
                                  "access_token": token})

    async def _openid(self, _request: web.Request) -> web.Response:
        return web.json_response({
            "issuer": CHANNEL_ISSUER,
            "authorization_endpoint": f"{self.base}/login/authorize",
            "jwks_uri": f"{self.base}/openid/keys",
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        })

    async def _keys(self, _request: web.Request) -> web.Response:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update(kid=self.key_id, use="sig", alg="RS256", endorsements=["msteams"])
        return web.json_response({"keys": [jwk]})


@contextmanager
def serve_fake_bot_framework(**kwargs: Any) -> Iterator[FakeBotFramework]:
    fake = FakeBotFramework(**kwargs).start()
    try:
        yield fake
    finally:
        fake.stop()


# --- the bot's own sign-in, against the fake ------------------------------------------------------


class _TokenEndpointCredentials(AppCredentials):  # type: ignore[misc]
    """The client-credentials grant at the fake's token URL (MSAL insists on https)."""

    def __init__(self, app_id: str, password: str, token_url: str, scope: str) -> None:
        super().__init__(app_id=app_id, oauth_scope=scope)
        self.password = password
        self.token_url = token_url
        self._token: str | None = None

    def get_access_token(self, force_refresh: bool = False) -> str:
        if self._token is None or force_refresh:
            response = requests.post(self.token_url, timeout=5, data={
                "grant_type": "client_credentials", "client_id": self.microsoft_app_id,
                "client_secret": self.password, "scope": f"{self.oauth_scope}/.default",
            })
            if response.status_code != 200:
                raise PermissionError("sign-in refused")
            self._token = str(response.json()["access_token"])
        return self._token


class FakeSignIn(ServiceClientCredentialsFactory):  # type: ignore[misc]
    """The bot's credentials, with tokens from the fake's sign-in.

    Which app ids are valid (the audience check of incoming tokens) and whether
    authentication is off are botbuilder's own `PasswordServiceClientCredentialFactory`'s
    answers; only where the bot fetches its own token differs from production.
    """

    def __init__(self, fake: FakeBotFramework, app_id: str | None = None,
                 password: str | None = None) -> None:
        self.fake = fake
        self.app_id = fake.app_id if app_id is None else app_id
        self.password = fake.password if password is None else password
        self.real = PasswordServiceClientCredentialFactory(
            self.app_id, self.password, fake.tenant_id
        )

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(await self.real.is_valid_app_id(app_id))

    async def is_authentication_disabled(self) -> bool:
        return bool(await self.real.is_authentication_disabled())

    async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str,
                                 validate_authority: bool) -> AppCredentials:
        if await self.is_authentication_disabled():
            return MicrosoftAppCredentials.empty()
        if not await self.is_valid_app_id(app_id):
            raise PermissionError("invalid app id")
        return _TokenEndpointCredentials(app_id, self.password, self.fake.token_url,
                                         oauth_scope)
