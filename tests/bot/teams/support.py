"""Talking to the bot like Teams does: the payloads, the real server, what it stored.

Every test serves `bot.web.create_app` on an ephemeral loopback port and posts Activities to
`/api/messages` the way Teams does, each with a Bot Framework token signed by a local RSA key
that `tests.fakes.bf_connector` publishes as OpenID metadata and JWKS; botbuilder's own
validation (`ChannelValidation`, pointed at that metadata) checks them. The activities'
`serviceUrl` is the same fake's connector, which records every reply, update and opened chat,
and hands the bot its own tokens. Reminders go through `bot.teams.messenger.TeamsMessenger`.
No external network; the people are the invented ones of the example configuration. Waits are
bounded polls.

People used: Linnéa Ek (AAD …0202, Arbetsgruppen and KF-gruppen), Göran Ivarsson with an AAD
object id the configuration does not know (found by his e-mail where the configuration gives
him no Teams id: the `learning` runtime), and someone nobody configured. Another tenant is
`FOREIGN`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.i18n import translator
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.teams.connector import Pacer
from bot.teams.messenger import TeamsMessenger
from bot.teams.references import References
from bot.teams.server import build_adapter
from bot.web import create_app
from domain.config import Config
from scheduler.reminders import ReminderService
from storage import schema
from storage.models_teams import ConversationReferenceRow
from storage.models_updates import Update
from storage.repositories import StoreFactory
from storage.sync import sync_config
from tests.conftest import FixedClock
from tests.fakes import VirtualTime
from tests.fakes.bf_connector import FakeBotFramework, FakeSignIn
from tests.scheduler.support import local

LOOPBACK = "127.0.0.1"
APP_ID = "3f1c8e2a-5b7d-4c9e-a1f0-6d2b8c4e9a17"
PASSWORD = "bf-client-secret-never-log-me"
TENANT = "9a8b7c6d-0000-4000-8000-00000000abcd"
FOREIGN = "f0f0f0f0-0000-4000-8000-0000000f0e19"  # another organisation's tenant
BOT = f"28:{APP_ID}"
ACK_LIMIT = 3.0  # seconds: well under Teams' 15

LINNEA = "00000000-0000-4000-8000-000000000202"
LINNEA_MEMBER = "29:1linnea-ek"
GORAN = "goran.ivarsson"
GORAN_NEW = "7e57a11e-0000-4000-8000-00000000e501"
GORAN_MEMBER = "29:1goran-ivarsson"
GORAN_EMAIL = "goran.ivarsson@skaraborg.example"
NOBODY = "99999999-0000-4000-8000-000000000999"
ARBETS = "19:1a2b3c4d5e6f4a7b8c9d0e1f2a3b4c5d@thread.tacv2"
KF = "19:2b3c4d5e6f7a4b8c9d0e1f2a3b4c5d6e@thread.tacv2"
PNR = "19121212-1212"  # Tolvan Tolvansson, Skatteverket's test identity number

SV = translator("sv")
THU = local("2026-09-03T09:00:00+02:00")
NOV25 = local("2026-11-25T09:00:00+01:00")
AMPERSAND = "Kommun & region: lägesbild klar."
VALID = {"activity": "VIP-1", "status": "on_track",
         "summary": "Två delregioner har tagit fram införandeplaner."}

T = TypeVar("T")


def teams_settings(database_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "microsoft_app_id": APP_ID,
        "microsoft_app_password": PASSWORD,
        "microsoft_app_type": "SingleTenant",
        "microsoft_app_tenant_id": TENANT,
        "public_base_url": "https://samverkan.example.org",
    }
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def without_teams_id(config: Config, person_id: str) -> Config:
    """The configuration with `person_id` named on Teams by e-mail only (no AAD object id)."""

    return config.model_copy(update={"people": tuple(
        p.model_copy(update={"teams_aad_object_id": None}) if p.id == person_id else p
        for p in config.people
    )})


def synced_runtime(settings: Settings, config: Config) -> Runtime:
    runtime = build_runtime(settings)
    with Session(runtime.engine) as session:
        sync_config(session, config)
        session.commit()
    return runtime


# --- talking to the bot like Teams does --------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    text: str
    seconds: float


class Teams:
    """Teams' side of the conversation with the bot's `/api/messages`."""

    def __init__(self, client: TestClient | None, fake: FakeBotFramework) -> None:
        self.client = client
        self.fake = fake
        self._n = 0

    def next_id(self) -> str:
        self._n += 1
        return f"{1770000000000 + self._n}"

    def activity(
        self,
        kind: str = "message",
        *,
        text: str | None = None,
        user: str = LINNEA,
        member: str = LINNEA_MEMBER,
        channel: str | None = None,
        chat: str | None = None,
        mention: bool = False,
        value: dict[str, Any] | None = None,
        reply_to: str | None = None,
        service_url: str | None = None,
        tenant: str | None = TENANT,
        data_tenant: str | None = TENANT,
        **extra: Any,
    ) -> dict[str, Any]:
        """An activity as Teams sends it: in the person's 1:1 chat, or in a team's `channel`
        (a thread of it), or in a group `chat`. `tenant` is the conversation's `tenantId`,
        `data_tenant` the channel data's `tenant.id`; None leaves it out."""

        activity_id = self.next_id()
        body: dict[str, Any] = {
            "type": kind,
            "id": activity_id,
            "timestamp": "2026-09-01T07:00:00.000Z",
            "localTimestamp": "2026-09-01T09:00:00.000+02:00",
            "serviceUrl": service_url or self.fake.service_url,
            "channelId": "msteams",
            "from": {"id": member, "name": "Invented Person", "aadObjectId": user},
            "recipient": {"id": BOT, "name": "Samverkan"},
            "locale": "sv-SE",
            **extra,
        }
        data: dict[str, Any] = {}
        if channel is not None:
            conversation = {"isGroup": True, "conversationType": "channel",
                            "id": f"{channel};messageid={reply_to or activity_id}"}
            data = {"teamsChannelId": channel, "teamsTeamId": channel,
                    "team": {"id": channel}, "channel": {"id": channel}}
        elif chat is not None:
            conversation = {"isGroup": True, "conversationType": "groupChat", "id": chat}
        else:
            conversation = {"conversationType": "personal", "id": f"a:1personal-{member}"}
        if tenant is not None:
            conversation["tenantId"] = tenant
        if data_tenant is not None:
            data["tenant"] = {"id": data_tenant}
        body["conversation"] = conversation
        body["channelData"] = data
        if text is not None:
            body["text"] = f"<at>Samverkan</at> {text}" if mention else text
            body["textFormat"] = "plain"
        if mention:
            body["entities"] = [{"type": "mention", "text": "<at>Samverkan</at>",
                                 "mentioned": {"id": BOT, "name": "Samverkan"}}]
        if value is not None:
            body["value"] = value
        if reply_to is not None:
            body["replyToId"] = reply_to
        return body

    async def post(self, activity: dict[str, Any], *, token: str | None = "valid",
                   headers: dict[str, str] | None = None) -> Answer:
        sent = dict(headers or {})
        if token == "valid":
            token = self.fake.channel_token(service_url=activity["serviceUrl"])
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        start = time.monotonic()
        assert self.client is not None
        response = await self.client.post("/api/messages", json=activity, headers=sent)
        return Answer(response.status, await response.text(), time.monotonic() - start)

    async def say(self, text: str, **kwargs: Any) -> tuple[Answer, dict[str, Any]]:
        activity = self.activity(text=text, **kwargs)
        return await self.post(activity), activity


def drive(
    runtime: Runtime,
    fake: FakeBotFramework,
    scenario: Callable[[Teams], Awaitable[T]],
    *,
    dev: bool = False,
    sign_in: FakeSignIn | None = None,
    prepare: Callable[[Any], None] | None = None,
) -> T:
    """Serves the real app on an ephemeral loopback port and plays `scenario` against it."""

    async def run() -> T:
        app = create_app(runtime, with_scheduler=False, dev=dev,
                         door_options={"teams": {"credentials": sign_in or FakeSignIn(fake)}})
        if prepare is not None:
            prepare(app)
        server = TestServer(app, host=LOOPBACK, port=0)
        async with TestClient(server) as client:
            assert server.port and server.host == LOOPBACK
            return await scenario(Teams(client, fake))

    return asyncio.run(run())


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table: "nothing changed" means this stays the same."""

    with engine.connect() as connection:
        return {
            table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in schema.Base.metadata.sorted_tables
        }


def stored_updates(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(Update.summary).order_by(Update.id)))


def references(engine: Engine) -> dict[tuple[str, str], ConversationReferenceRow]:
    with Session(engine, expire_on_commit=False) as session:
        rows = session.scalars(select(ConversationReferenceRow)).all()
        session.expunge_all()
    return {(row.kind, row.key): row for row in rows}


def elements(card: dict[str, Any]) -> list[dict[str, Any]]:
    return list(card.get("body") or [])


def submit_data(card: dict[str, Any]) -> dict[str, Any]:
    (action,) = card["actions"]
    assert action["type"] == "Action.Submit"
    return dict(action["data"])


def filled(card: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """What Teams sends back for an Action.Submit: the button's data plus each input."""

    inputs = {e["id"] for e in elements(card) if str(e.get("type", "")).startswith("Input.")}
    assert set(values) <= inputs, set(values) - inputs
    return {**submit_data(card), **values}


def routes(app: Any) -> set[str]:
    return {route.resource.canonical for route in app.router.routes() if route.resource}


# --- reminders and installs ----------------------------------------------------------------------


def teams_messenger(runtime: Runtime, fake: FakeBotFramework, virtual: VirtualTime,
                    pacer: Pacer | None = None) -> TeamsMessenger:
    adapter = build_adapter(runtime.settings, FakeSignIn(fake))
    return TeamsMessenger(
        adapter, References(runtime.stores), app_id=APP_ID, tenant_id=TENANT,
        pacer=pacer or Pacer(virtual.monotonic), sleep=virtual.sleep, timeout=10,
    )


def reminder_service(runtime: Runtime, messenger: TeamsMessenger, clock: FixedClock
                     ) -> ReminderService:
    return ReminderService(StoreFactory(runtime.engine, clock), {"teams": messenger}, clock)


def install_in(runtime: Runtime, fake: FakeBotFramework, *channels: str) -> None:
    async def scenario(teams: Teams) -> None:
        for channel in channels:
            activity = teams.activity("installationUpdate", action="add", channel=channel)
            assert (await teams.post(activity)).status == 200

    drive(runtime, fake, scenario)
    fake.calls.clear()


def due_now(service: ReminderService, at: Any) -> set[str]:
    return {d.key for d in service.due(at) if d.reminder.due_at == at}
