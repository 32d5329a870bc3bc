"""The Slack door for real: the bot's aiohttp server, Bolt's own dispatch, a fake Slack.

Shared by the Slack tests, which keep one file per kind of payload (commands, actions, views,
events, the Home tab, refused requests, ...) as bolt-python's `tests/scenario_tests/` does.

The chat tests serve `bot.web.create_app` on an ephemeral loopback port (and, at the end,
`samverkan serve` as a subprocess) and talk to it the way Slack does: form-encoded slash
commands and interactions, JSON events, each signed with slack_sdk's `SignatureVerifier`, or
envelopes over a Socket Mode websocket. The bot's Web API calls and `response_url` answers go to
`tests.fakes.slack_api.FakeSlackApi`, a real HTTP server on another ephemeral port that records
and counts every call. Reminders go through `bot.slack.messenger.SlackMessenger` with a sync
`WebClient` pointed at the same fake, in virtual time. No external network; the people are the
invented ones of the example configuration. Waits are bounded polls, never sleeps that hope.

People used: Linnéa Ek (U0FYR0002, Arbetsgruppen and KF-gruppen), Göran Ivarsson (no Slack id
in the configuration, known by e-mail only), and U0NOBODY1 whom nobody configured.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, func, select

from app.i18n import translator
from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack.messenger import SlackMessenger
from bot.web import create_app
from scheduler.reminders import ReminderService
from storage import models as m
from storage import models_reminders, models_updates
from storage.repositories import StoreFactory
from tests.conftest import FixedClock
from tests.fakes import VirtualTime
from tests.fakes.slack_api import APP_ID, BOT_USER_ID, TEAM_ID, FakeSlackApi
from tests.scheduler.support import local

LOOPBACK = "127.0.0.1"
BOT_TOKEN = "xoxb-test-4711-samverkan-never-log-me"
APP_TOKEN = "xapp-test-4711-samverkan-never-log-me"
SIGNING_SECRET = "c0ffee-signing-secret-never-log-me"
# Slack still sends the deprecated verification token in payloads; Bolt ignores it.
LEGACY_TOKEN = "legacy-verification-token-never-log-me"
ACK_LIMIT = 1.5  # seconds: well under Slack's 3

LINNEA = "U0FYR0002"
GORAN = "U0GORAN99"
GORAN_EMAIL = "goran.ivarsson@skaraborg.example"
NOBODY = "U0NOBODY1"
ARBETS = "C0ARBETS01"
KF = "C0KFGRUPP1"
PNR = "19121212-1212"  # Tolvan Tolvansson, Skatteverket's test identity number

SV = translator("sv")
THU = local("2026-09-03T09:00:00+02:00")
NOV25 = local("2026-11-25T09:00:00+01:00")

T = TypeVar("T")


def slack_settings(database_url: str, fake: FakeSlackApi, **extra: Any) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=fake.base_url,
        slack_app_token=extra.pop("slack_app_token", None),
        **extra,
    )



# --- talking to the bot like Slack does ---------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    text: str
    seconds: float

    def json(self) -> Any:
        return json.loads(self.text)


def signed(body: str, *, secret: str = SIGNING_SECRET, age: float = 0.0) -> dict[str, str]:
    timestamp = str(int(time.time() - age))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


FORM = "application/x-www-form-urlencoded"


def command_body(fake: FakeSlackApi, user: str, text: str, channel: str, name: str,
                 trigger_id: str = "trigger.0", team: str = TEAM_ID) -> str:
    """A slash command's form-encoded body, as Slack posts it."""

    return urlencode({
        "token": LEGACY_TOKEN,
        "team_id": team,
        "team_domain": "samverkan-test",
        "channel_id": channel,
        "channel_name": "arbetsgruppen",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/samverkan",
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": fake.response_url(name),
        "trigger_id": trigger_id,
    })


class Slack:
    """Slack's side of the conversation with the bot's `/slack/events`."""

    def __init__(self, client: TestClient[Any, Any], fake: FakeSlackApi) -> None:
        self.client = client
        self.fake = fake
        self._n = 0

    def next_id(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n}"

    async def post(
        self, body: str | bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> Answer:
        start = time.monotonic()
        response = await self.client.post(
            "/slack/events",
            data=body.encode("utf-8") if isinstance(body, str) else body,
            headers={"Content-Type": content_type, **(headers or {})},
        )
        text = await response.text()
        return Answer(response.status, text, time.monotonic() - start)

    async def signed_post(self, body: str, content_type: str, **headers: str) -> Answer:
        return await self.post(body, content_type, {**signed(body), **headers})

    def command_body(self, user: str, text: str, channel: str, name: str,
                     trigger: str | None = None, team: str = TEAM_ID) -> str:
        return command_body(self.fake, user, text, channel, name,
                            trigger or self.next_id("trigger."), team)

    async def command(
        self, user: str, text: str, *, channel: str = ARBETS, name: str = "",
        trigger: str | None = None, team: str = TEAM_ID,
    ) -> Answer:
        """`/samverkan <text>`; the answer goes to the fake's `/respond/<name>`.

        `trigger`: Slack's `trigger_id` (a new one each time unless given: a resend keeps it).
        """

        body = self.command_body(user, text, channel, name or self.next_id("cmd-"), trigger,
                                 team)
        return await self.signed_post(body, FORM)

    async def interaction(self, payload: dict[str, Any]) -> Answer:
        return await self.signed_post(urlencode({"payload": json.dumps(payload)}), FORM)

    async def event(self, event: dict[str, Any], event_id: str, team: str = TEAM_ID,
                    **headers: str) -> Answer:
        """An `event_callback` envelope around `event`, as the Events API posts it."""

        body = json.dumps({
            "token": LEGACY_TOKEN,
            "team_id": team,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": team,
                                "user_id": BOT_USER_ID, "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": False,
        })
        return await self.signed_post(body, "application/json", **headers)

    async def answer(self, name: str, timeout: float = 5.0) -> dict[str, Any]:
        """What the bot posted to the `response_url` named `name` (waits for it)."""

        await self.fake.until(lambda: bool(self.fake.responses(name)), f"response at {name}",
                              timeout)
        return self.fake.responses(name)[0].body


def drive(runtime: Runtime, fake: FakeSlackApi, scenario: Callable[[Slack], Awaitable[T]]) -> T:
    """Serves the real app on an ephemeral loopback port and plays `scenario` against it."""

    async def main() -> T:
        app = create_app(runtime, with_scheduler=False)
        server = TestServer(app, host=LOOPBACK, port=0)
        async with TestClient(server) as client:
            assert server.port and server.host == LOOPBACK
            return await scenario(Slack(client, fake))

    return asyncio.run(main())


def texts(node: Any) -> str:
    """Every text in a message, modal or Home tab, joined (what a person could read)."""

    found: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(node)
    return "\n".join(found)


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [e.get("action_id", "") for b in blocks if b["type"] == "actions"
            for e in b["elements"]]


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table: "nothing changed" means this stays the same."""

    assert models_updates and models_reminders  # their tables are in the metadata
    with engine.connect() as connection:
        return {
            table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in m.Base.metadata.sorted_tables
        }


def stored_updates(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(models_updates.Update))
                   or 0)


# --- modals: what Slack sends back -----------------------------------------------------------


def view_state(view: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """`view.state.values` as Slack builds it from the modal's input blocks."""

    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        value = values.get(block["block_id"])
        if element["type"] == "static_select":
            options = list(element.get("options", []))
            for group in element.get("option_groups", []):
                options.extend(group["options"])
            chosen = next((o for o in options if o["value"] == value), None)
            entry = {"type": "static_select", "selected_option": chosen}
        else:
            entry = {"type": "plain_text_input", "value": value}
        state[block["block_id"]] = {element["action_id"]: entry}
    return {"values": state}


def submission(opened: dict[str, Any], user: str, values: dict[str, str]) -> dict[str, Any]:
    """A `view_submission` payload for the modal the fake handed out in `views.open`."""

    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "samverkan-test"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": LEGACY_TOKEN,
        "trigger_id": f"trigger.submit.{opened['id']}",
        "view": {**opened, "state": view_state(opened, values)},
        "response_urls": [],
        "is_enterprise_install": False,
    }


def button(user: str, action: str, value: str, *, channel: str = ARBETS,
           response_url: str = "") -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": LEGACY_TOKEN,
        "team": {"id": TEAM_ID, "domain": "samverkan-test"},
        "container": {"type": "message", "message_ts": "1780000000.000100",
                      "channel_id": channel, "is_ephemeral": False},
        "trigger_id": f"trigger.button.{action}",
        "channel": {"id": channel, "name": "arbetsgruppen"},
        "message": {"type": "message", "ts": "1780000000.000100", "text": "…"},
        "response_url": response_url,
        "actions": [{"action_id": action, "block_id": "b1", "value": value, "type": "button",
                     "text": {"type": "plain_text", "text": "Rapportera"},
                     "action_ts": "1780000001.000200"}],
    }


def home_opened(user: str) -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": "home",
            "event_ts": "1780000000.000300"}


VALID = {"activity": "VIP-1", "status": "on_track",
         "summary": "Två delregioner har tagit fram införandeplaner."}


# --- reminders through Slack ---------------------------------------------------------------


def slack_messenger(fake: FakeSlackApi, clock: VirtualTime, *, min_interval: float = 1.0
                    ) -> SlackMessenger:
    client = WebClient(token=BOT_TOKEN, base_url=fake.base_url, timeout=5)
    return SlackMessenger(client, min_interval=min_interval, sleep=clock.sleep)


def reminder_service(runtime: Runtime, messenger: SlackMessenger, clock: FixedClock,
                     time: VirtualTime | None = None) -> ReminderService:
    """The reminder service through Slack; its pacing waits in virtual `time` when given."""

    stores = StoreFactory(runtime.engine, clock)
    if time is None:
        return ReminderService(stores, {"slack": messenger}, clock)
    return ReminderService(stores, {"slack": messenger}, clock, monotonic=time.monotonic,
                           sleep=time.sleep)


def due_now(service: ReminderService, at: datetime) -> set[str]:
    return {d.key for d in service.due(at) if d.reminder.due_at == at}
