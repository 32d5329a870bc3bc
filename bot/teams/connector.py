"""What the Teams door and the Teams messenger share: pacing, errors, sending, personal chats.

Pacing: Teams allows a bot about 7 messages a second in one conversation, 8 in two seconds,
60 in thirty and 1800 in an hour (its published per-thread limits). `Pacer` books a slot in
every window before each message; one process-wide pacer is shared by the chat door and the
reminders, so together they stay inside the limits too. Several instances are not coordinated:
Teams' 429 (with `Retry-After`) covers that, and is honoured.

Errors: msrest, under botbuilder's connector client, retries 429 and 5xx by itself through
urllib3: it sleeps `Retry-After` (30 s, a minute …) in an executor thread and tries three
times, hidden from the caller. That would hold a chat turn past Teams' 15 s and hide a 429 from
the reminder service. `BotFrameworkAuthentication` is therefore wrapped (`PlainConnectors`) so
that every connector client makes one attempt; retries happen here, in the open: a chat answer
is tried again a few times within a short time, and a reminder is handed back to the reminder
service as `RateLimited` or `TransientSendError` (the outbox decides when to try again).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Sequence
from email.utils import parsedate_to_datetime
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
    ResourceResponse,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    ServiceClientCredentialsFactory,
    UserTokenClient,
)
from msrest.authentication import Authentication

from bot.teams.cards import CONTENT_TYPE, Card
from scheduler.messenger import PermanentSendError, RateLimited, SendError, TransientSendError

log = logging.getLogger(__name__)

CHANNEL = "msteams"
# (seconds, messages): Teams' limits per bot and conversation.
TEAMS_WINDOWS: tuple[tuple[float, int], ...] = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))
# Seconds between two reminders to one conversation in the reminder service's send pipeline:
# the 30-second window's rate, which a tick's burst can keep up; the pacer books the windows.
REMINDER_INTERVAL = 30.0 / 60
TRANSIENT_STATUSES = frozenset({408, 412, 500, 502, 503, 504})
# A chat answer is tried again at most this often, and never waits longer than this in all.
TURN_RETRIES = 3
TURN_RETRY_WAIT = 4.0
# Seconds the connector may take to answer one request (Teams gives a turn about 15 in all).
CONNECTOR_TIMEOUT = 10
# Service URLs whose connector client is kept (Teams uses a few per region).
CONNECTOR_CACHE_SIZE = 16


class Pacer:
    """Books send slots per conversation so that no window's limit is exceeded; thread-safe."""

    def __init__(
        self,
        monotonic: Callable[[], float] = time.monotonic,
        windows: Sequence[tuple[float, int]] = TEAMS_WINDOWS,
    ) -> None:
        self.monotonic = monotonic
        self.windows = tuple(windows)
        self._horizon = max((seconds for seconds, _ in self.windows), default=0.0)
        self._booked: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def reserve(self, conversation: str) -> float:
        """Books the earliest allowed moment for one message; returns how long to wait for it."""

        with self._lock:
            now = self.monotonic()
            booked = self._booked.setdefault(conversation.split(";", 1)[0], deque())
            while booked and booked[0] <= now - self._horizon:
                booked.popleft()
            at = max(now, booked[-1] if booked else now)
            for seconds, limit in self.windows:
                if len(booked) >= limit:
                    at = max(at, booked[-limit] + seconds)
            booked.append(at)
            return max(0.0, at - now)


SHARED_PACER = Pacer()


# --- errors ------------------------------------------------------------------------------------


def _status(error: BaseException) -> int | None:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return int(status) if isinstance(status, int) else None


def _retry_after(error: BaseException, default: float = 1.0) -> float:
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None) or {}
    raw = headers.get("Retry-After") if hasattr(headers, "get") else None
    if not raw:
        return default
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(str(raw))
    except (TypeError, ValueError):
        return default
    return max(0.0, moment.timestamp() - time.time())


def send_error(error: BaseException) -> SendError:
    """A connector failure as the reminder service's error: safe to log (a code, no text)."""

    if isinstance(error, SendError):
        return error
    status = _status(error)
    if status == 429:
        return RateLimited(_retry_after(error), "teams_429")
    if status in TRANSIENT_STATUSES or (status is not None and status >= 500):
        return TransientSendError(f"teams_{status}")
    if status is not None:
        return PermanentSendError(f"teams_{status}")
    if isinstance(error, PermissionError):
        # The bot's own sign-in was refused (wrong secret, app removed): not worth repeating.
        return PermanentSendError("teams_signin_refused")
    return TransientSendError(f"teams_{type(error).__name__}")


# --- the connector, one attempt per request -----------------------------------------------------


def _single_attempt(client: ConnectorClient) -> ConnectorClient:
    """No hidden retries and no hidden `Retry-After` sleeps inside msrest/urllib3.

    msrest installs its urllib3 `Retry` into the client's HTTP session when the client is
    made, so it is changed in place (a new `Retry` would not reach the session).
    """

    retry = client.config.retry_policy.policy
    retry.total = retry.connect = retry.read = retry.status = retry.other = 0
    retry.status_forcelist = frozenset()
    retry.respect_retry_after_header = False
    retry.raise_on_status = False
    # msrest waits 100 s for an answer, in an executor thread no cancellation reaches.
    client.config.connection.timeout = CONNECTOR_TIMEOUT
    return client


class ConnectorCache:
    """Connector clients kept per (service URL, audience), for every turn and message to use.

    botbuilder makes a new client for each turn: msrest's retry policy, a new HTTP session and
    so a new TLS connection to Teams every time (several ms of CPU, and a handshake on the
    way). The client holds only the service URL and the bot's credentials (which refresh
    their own token), so one per service URL serves every conversation there.
    """

    def __init__(self, size: int = CONNECTOR_CACHE_SIZE) -> None:
        self.size = size
        self._clients: OrderedDict[tuple[str, str | None], ConnectorClient] = OrderedDict()
        # A thread lock, not an asyncio one: reminders use the cache from their own loops.
        self._lock = threading.Lock()

    async def get(self, inner: ConnectorFactory, service_url: str,
                  audience: str | None) -> ConnectorClient:
        key = (service_url, audience)
        with self._lock:
            client = self._clients.get(key)
            if client is not None:
                self._clients.move_to_end(key)
                return client
        made = _single_attempt(await inner.create(service_url, audience))
        with self._lock:
            client = self._clients.setdefault(key, made)  # another may have made one meanwhile
            self._clients.move_to_end(key)
            while len(self._clients) > self.size:
                self._clients.popitem(last=False)
            return client


class _PlainConnectorFactory(ConnectorFactory):  # type: ignore[misc]
    def __init__(self, inner: ConnectorFactory, cache: ConnectorCache) -> None:
        self._inner = inner
        self._cache = cache

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        return await self._cache.get(self._inner, service_url, audience)


class PlainConnectors(BotFrameworkAuthentication):  # type: ignore[misc]
    """botbuilder's authentication as it is, with connector clients that try once, kept."""

    def __init__(self, inner: BotFrameworkAuthentication) -> None:
        self._inner = inner
        self._connectors = ConnectorCache()

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        result = await self._inner.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _PlainConnectorFactory(result.connector_factory,
                                                              self._connectors)
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _PlainConnectorFactory(self._inner.create_connector_factory(claims_identity),
                                      self._connectors)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        return await self._inner.create_user_token_client(claims_identity)

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self._inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)


class CachedCredentials(ServiceClientCredentialsFactory):  # type: ignore[misc]
    """Keeps the bot's credentials (and so MSAL's token cache) across turns and messages.

    botbuilder makes new credentials, with a new MSAL application and an empty token cache,
    for every connector: every turn would fetch a token again, blocking the event loop while
    it does. Kept here, a token is fetched once and refreshed by MSAL when it runs out.
    """

    def __init__(self, inner: ServiceClientCredentialsFactory) -> None:
        self._inner = inner
        self._cache: dict[tuple[str, str, str, bool], Authentication] = {}
        self._lock = threading.Lock()

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(await self._inner.is_valid_app_id(app_id))

    async def is_authentication_disabled(self) -> bool:
        return bool(await self._inner.is_authentication_disabled())

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Authentication:
        key = (app_id or "", oauth_scope or "", login_endpoint or "", bool(validate_authority))
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        created = await self._inner.create_credentials(
            app_id, oauth_scope, login_endpoint, validate_authority
        )
        with self._lock:
            return self._cache.setdefault(key, created)


# --- activities -----------------------------------------------------------------------------


def card_activity(card: Card, summary: str = "") -> Activity:
    return Activity(
        type=ActivityTypes.message,
        attachments=[Attachment(content_type=CONTENT_TYPE, content=card)],
        summary=summary or None,
    )


def text_activity(text: str) -> Activity:
    return Activity(type=ActivityTypes.message, text=text, text_format="plain")


async def close_connector(context: TurnContext) -> None:
    """botbuilder leaves each turn's HTTP session open; closed here when the turn is done."""

    client = context.turn_state.get(context.adapter.BOT_CONNECTOR_CLIENT_KEY)
    if client is not None:
        try:
            await client.__aexit__(None, None, None)
        except Exception:  # a session already gone is no problem
            log.debug("teams connector close failed")


async def post(
    context: TurnContext,
    activities: Sequence[Activity],
    *,
    reply_to: str | None = None,
    pacer: Pacer | None = SHARED_PACER,
    retries: int = 0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> list[str]:
    """Sends messages into the turn's conversation, paced; returns their activity ids.

    `reply_to` makes them replies (in a channel: in the thread). With `retries`, a 429 or a
    transient error is tried again after `Retry-After` or a short backoff, as long as that
    stays within `TURN_RETRY_WAIT` seconds in all; otherwise the error goes up unchanged.
    Without a `pacer` the caller has paced already (the messenger, in its worker thread).
    """

    reference = TurnContext.get_conversation_reference(context.activity)
    reference.activity_id = reply_to
    ids: list[str] = []
    for original in activities:
        activity = TurnContext.apply_conversation_reference(copy.deepcopy(original), reference)
        activity.reply_to_id = reply_to
        wait = pacer.reserve(activity.conversation.id) if pacer is not None else 0.0
        if wait > 0:
            await sleep(wait)

        def send(one: Activity = activity) -> Awaitable[Any]:
            return context.adapter.send_activities(context, [one])  # type: ignore[no-any-return]

        response = await _with_retries(send, retries, sleep)
        first = response[0] if response else None
        ids.append(first.id if isinstance(first, ResourceResponse) and first.id else "")
    return ids


async def update(
    context: TurnContext, activity_id: str, replacement: Activity, *, retries: int = 0
) -> None:
    reference = TurnContext.get_conversation_reference(context.activity)
    reference.activity_id = None
    activity = TurnContext.apply_conversation_reference(copy.deepcopy(replacement), reference)
    activity.id = activity_id
    await _with_retries(
        lambda: context.adapter.update_activity(context, activity), retries, asyncio.sleep
    )


async def _with_retries(
    call: Callable[[], Awaitable[Any]],
    retries: int,
    sleep: Callable[[float], Awaitable[None]],
) -> Any:
    waited = 0.0
    for attempt in range(retries + 1):
        try:
            return await call()
        except Exception as error:
            problem = send_error(error)
            if attempt >= retries or isinstance(problem, PermanentSendError):
                raise
            wait = problem.retry_after if isinstance(problem, RateLimited) else 0.5 * 2**attempt
            if waited + wait > TURN_RETRY_WAIT:
                raise
            waited += wait
            await sleep(wait)
    raise AssertionError("unreachable")


async def proactive(
    start: Callable[[Callable[[TurnContext], Awaitable[None]]], Awaitable[Any]],
    logic: Callable[[TurnContext], Awaitable[None]],
) -> None:
    """Runs `logic` in a proactive turn (`continue_conversation`, `create_conversation`).

    botbuilder hands an error inside such a turn to the adapter's `on_turn_error`, which would
    answer "something went wrong" into the conversation being written to and swallow the
    error. Here the error comes back to the caller, who decides (retry, fall back, report).
    """

    failures: list[Exception] = []

    async def guarded(context: TurnContext) -> None:
        try:
            await logic(context)
        except Exception as error:
            failures.append(error)
        finally:
            await close_connector(context)

    await start(guarded)
    if failures:
        raise failures[0]


# --- conversation references ------------------------------------------------------------------


def personal_parameters(
    bot: ChannelAccount, member_id: str, tenant_id: str | None
) -> ConversationParameters:
    """What opens (or finds: Teams answers with the existing one) a person's 1:1 chat."""

    return ConversationParameters(
        is_group=False,
        bot=ChannelAccount(id=bot.id),
        members=[ChannelAccount(id=member_id)],
        tenant_id=tenant_id,
        channel_data={"tenant": {"id": tenant_id}} if tenant_id else None,
    )


def created_reference(
    context: TurnContext, member_id: str, aad_object_id: str, tenant_id: str | None
) -> ConversationReference:
    """The reference of a 1:1 chat just opened by `create_conversation`."""

    activity = context.activity
    return ConversationReference(
        bot=ChannelAccount(id=activity.recipient.id if activity.recipient else None),
        user=ChannelAccount(id=member_id, aad_object_id=aad_object_id),
        conversation=ConversationAccount(
            id=activity.conversation.id, conversation_type="personal", tenant_id=tenant_id,
            is_group=False,
        ),
        channel_id=activity.channel_id or CHANNEL,
        service_url=activity.service_url,
    )
