"""The Slack door for real: the bot's aiohttp server, Bolt's own dispatch, a fake Slack.

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
import itertools
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.cli import main
from bot.messengers import build_messengers
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.slack.manifest import BOT_SCOPES
from bot.slack.messenger import SlackMessenger
from bot.web import create_app
from domain.config import Config
from handlers.i18n import translator
from handlers.messages import Command, FormSubmission, Reply
from scheduler.reminders import ReminderService
from scheduler.runner import Ticker
from storage import models as m
from storage import models_reminders, models_updates
from storage.db import create_db_engine, upgrade
from storage.repositories import StoreFactory
from storage.sync import sync_config
from tests.conftest import FixedClock
from tests.fakes import VirtualTime
from tests.fakes.slack_api import APP_ID, BOT_USER_ID, TEAM_ID, FakeSlackApi, serve_fake_slack
from tests.scheduler.support import local, statuses

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


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeSlackApi]:
    with serve_fake_slack(bot_token=BOT_TOKEN, app_token=APP_TOKEN) as running:
        yield running


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


@pytest.fixture
def runtime(database_url: str, fake: FakeSlackApi, example_config: Config) -> Iterator[Runtime]:
    runtime = build_runtime(slack_settings(database_url, fake))
    with Session(runtime.engine) as session:
        sync_config(session, example_config)
        session.commit()
    yield runtime
    runtime.close()


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
                 trigger_id: str = "trigger.0") -> str:
    """A slash command's form-encoded body, as Slack posts it."""

    return urlencode({
        "token": LEGACY_TOKEN,
        "team_id": TEAM_ID,
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
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> Answer:
        start = time.monotonic()
        response = await self.client.post(
            "/slack/events",
            data=body.encode("utf-8"),
            headers={"Content-Type": content_type, **(headers or {})},
        )
        text = await response.text()
        return Answer(response.status, text, time.monotonic() - start)

    async def signed_post(self, body: str, content_type: str, **headers: str) -> Answer:
        return await self.post(body, content_type, {**signed(body), **headers})

    def command_body(self, user: str, text: str, channel: str, name: str) -> str:
        return command_body(self.fake, user, text, channel, name, self.next_id("trigger."))

    async def command(
        self, user: str, text: str, *, channel: str = ARBETS, name: str = ""
    ) -> Answer:
        """`/samverkan <text>`; the answer goes to the fake's `/respond/<name>`."""

        body = self.command_body(user, text, channel, name or self.next_id("cmd-"))
        return await self.signed_post(body, FORM)

    async def interaction(self, payload: dict[str, Any]) -> Answer:
        return await self.signed_post(urlencode({"payload": json.dumps(payload)}), FORM)

    async def event(self, event: dict[str, Any], event_id: str, **headers: str) -> Answer:
        body = json.dumps({
            "token": LEGACY_TOKEN,
            "team_id": TEAM_ID,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": TEAM_ID,
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


# --- slash commands ------------------------------------------------------------------------


def test_help_is_acknowledged_at_once_then_answered_privately_in_block_kit(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    async def scenario(slack: Slack) -> tuple[Answer, dict[str, Any]]:
        ack = await slack.command(LINNEA, "hjälp", name="help")
        return ack, await slack.answer("help")

    ack, body = drive(runtime, fake, scenario)
    assert ack.status == 200 and ack.text == "" and ack.seconds < ACK_LIMIT
    assert body["response_type"] == "ephemeral"
    assert body["replace_original"] is False
    assert body["blocks"][0]["type"] == "header"
    shown = texts(body["blocks"])
    for word in ("hjälp", "vem", "möten", "rapportera", "mina", "hem"):
        assert word in shown
    # The bot identified itself once (Bolt's authorization) and asked nothing else of Slack.
    assert fake.counts() == Counter({"auth.test": 1})


def test_meetings_from_a_group_channel_show_that_groups_meetings(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    async def scenario(slack: Slack) -> dict[str, Any]:
        assert (await slack.command(LINNEA, "möten", channel=ARBETS, name="m")).status == 200
        return await slack.answer("m")

    body = drive(runtime, fake, scenario)
    assert body["response_type"] == "ephemeral"
    assert "Länsgemensam arbetsgrupp" in body["blocks"][0]["text"]["text"]
    assert "Arbetsgruppen" in texts(body["blocks"])


def test_a_user_known_only_by_email_is_matched_once_then_remembered(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    fake.seed_user(GORAN, GORAN_EMAIL)
    assert runtime.dispatcher.knows("slack", GORAN) is False

    async def scenario(slack: Slack) -> list[dict[str, Any]]:
        answers = []
        for name in ("first", "second"):
            assert (await slack.command(GORAN, "vem", name=name)).status == 200
            answers.append(await slack.answer(name))
        return answers

    first, second = drive(runtime, fake, scenario)
    assert "Göran Ivarsson" in texts(first["blocks"])
    assert "Göran Ivarsson" in texts(second["blocks"])
    assert runtime.dispatcher.knows("slack", GORAN) is True
    # users.info was asked once: the second time the Slack id alone was enough.
    assert fake.count("users.info") == 1
    assert fake.calls_to("users.info")[0].body["user"] == GORAN


def test_an_unknown_user_is_told_how_to_be_added_and_nothing_is_stored(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    before = row_counts(runtime.engine)

    async def scenario(slack: Slack) -> dict[str, Any]:
        assert (await slack.command(NOBODY, "rapportera", name="who")).status == 200
        return await slack.answer("who")

    body = drive(runtime, fake, scenario)
    assert body["response_type"] == "ephemeral"
    assert "Be administratören lägga till dig" in texts(body)
    assert fake.calls_to("users.info")[0].error == "user_not_found"
    assert fake.count("views.open") == 0
    assert runtime.dispatcher.knows("slack", NOBODY) is False
    assert row_counts(runtime.engine) == before


# --- the report modal ------------------------------------------------------------------------


def test_report_opens_a_modal_refuses_invalid_input_in_place_and_stores_a_valid_one_once(
    runtime: Runtime, fake: FakeSlackApi, example_config: Config
) -> None:
    @dataclass
    class Seen:
        opened: dict[str, Any]
        sent_view: dict[str, Any]
        invalid: Answer
        identity_number: Answer
        after_invalid: int
        valid: Answer
        resent: Answer
        mine: dict[str, Any]

    async def scenario(slack: Slack) -> Seen:
        ack = await slack.command(LINNEA, "rapportera", name="report")
        assert ack.status == 200 and ack.seconds < ACK_LIMIT
        await fake.until(lambda: fake.count("views.open") == 1, "views.open")
        call = fake.calls_to("views.open")[0]
        assert call.ok, call.error
        opened = call.response["view"]
        invalid = await slack.interaction(
            submission(opened, LINNEA, {"activity": "VIP-1", "summary": "Lägesbild klar."})
        )
        identity_number = await slack.interaction(submission(
            opened, LINNEA, {**VALID, "summary": f"Uppföljning av {PNR} pågår."}
        ))
        after_invalid = stored_updates(runtime.engine)
        valid = await slack.interaction(submission(opened, LINNEA, VALID))
        await fake.until(lambda: fake.count("chat.postEphemeral") == 1, "the confirmation")
        resent = await slack.interaction(submission(opened, LINNEA, VALID))
        await fake.until(lambda: fake.count("chat.postEphemeral") == 2, "the second answer")
        await slack.command(LINNEA, "mina", name="mine")
        return Seen(opened, call.body["view"], invalid, identity_number, after_invalid, valid,
                    resent, await slack.answer("mine"))

    seen = drive(runtime, fake, scenario)
    # Opened with the trigger of the command, not answered at the response_url.
    assert fake.calls_to("views.open")[0].body["trigger_id"].startswith("trigger.")
    assert fake.responses("report") == []
    view = seen.sent_view
    assert view["type"] == "modal" and view["callback_id"] == "samverkan.form"
    activity = next(b for b in view["blocks"] if b["block_id"] == "activity")
    groups = activity["element"]["option_groups"]
    goal_areas = {g.title for g in example_config.plan.goal_areas}
    assert {g["label"]["text"] for g in groups} <= goal_areas
    assert len(groups) >= 2
    codes = {o["value"] for g in groups for o in g["options"]}
    assert "VIP-1" in codes
    assert json.loads(view["private_metadata"])["channel"] == ARBETS

    # Invalid: the errors are shown next to the fields, in the modal; nothing is stored.
    for answer in (seen.invalid, seen.identity_number):
        assert answer.status == 200 and answer.seconds < ACK_LIMIT
        assert answer.json()["response_action"] == "errors"
    assert set(seen.invalid.json()["errors"]) == {"status"}
    assert set(seen.identity_number.json()["errors"]) == {"summary"}
    assert PNR not in seen.identity_number.text
    assert seen.after_invalid == 0

    # Valid: an empty acknowledgement closes the modal; stored once, confirmed privately.
    assert seen.valid.status == 200 and seen.valid.text == ""
    assert seen.resent.status == 200 and seen.resent.text == ""
    assert stored_updates(runtime.engine) == 1
    confirmation = fake.calls_to("chat.postEphemeral")[0]
    assert confirmation.ok, confirmation.error
    assert confirmation.body["channel"] == ARBETS and confirmation.body["user"] == LINNEA
    assert "#1" in texts(confirmation.body["blocks"])
    assert "VIP-1" in texts(seen.mine["blocks"])


def test_a_submission_slower_than_slacks_window_closes_the_modal_and_answers_later(
    runtime: Runtime, fake: FakeSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit = runtime.dispatcher.submit

    def slow(form: FormSubmission) -> Reply:
        time.sleep(3)  # a store that is slow today
        return submit(form)

    async def scenario(slack: Slack) -> tuple[Answer, Answer]:
        for name in ("one", "two"):  # two modals, one filled in well, one not
            await slack.command(LINNEA, "rapportera", name=name)
        await fake.until(lambda: fake.count("views.open") == 2, "views.open")
        one, two = (c.response["view"] for c in fake.calls_to("views.open"))
        monkeypatch.setattr(runtime.dispatcher, "submit", slow)
        valid = await slack.interaction(submission(one, LINNEA, VALID))
        invalid = await slack.interaction(
            submission(two, LINNEA, {**VALID, "status": "", "risks": PNR})
        )
        await fake.until(lambda: fake.count("chat.postEphemeral") == 2, "both answers", 10)
        return valid, invalid

    valid, invalid = drive(runtime, fake, scenario)
    for answer in (valid, invalid):
        # Closed inside Slack's three seconds, though the store took longer.
        assert answer.status == 200 and answer.text == "" and answer.seconds < 2.9
    assert stored_updates(runtime.engine) == 1
    # The two ran side by side: either may have finished first.
    answers = sorted((texts(c.body["blocks"]) for c in fake.calls_to("chat.postEphemeral")),
                     key=lambda text: "#1" not in text)
    confirmation, correction = answers
    assert "#1" in confirmation and "#1" not in correction
    assert SV("updates.field.status") in correction and "Inget har sparats" in correction
    assert PNR not in correction


def test_the_report_button_opens_the_modal(runtime: Runtime, fake: FakeSlackApi) -> None:
    async def scenario(slack: Slack) -> Answer:
        ack = await slack.interaction(button(LINNEA, "report.open", "arbetsgrupp",
                                             response_url=fake.response_url("button")))
        await fake.until(lambda: fake.count("views.open") == 1, "views.open")
        return ack

    ack = drive(runtime, fake, scenario)
    assert ack.status == 200 and ack.seconds < ACK_LIMIT
    call = fake.calls_to("views.open")[0]
    assert call.ok, call.error
    assert call.body["trigger_id"] == "trigger.button.report.open"
    assert call.body["view"]["callback_id"] == "samverkan.form"
    assert fake.count("chat.postEphemeral") == 0 and fake.count("chat.postMessage") == 0


# --- the Home tab ----------------------------------------------------------------------------


def test_home_tab_is_published_once_per_event_even_when_slack_resends_it(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    async def scenario(slack: Slack) -> tuple[Answer, Answer]:
        first = await slack.event(home_opened(LINNEA), "Ev0HOME0001")
        await fake.until(lambda: fake.count("views.publish") == 1, "views.publish")
        again = await slack.event(home_opened(LINNEA), "Ev0HOME0001",
                                  **{"X-Slack-Retry-Num": "1",
                                     "X-Slack-Retry-Reason": "http_timeout"})
        await asyncio.sleep(0.5)  # time for a second publish that must not come
        return first, again

    first, again = drive(runtime, fake, scenario)
    assert first.status == 200 and first.seconds < ACK_LIMIT
    assert again.status == 200
    assert fake.count("views.publish") == 1
    call = fake.calls_to("views.publish")[0]
    assert call.ok, call.error
    assert call.body["user_id"] == LINNEA
    view = call.body["view"]
    assert view["type"] == "home"
    shown = texts(view["blocks"])
    assert "Översikt för Linnéa Ek" in shown
    assert "Nästa möte" in shown and "Sammankallande" in shown
    assert "report.open" in action_ids(view["blocks"])


# --- requests that are not Slack's -----------------------------------------------------------


def _forged(kind: str, body: str) -> dict[str, str]:
    if kind == "missing":
        return {}
    if kind == "no_timestamp":
        return {"X-Slack-Signature": signed(body)["X-Slack-Signature"]}
    if kind == "wrong_secret":
        return signed(body, secret="not-the-signing-secret")
    if kind == "tampered":
        return signed(body + "&extra=1")
    assert kind == "stale"
    return signed(body, age=6 * 60)


@pytest.mark.parametrize("kind", ["missing", "no_timestamp", "wrong_secret", "tampered", "stale"])
def test_unsigned_forged_or_stale_requests_get_401_and_change_nothing(
    runtime: Runtime, fake: FakeSlackApi, kind: str
) -> None:
    fake.seed_user(GORAN, GORAN_EMAIL)
    before = row_counts(runtime.engine)
    metadata = json.dumps({"form": "update", "state": "", "channel": ARBETS})
    opened = {
        "id": "V0FORGED1", "hash": "1.forged", "type": "modal", "callback_id": "samverkan.form",
        "private_metadata": metadata,
        "blocks": [
            {"type": "input", "block_id": name, "element": {"type": "plain_text_input",
                                                             "action_id": name}}
            for name in ("activity", "status", "summary")
        ],
    }

    async def scenario(slack: Slack) -> list[int]:
        bodies = [
            (slack.command_body(GORAN, "vem", ARBETS, "forged"), FORM),
            (urlencode({"payload": json.dumps(submission(opened, LINNEA, VALID))}), FORM),
            (urlencode({"payload": json.dumps(button(LINNEA, "report.open", ""))}), FORM),
            (json.dumps({"type": "event_callback", "event_id": "Ev0FORGED1", "team_id": TEAM_ID,
                         "api_app_id": APP_ID, "event": home_opened(LINNEA)}),
             "application/json"),
        ]
        statuses = [
            (await slack.post(body, content_type, _forged(kind, body))).status
            for body, content_type in bodies
        ]
        await asyncio.sleep(0.3)  # time for any work that must not happen
        return statuses

    assert drive(runtime, fake, scenario) == [401, 401, 401, 401]
    assert fake.calls == [] and fake.responses() == []
    assert row_counts(runtime.engine) == before
    assert runtime.dispatcher.knows("slack", GORAN) is False


# --- three seconds ---------------------------------------------------------------------------


def test_the_command_is_acknowledged_at_once_even_when_the_work_takes_four_seconds(
    runtime: Runtime, fake: FakeSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle = runtime.dispatcher.handle
    worked: list[float] = []

    def slow(command: Command) -> Reply:
        time.sleep(4)  # in the worker thread: a slow database, a big report
        worked.append(time.monotonic())
        return handle(command)

    monkeypatch.setattr(runtime.dispatcher, "handle", slow)

    async def scenario(slack: Slack) -> tuple[Answer, bool, dict[str, Any], float]:
        start = time.monotonic()
        ack = await slack.command(LINNEA, "hjälp", name="slow")
        answered_early = bool(fake.responses("slow"))
        body = await slack.answer("slow", timeout=10)
        return ack, answered_early, body, time.monotonic() - start

    ack, answered_early, body, total = drive(runtime, fake, scenario)
    assert ack.status == 200 and ack.seconds < ACK_LIMIT
    assert not answered_early
    assert worked and total >= 4
    assert "rapportera" in texts(body["blocks"])


# --- reminders through Slack ---------------------------------------------------------------


def slack_messenger(fake: FakeSlackApi, clock: VirtualTime, *, min_interval: float = 1.0
                    ) -> SlackMessenger:
    client = WebClient(token=BOT_TOKEN, base_url=fake.base_url, timeout=5)
    return SlackMessenger(client, min_interval=min_interval, monotonic=clock.monotonic,
                          sleep=clock.sleep)


def reminder_service(runtime: Runtime, messenger: SlackMessenger, clock: FixedClock
                     ) -> ReminderService:
    stores = StoreFactory(runtime.engine, clock)
    return ReminderService(stores, {"slack": messenger}, clock)


def due_now(service: ReminderService, at: datetime) -> set[str]:
    return {d.key for d in service.due(at) if d.reminder.due_at == at}


def test_the_installation_sends_reminders_through_slack_at_the_configured_api(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    messengers = build_messengers(runtime.settings)
    assert set(messengers) == {"slack"}
    messenger = messengers["slack"]
    assert isinstance(messenger, SlackMessenger)
    assert messenger.client.base_url == fake.base_url
    assert messenger.client.auth_test()["ok"]
    assert fake.calls_to("auth.test")[0].token == BOT_TOKEN


def test_reminders_go_to_the_group_channel_with_a_button_and_as_direct_messages_once(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    virtual = VirtualTime()
    fake.clock = virtual.monotonic
    fake.limit_channels(1.0)
    clock = FixedClock(THU)
    service = reminder_service(runtime, slack_messenger(fake, virtual), clock)
    expected = due_now(service, THU)
    assert len(expected) == 11
    reports = []
    for at in (THU, THU, THU + timedelta(seconds=20), THU + timedelta(hours=2)):
        clock.now = at
        reports.append(service.run_once())
    assert set(reports[0].sent) == expected
    assert all(r.sent == [] and r.retrying == [] for r in reports[1:])
    assert {k: v for k, v in statuses(runtime.engine).items() if k in expected} == dict.fromkeys(
        expected, "sent")

    # The channel: one request for updates, with the button that opens the modal.
    (channel_post,) = fake.posted(ARBETS)
    actions = [b for b in channel_post.body["blocks"] if b["type"] == "actions"]
    (report_button,) = [e for b in actions for e in b["elements"]]
    assert report_button["action_id"] == "report.open"
    assert report_button["value"] == "arbetsgrupp"
    assert report_button["text"]["text"] == SV("reminder.report_button")
    # Direct messages: one conversation opened per person, each message once.
    opened = [c.body["users"] for c in fake.calls_to("conversations.open", ok=True)]
    assert len(opened) == len(set(opened)) == 9
    direct = [c for c in fake.posted() if c.body["channel"].startswith("D")]
    assert len(direct) == 10
    every = Counter((c.body["channel"], texts(c.body["blocks"])) for c in fake.posted())
    assert set(every.values()) == {1}
    # Malin is asked for her update and reminded to convene: two messages a second apart.
    malin = [c.at for c in fake.posted("D0SKA0002")]
    assert len(malin) == 2 and malin[1] - malin[0] >= 1.0
    assert fake.count("chat.postMessage", ok=False) == 0


def test_a_429_is_honoured_with_retry_after_and_the_reminder_arrives_once_later(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    virtual = VirtualTime()
    clock = FixedClock(THU)
    service = reminder_service(runtime, slack_messenger(fake, virtual), clock)
    channel_key = next(k for k in due_now(service, THU) if "|channel|" in k)
    fake.fail_next("chat.postMessage", status=429, retry_after=30, channel=ARBETS)
    first = service.run_once()
    assert first.retrying == [channel_key]
    assert len(first.sent) == 10  # the direct messages were not held up by the busy channel
    assert statuses(runtime.engine)[channel_key] == "retry"
    assert [c.status for c in fake.calls_to("chat.postMessage")
            if c.body["channel"] == ARBETS] == [429]

    clock.now = THU + timedelta(seconds=10)  # before Retry-After has passed
    assert service.run_once().sent == []
    assert fake.posted(ARBETS) == []

    clock.now = THU + timedelta(seconds=31)
    assert service.run_once().sent == [channel_key]
    for later in (40, 120, 3600):
        clock.now = THU + timedelta(seconds=later)
        assert service.run_once().sent == []
    assert len(fake.posted(ARBETS)) == 1
    assert statuses(runtime.engine)[channel_key] == "sent"
    # Only the pacing waited (Malin's second message, the retry in the same channel), and
    # only in virtual time.
    assert virtual.sleeps and all(s <= 1.0 for s in virtual.sleeps)


def test_a_server_error_is_retried_later_with_backoff(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    clock = FixedClock(THU)
    service = reminder_service(runtime, slack_messenger(fake, VirtualTime()), clock)
    channel_key = next(k for k in due_now(service, THU) if "|channel|" in k)
    fake.fail_next("chat.postMessage", status=500, channel=ARBETS)
    assert service.run_once().retrying == [channel_key]
    clock.now = THU + timedelta(seconds=31)
    assert service.run_once().sent == [channel_key]
    assert len(fake.posted(ARBETS)) == 1


def test_posting_is_paced_to_one_message_a_second_per_channel(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    """KF-gruppen's channel gets two requests for updates at the same minute (two series)."""

    virtual = VirtualTime()
    fake.clock = virtual.monotonic
    fake.limit_channels(1.0, retry_after=1)
    clock = FixedClock(NOV25)
    service = reminder_service(runtime, slack_messenger(fake, virtual), clock)
    started = time.monotonic()
    report = service.run_once()
    assert time.monotonic() - started < 10  # virtual waiting: nothing really slept a second
    assert report.retrying == [] and report.failed == []
    assert fake.count("chat.postMessage", ok=False) == 0
    posts: dict[str, list[float]] = {}
    for call in fake.posted():
        posts.setdefault(call.body["channel"], []).append(call.at)
    assert len(posts[KF]) == 2
    for moments in posts.values():
        assert all(b - a >= 1.0 for a, b in itertools.pairwise(moments))
    assert virtual.sleeps and all(0 < s <= 1.0 for s in virtual.sleeps)


def test_without_pacing_slack_would_refuse_the_second_message(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    """The control for the test above: the fake does enforce Slack's limit."""

    virtual = VirtualTime()
    fake.clock = virtual.monotonic
    fake.limit_channels(1.0, retry_after=1)
    clock = FixedClock(NOV25)
    service = reminder_service(runtime, slack_messenger(fake, virtual, min_interval=0), clock)
    report = service.run_once()
    assert any("|channel|" in key for key in report.retrying)
    assert fake.count("chat.postMessage", ok=False) >= 1


def test_a_reminder_waiting_for_its_turn_never_blocks_the_chat(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    """The tick sends in a worker thread: while it waits, commands are acknowledged and answered."""

    waiting, release = threading.Event(), threading.Event()
    virtual = VirtualTime()

    def blocking_sleep(seconds: float) -> None:
        waiting.set()
        release.wait(timeout=10)
        virtual.now += seconds

    client = WebClient(token=BOT_TOKEN, base_url=fake.base_url, timeout=5)
    messenger = SlackMessenger(client, monotonic=virtual.monotonic, sleep=blocking_sleep)
    clock = FixedClock(NOV25)
    service = reminder_service(runtime, messenger, clock)
    ticker = Ticker([service.run_once], interval_seconds=20)

    async def scenario(slack: Slack) -> tuple[Answer, dict[str, Any], bool]:
        tick = asyncio.create_task(ticker.tick())
        try:
            for _ in range(500):
                if waiting.is_set():
                    break
                await asyncio.sleep(0.02)
            assert waiting.is_set(), "the reminders never had to wait"
            ack = await slack.command(LINNEA, "hjälp", name="during")
            body = await slack.answer("during")
            still_waiting = not release.is_set() and not tick.done()
        finally:
            release.set()
        await asyncio.wait_for(tick, timeout=30)
        return ack, body, still_waiting

    ack, body, still_waiting = drive(runtime, fake, scenario)
    assert still_waiting
    assert ack.status == 200 and ack.seconds < ACK_LIMIT
    assert "rapportera" in texts(body["blocks"])
    assert len(fake.posted(KF)) == 2


# --- logs ----------------------------------------------------------------------------------


def test_no_request_body_token_or_personal_data_in_the_logs(
    runtime: Runtime, fake: FakeSlackApi, production_logging: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake.seed_user(GORAN, GORAN_EMAIL)
    typed = "Hemlig lägesbild om Kungälvs arbete"

    async def scenario(slack: Slack) -> None:
        # One after the other: this test is about logs, not about concurrent SQLite writers.
        for user, text, name in ((GORAN, "vem", "a"),
                                 (LINNEA, f"rapportera VIP-1 pågår {typed}", "b"),
                                 (LINNEA, f"rapportera VIP-1 pågår {PNR}", "c"),
                                 (NOBODY, f"mina {typed}", "d")):
            await slack.command(user, text, name=name)
            await slack.answer(name)
        await slack.command(LINNEA, "rapportera", name="e")
        await fake.until(lambda: fake.count("views.open") == 1, "views.open")
        opened = fake.calls_to("views.open")[0].response["view"]
        await slack.interaction(submission(opened, LINNEA, {**VALID, "risks": PNR}))
        await slack.interaction(submission(opened, LINNEA, {**VALID, "summary": typed + "!"}))
        await slack.event(home_opened(LINNEA), "Ev0LOGS0001")
        # A forged request: Bolt refuses it (and would log its body at INFO, were it let).
        await slack.post(slack.command_body(LINNEA, typed, ARBETS, "x"), FORM,
                         signed("other body"))
        await fake.until(lambda: fake.count("views.publish") == 1, "views.publish")
        await fake.until(lambda: fake.count("chat.postEphemeral") == 1, "confirmation")

    drive(runtime, fake, scenario)
    clock = FixedClock(THU)
    fake.fail_next("chat.postMessage", status=429, retry_after=30, channel=ARBETS)
    fake.fail_next("chat.postMessage", status=200, error="channel_not_found",
                   channel="D0FYR0003")  # Henrik Sjöberg
    report = reminder_service(runtime, slack_messenger(fake, VirtualTime()), clock).run_once()
    assert report.retrying and report.failed  # the unhappy paths were logged too

    assert stored_updates(runtime.engine) == 2  # the work really happened
    records = production_logging.records
    assert any(r.levelno >= logging.ERROR for r in records)  # the failed reminder, at least
    logged = "\n".join(f"{r.getMessage()} {vars(r)}" for r in records if r.levelno >= logging.INFO)
    logged += production_logging.text + capsys.readouterr().err
    forbidden = [BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, LEGACY_TOKEN, GORAN_EMAIL, typed, PNR,
                 "Kungälv", "linnea.ek@", "response_url", "trigger."]
    assert [secret for secret in forbidden if secret in logged] == []


# --- the app manifest ------------------------------------------------------------------------


@pytest.mark.usefixtures("cli_env")
def test_slack_manifest_prints_the_app_to_create(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slack-manifest", "--url", "https://bot.example.org"]) == 0
    manifest = json.loads(capsys.readouterr().out)
    url = "https://bot.example.org/slack/events"
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/samverkan" and command["url"] == url
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["request_url"] == url
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert settings["interactivity"] == {"is_enabled": True, "request_url": url}
    assert settings["socket_mode_enabled"] is False
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)
    assert len(manifest["display_information"]["name"]) <= 35


@pytest.mark.usefixtures("cli_env")
def test_slack_manifest_for_socket_mode_has_no_request_urls(
    capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["slack-manifest", "--socket-mode", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    manifest = json.loads(out)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert "request_url" not in out and '"url"' not in out
    assert manifest["features"]["slash_commands"][0]["command"] == "/samverkan"
    assert manifest["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)
    with pytest.raises(SystemExit) as usage:
        main(["slack-manifest"])
    assert usage.value.code == 2


# --- Socket Mode ---------------------------------------------------------------------------


def routes(app: Any) -> set[str]:
    return {route.resource.canonical for route in app.router.routes() if route.resource}


def test_socket_mode_serves_no_public_events_route(
    database_url: str, fake: FakeSlackApi
) -> None:
    http = build_runtime(slack_settings(database_url, fake))
    socket_mode = build_runtime(slack_settings(database_url, fake, slack_app_token=APP_TOKEN))
    try:
        assert "/slack/events" in routes(create_app(http, with_scheduler=False))
        assert "/slack/events" not in routes(create_app(socket_mode, with_scheduler=False))
    finally:
        http.close()
        socket_mode.close()
    assert fake.calls == []  # nothing connects before the server starts


def test_socket_mode_acknowledges_over_the_socket_and_answers_at_the_response_url(
    database_url: str, fake: FakeSlackApi, example_config: Config
) -> None:
    runtime = build_runtime(slack_settings(database_url, fake, slack_app_token=APP_TOKEN))
    with Session(runtime.engine) as session:
        sync_config(session, example_config)
        session.commit()

    async def scenario() -> tuple[float, dict[str, Any], int]:
        app = create_app(runtime, with_scheduler=False)
        server = TestServer(app, host=LOOPBACK, port=0)
        async with TestClient(server) as client:
            await fake.until(lambda: fake.socket_connections == 1, "the socket")
            payload = {
                "token": LEGACY_TOKEN, "team_id": TEAM_ID, "team_domain": "samverkan-test",
                "channel_id": ARBETS, "channel_name": "arbetsgruppen", "user_id": LINNEA,
                "user_name": "linnea", "command": "/samverkan", "text": "hjälp",
                "api_app_id": APP_ID, "is_enterprise_install": "false",
                "response_url": fake.response_url("socket"), "trigger_id": "trigger.socket",
            }
            start = time.monotonic()
            fake.send_envelope({"envelope_id": "env-1", "type": "slash_commands",
                                "accepts_response_payload": True, "payload": payload})
            await fake.until(
                lambda: any(m.get("envelope_id") == "env-1" for m in fake.socket_received),
                "the acknowledgement",
            )
            acked = time.monotonic() - start
            await fake.until(lambda: bool(fake.responses("socket")), "the answer")
            # No public route: Slack reaches this bot only through the socket.
            status = (await client.post("/slack/events", data=b"{}")).status
            return acked, fake.responses("socket")[0].body, status

    try:
        acked, body, status = asyncio.run(scenario())
    finally:
        runtime.close()
    assert acked < ACK_LIMIT
    assert fake.count("apps.connections.open") >= 1
    assert fake.calls_to("apps.connections.open")[0].token == APP_TOKEN
    assert body["response_type"] == "ephemeral"
    assert "rapportera" in texts(body["blocks"])
    assert status == 404


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


def test_a_private_answers_file_goes_to_the_askers_direct_messages(fake: FakeSlackApi) -> None:
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.slack.app import SlackDoor
    from handlers.messages import Attachment

    responded: list[dict[str, Any]] = []

    async def respond(**payload: Any) -> None:
        responded.append(payload)

    async def scenario() -> None:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
        door = SlackDoor(dispatcher=None, client=client, default_language="sv")  # type: ignore[arg-type]
        chart = Attachment("status.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)
        reply = Reply.text("Status")
        reply = Reply(reply.heading, reply.blocks, attachments=(chart,))
        await door.answer(reply, respond, trigger_id=None, channel_id="C0ARBETS01",
                          command_text="status", user_id="U0VGR0001")

    asyncio.run(scenario())
    assert len(responded) == 1 and responded[0]["response_type"] == "ephemeral"
    assert fake.count("files.getUploadURLExternal") == 1
    [complete] = fake.calls_to("files.completeUploadExternal")
    assert complete.ok, complete.error  # the file reached Slack, not only the call
    # Not the channel: the asker's DM, opened for the purpose.
    assert complete.body.get("channel_id") != "C0ARBETS01"
    assert fake.count("conversations.open") == 1
