"""The Teams door for real: the bot's aiohttp server, botbuilder's CloudAdapter, a fake cloud.

Every test serves `bot.web.create_app` on an ephemeral loopback port and posts Activities to
`/api/messages` the way Teams does, each with a Bot Framework token signed by a local RSA key
that `tests.fakes.bf_connector` publishes as OpenID metadata and JWKS; botbuilder's own
validation (`ChannelValidation`, pointed at that metadata) checks them. The activities'
`serviceUrl` is the same fake's connector, which records every reply, update and opened chat,
and hands the bot its own tokens. Reminders go through `bot.teams.messenger.TeamsMessenger`.
No external network; the people are the invented ones of the example configuration. Waits are
bounded polls.

People used: Linnéa Ek (AAD …0202, Arbetsgruppen and KF-gruppen), Göran Ivarsson with a new
AAD object id the configuration does not know (found by his e-mail), and someone nobody
configured.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from botframework.connector.auth import (
    AuthenticationConstants,
    ChannelValidation,
    JwtTokenExtractor,
)
from PIL import Image
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.cli import main
from bot.messengers import build_messengers
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.teams import connector
from bot.teams.bot import command_text
from bot.teams.cards import MESSAGE_LIMIT, reply_cards, wire_size
from bot.teams.connector import CONNECTOR_TIMEOUT, ConnectorCache, Pacer, send_error
from bot.teams.messenger import TeamsMessenger
from bot.teams.references import References
from bot.teams.server import TEAMS_DOOR, TeamsSetupError, build_adapter
from bot.web import create_app
from domain.config import Config
from handlers.i18n import translator
from handlers.messages import Command, Fields, Paragraph, Reply, Table
from scheduler.messenger import PermanentSendError, RateLimited, Target, TransientSendError
from scheduler.reminders import ReminderService
from storage import schema
from storage.models_teams import ConversationReferenceRow
from storage.models_updates import Update
from storage.repositories import StoreFactory
from storage.sync import sync_config
from tests.conftest import FixedClock
from tests.fakes import VirtualTime
from tests.fakes.bf_connector import FakeBotFramework, FakeSignIn, new_key, serve_fake_bot_framework
from tests.scheduler.support import local, statuses

LOOPBACK = "127.0.0.1"
APP_ID = "3f1c8e2a-5b7d-4c9e-a1f0-6d2b8c4e9a17"
PASSWORD = "bf-client-secret-never-log-me"
TENANT = "9a8b7c6d-0000-4000-8000-00000000abcd"
BOT = f"28:{APP_ID}"
ACK_LIMIT = 3.0  # seconds: well under Teams' 15

LINNEA = "00000000-0000-4000-8000-000000000202"
LINNEA_MEMBER = "29:1linnea-ek"
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


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBotFramework]:
    with serve_fake_bot_framework(app_id=APP_ID, password=PASSWORD, tenant_id=TENANT) as running:
        # botbuilder's own token validation, against the fake's metadata (never Microsoft's).
        monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", running.openid_url)
        # botbuilder caches metadata per URL for a day, process-wide: a later fake on a reused
        # ephemeral port would otherwise be checked against an earlier fake's key.
        monkeypatch.setattr(JwtTokenExtractor, "metadataCache", {})
        monkeypatch.setattr(AuthenticationConstants, "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL",
                            running.openid_url)
        yield running


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


def synced_runtime(settings: Settings, config: Config) -> Runtime:
    runtime = build_runtime(settings)
    with Session(runtime.engine) as session:
        sync_config(session, config)
        session.commit()
    return runtime


@pytest.fixture
def runtime(database_url: str, example_config: Config) -> Iterator[Runtime]:
    runtime = synced_runtime(teams_settings(database_url), example_config)
    yield runtime
    runtime.close()


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
        mention: bool = False,
        value: dict[str, Any] | None = None,
        reply_to: str | None = None,
        service_url: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        activity_id = self.next_id()
        body: dict[str, Any] = {
            "type": kind,
            "id": activity_id,
            "timestamp": "2026-09-01T07:00:00.000Z",
            "serviceUrl": service_url or self.fake.service_url,
            "channelId": "msteams",
            "from": {"id": member, "name": "Invented Person", "aadObjectId": user},
            "recipient": {"id": BOT, "name": "Samverkan"},
            "locale": "sv-SE",
            **extra,
        }
        if channel is None:
            body["conversation"] = {"conversationType": "personal", "tenantId": TENANT,
                                    "id": f"a:1personal-{member}"}
            body["channelData"] = {"tenant": {"id": TENANT}}
        else:
            body["conversation"] = {"isGroup": True, "conversationType": "channel",
                                    "tenantId": TENANT,
                                    "id": f"{channel};messageid={reply_to or activity_id}"}
            body["channelData"] = {"team": {"id": channel}, "channel": {"id": channel},
                                   "tenant": {"id": TENANT}}
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
                         teams_credentials=sign_in or FakeSignIn(fake))
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


# --- messages ----------------------------------------------------------------------------------


def test_help_in_a_personal_chat_is_answered_with_an_adaptive_card(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    async def scenario(teams: Teams) -> tuple[Answer, dict[str, Any], Answer]:
        answer, sent = await teams.say("hjälp")
        again, _ = await teams.say("help")
        return answer, sent, again

    answer, sent, again = drive(runtime, fake, scenario)
    assert answer.status == 201 and answer.seconds < ACK_LIMIT and again.status == 201
    first, _second = fake.messages()
    # A reply to the person's message, in their 1:1 chat, as an Adaptive Card 1.5.
    assert first.kind == "reply" and first.activity_id == sent["id"]
    assert first.conversation == f"a:1personal-{LINNEA_MEMBER}"
    (card,) = first.cards
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert card["body"][0]["text"] == SV("help.title")
    # A list, not a table: one text per command, its word first, then what it does.
    assert not any(e["type"] == "Table" for e in card["body"])
    blocks = [e["text"] for e in card["body"] if e["type"] == "TextBlock"]
    for word in ("hjälp", "vem", "möten", "rapportera", "mina", "hem"):
        assert word in first.text
        assert any(b.startswith(f"{word}\n") for b in blocks), word
    # The bot signed in once, and every connector call carried that token.
    (signed_in,) = fake.calls_of("token")
    assert signed_in.body["scope"] == "https://api.botframework.com/.default"
    assert {c.token for c in fake.messages()} == {signed_in.body["issued"]}
    assert first.body["from"]["id"] == BOT and first.body["recipient"]["id"] == LINNEA_MEMBER


def test_a_channel_mention_is_removed_and_the_channel_says_which_group(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    typed = "Samverkan med skolorna har startat i två kommuner."

    async def scenario(teams: Teams) -> tuple[dict[str, Any], dict[str, Any]]:
        answer, meetings = await teams.say("möten", channel=ARBETS, mention=True)
        assert answer.status == 201
        answer, report = await teams.say(f"rapportera VIP-1 pågår {typed}", channel=ARBETS,
                                         mention=True)
        assert answer.status == 201
        return meetings, report

    meetings, _report = drive(runtime, fake, scenario)
    first, second = fake.messages(ARBETS)
    # In the thread of the message that asked.
    assert first.kind == "reply" and first.activity_id == meetings["id"]
    assert first.conversation == f"{ARBETS};messageid={meetings['id']}"
    assert "Länsgemensam arbetsgrupp" in first.cards[0]["body"][0]["text"]
    # The mention went, the same word later in the text stayed.
    assert stored_updates(runtime.engine) == [typed]
    assert "#1" in second.text
    # The channel's reference was stored for reminders: a new post in the channel, no thread.
    row = references(runtime.engine)[("channel", ARBETS)]
    assert row.reference["conversation"]["id"] == ARBETS
    assert row.reference.get("activityId") is None and row.service_url == fake.service_url


def test_the_mention_is_taken_out_of_the_text_and_nothing_else() -> None:
    from botbuilder.schema import Activity

    body = {
        "type": "message", "text": "<at>Samverkan</at>&nbsp;rapportera VIP-1 pågår Samverkan "
        "med <at>Anna</at> &amp; skolan", "recipient": {"id": BOT, "name": "Samverkan"},
        "entities": [
            {"type": "mention", "text": "<at>Samverkan</at>",
             "mentioned": {"id": BOT, "name": "Samverkan"}},
            {"type": "mention", "text": "<at>Anna</at>", "mentioned": {"id": "29:1anna"}},
        ],
    }
    activity = Activity().deserialize(body)
    assert command_text(activity) == "rapportera VIP-1 pågår Samverkan med Anna & skolan"


def test_echoed_text_cannot_mention_anyone(runtime: Runtime, fake: FakeBotFramework) -> None:
    # What Teams sends when someone types "<at>Alla</at>" literally: escaped by Teams.
    typed = "Se &lt;at&gt;Alla&lt;/at&gt; och @channel"

    async def scenario(teams: Teams) -> None:
        assert (await teams.say(f"rapportera VIP-1 pågår {typed}"))[0].status == 201

    drive(runtime, fake, scenario)
    assert stored_updates(runtime.engine) == ["Se <at>Alla</at> och @channel"]
    (confirmation,) = fake.messages()
    shown = json.dumps(confirmation.cards, ensure_ascii=False)
    assert "<at>" not in shown and "@channel" not in shown
    assert "&lt;at&gt;Alla&lt;/at&gt;" in shown and "@\u2060channel" in shown


def test_an_unknown_aad_id_with_a_known_email_is_matched_once_then_remembered(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    fake.seed_member(GORAN_MEMBER, GORAN_NEW, GORAN_EMAIL)
    assert runtime.dispatcher.knows("teams", GORAN_NEW) is False

    async def scenario(teams: Teams) -> None:
        for _ in range(2):
            answer, _ = await teams.say("vem", user=GORAN_NEW, member=GORAN_MEMBER)
            assert answer.status == 201

    drive(runtime, fake, scenario)
    first, second = fake.messages()
    assert "Göran Ivarsson" in first.text and "Göran Ivarsson" in second.text
    assert runtime.dispatcher.knows("teams", GORAN_NEW) is True
    # Teams was asked for the member once; then the AAD object id alone was enough.
    (lookup,) = fake.calls_of("member")
    assert lookup.body["member"] == GORAN_MEMBER and lookup.status == 200
    # Known now, so the 1:1 chat is remembered for his reminders.
    assert ("personal", GORAN_NEW) in references(runtime.engine)


def test_an_unknown_person_is_told_how_to_be_added_and_nothing_is_stored(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    before = row_counts(runtime.engine)

    async def scenario(teams: Teams) -> Answer:
        answer, _ = await teams.say("rapportera", user=NOBODY, member="29:1nobody")
        return answer

    assert drive(runtime, fake, scenario).status == 201
    (answer,) = fake.messages()
    assert "Be administratören lägga till dig" in answer.text
    assert fake.calls_of("member", ok=False) and fake.calls_of("create") == []
    assert row_counts(runtime.engine) == before


# --- the report form ---------------------------------------------------------------------------


def test_the_report_form_shows_errors_next_to_the_fields_and_stores_a_valid_report_once(
    runtime: Runtime, fake: FakeBotFramework, example_config: Config
) -> None:
    @dataclass
    class Seen:
        card: dict[str, Any]
        card_id: str
        after_invalid: list[str]

    async def scenario(teams: Teams) -> Seen:
        answer, _ = await teams.say("rapportera")
        assert answer.status == 201 and answer.seconds < ACK_LIMIT
        (posted,) = fake.messages()
        card, card_id = posted.cards[0], posted.activity_id
        missing_status = filled(card, {"activity": "VIP-1", "summary": AMPERSAND})
        assert (await teams.post(teams.activity(value=missing_status, reply_to=card_id))
                ).status == 201
        with_pnr = filled(card, {**VALID, "summary": f"Uppföljning av {PNR} pågår."})
        assert (await teams.post(teams.activity(value=with_pnr, reply_to=card_id))
                ).status == 201
        after_invalid = stored_updates(runtime.engine)
        for _ in range(2):  # submitted twice (a double click): stored once
            valid = teams.activity(value=filled(card, VALID), reply_to=card_id)
            assert (await teams.post(valid)).status == 201
        return Seen(card, card_id, after_invalid)

    seen = drive(runtime, fake, scenario)
    # The form: an input card, the activities grouped by goal area in the choices' titles.
    ids = [e.get("id") for e in elements(seen.card)]
    assert {"activity", "status", "summary", "next_steps", "risks"} <= set(ids)
    activity = next(e for e in elements(seen.card) if e.get("id") == "activity")
    assert activity["type"] == "Input.ChoiceSet"
    goal_areas = {g.title for g in example_config.plan.goal_areas}
    prefixes = {c["title"].split(" – ", 1)[0] for c in activity["choices"]}
    assert prefixes <= goal_areas and len(prefixes) >= 2
    assert "VIP-1" in {c["value"] for c in activity["choices"]}
    assert any(e["type"] == "Input.Number" for e in elements(seen.card))
    assert submit_data(seen.card) == {"action": "samverkan.form", "form": "update", "state": ""}

    updates = fake.calls_of("update")
    assert [u.activity_id for u in updates] == [seen.card_id] * 4
    # Invalid: the card again, the error right under the field it is about; nothing stored.
    for update, field in zip(updates[:2], ("status", "summary"), strict=True):
        body = elements(update.cards[0])
        position = next(i for i, e in enumerate(body) if e.get("id") == field)
        error = body[position + 1]
        assert error["type"] == "TextBlock" and error["color"] == "Attention"
        assert SV("updates.field." + field) in error["text"]
        others = [e for i, e in enumerate(body) if e.get("color") == "Attention"
                  and i != position + 1]
        assert others == []
    # What was typed comes back as typed (an input's value is not markup to escape).
    summary = next(e for e in elements(updates[0].cards[0]) if e.get("id") == "summary")
    assert summary["value"] == AMPERSAND
    assert PNR not in json.dumps([u.body for u in fake.calls])
    assert seen.after_invalid == []
    # Valid: stored once, the card replaced by the confirmation (both times).
    assert stored_updates(runtime.engine) == [VALID["summary"]]
    for update in updates[2:]:
        assert "#1" in update.text and not any(
            str(e.get("type", "")).startswith("Input.") for e in elements(update.cards[0]))


def test_a_busy_connector_never_holds_the_turn(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    """A 429 on the card update with a long Retry-After: not slept in the turn (nor hidden in
    the HTTP client, which would sleep it and try again); the confirmation comes as a message.
    A short 503 is tried again at once."""

    async def scenario(teams: Teams) -> tuple[Answer, Answer]:
        await teams.say("rapportera")
        (posted,) = fake.messages()
        card, card_id = posted.cards[0], posted.activity_id
        fake.fail_next(429, kinds=("update",), retry_after=30)
        busy = await teams.post(teams.activity(value=filled(card, VALID), reply_to=card_id))
        await teams.say("rapportera")
        second = fake.messages()[-1]
        fake.fail_next(503, kinds=("update",))
        flaky = await teams.post(teams.activity(
            value=filled(second.cards[0], {**VALID, "summary": "Andra rapporten."}),
            reply_to=second.activity_id))
        return busy, flaky

    busy, flaky = drive(runtime, fake, scenario)
    assert busy.status == 201 and busy.seconds < ACK_LIMIT
    assert flaky.status == 201 and flaky.seconds < ACK_LIMIT
    updates = fake.calls_of("update")
    assert [u.status for u in updates] == [429, 503, 200]
    confirmation = fake.messages()[1]
    assert "#1" in confirmation.text and confirmation.kind == "reply"
    assert "#2" in updates[-1].text
    assert len(stored_updates(runtime.engine)) == 2


def test_report_in_a_channel_sends_the_form_to_the_personal_chat(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    async def scenario(teams: Teams) -> dict[str, Any]:
        answer, asked = await teams.say("rapportera", channel=ARBETS, mention=True)
        assert answer.status == 201 and answer.seconds < ACK_LIMIT
        return asked

    asked = drive(runtime, fake, scenario)
    (created,) = fake.calls_of("create")
    assert created.ok and created.body["members"] == [{"id": LINNEA_MEMBER}]
    assert created.body["channelData"] == {"tenant": {"id": TENANT}}
    assert created.body["isGroup"] is False and created.body["bot"] == {"id": BOT}
    personal = fake.messages(created.conversation)
    assert len(personal) == 1 and personal[0].kind == "send"
    assert submit_data(personal[0].cards[0])["action"] == "samverkan.form"
    (note,) = fake.messages(ARBETS)
    assert note.activity_id == asked["id"] and note.text == SV("teams.form_in_personal_chat")
    row = references(runtime.engine)[("personal", LINNEA)]
    assert row.reference["conversation"]["id"] == created.conversation


@pytest.mark.parametrize("word", ["mina-data", "vem", "mina"])
def test_an_answer_about_the_asker_goes_to_their_personal_chat_never_the_channel(
    runtime: Runtime, fake: FakeBotFramework, word: str
) -> None:
    async def scenario(teams: Teams) -> dict[str, Any]:
        answer, asked = await teams.say(word, channel=ARBETS, mention=True)
        assert answer.status == 201 and answer.seconds < ACK_LIMIT
        return asked

    asked = drive(runtime, fake, scenario)
    (created,) = fake.calls_of("create")
    assert created.body["members"] == [{"id": LINNEA_MEMBER}]
    (personal,) = fake.messages(created.conversation)
    assert personal.cards and personal.text
    (note,) = fake.messages(ARBETS)
    assert note.activity_id == asked["id"] and note.text == SV("teams.answer_in_personal_chat")
    assert not note.cards


def test_without_a_personal_chat_an_answer_about_the_asker_is_not_shown_in_the_channel(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    fake.fail_next(403, kinds=("create",))

    async def scenario(teams: Teams) -> None:
        answer, _asked = await teams.say("mina-data", channel=ARBETS, mention=True)
        assert answer.status == 201

    drive(runtime, fake, scenario)
    (note,) = fake.messages(ARBETS)
    assert note.text == SV("teams.ask_in_personal_chat") and not note.cards
    assert "/extract/" not in json.dumps([c.body for c in fake.calls_of("send", "reply")])


def test_a_question_about_the_group_is_answered_in_the_thread(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    async def scenario(teams: Teams) -> None:
        answer, _asked = await teams.say("möten", channel=ARBETS, mention=True)
        assert answer.status == 201

    drive(runtime, fake, scenario)
    assert fake.calls_of("create") == []
    (answer,) = fake.messages(ARBETS)
    assert answer.cards


def test_the_reminders_report_button_opens_the_form(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    async def scenario(teams: Teams) -> Answer:
        return await teams.post(teams.activity(value={"action": "report.open",
                                                      "value": "arbetsgrupp"}))

    answer = drive(runtime, fake, scenario)
    assert answer.status == 201 and answer.seconds < ACK_LIMIT
    (posted,) = fake.messages()
    assert submit_data(posted.cards[0]) == {"action": "samverkan.form", "form": "update",
                                            "state": ""}


# --- places the bot is installed in ---------------------------------------------------------------


def test_installation_stores_the_reference_and_keeps_the_latest_service_url(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    moved = fake.region_url("emea2")

    async def scenario(teams: Teams) -> list[int]:
        return [
            (await teams.post(teams.activity("installationUpdate", action="add",
                                             channel=ARBETS))).status,
            (await teams.post(teams.activity("installationUpdate", action="add"))).status,
            (await teams.post(teams.activity("conversationUpdate", channel=KF,
                                             membersAdded=[{"id": BOT}]))).status,
            # Teams moved the tenant: a message from the new service URL.
            (await teams.post(teams.activity(text="hjälp", service_url=moved))).status,
        ]

    assert drive(runtime, fake, scenario) == [201, 201, 201, 201]
    rows = references(runtime.engine)
    assert set(rows) == {("channel", ARBETS), ("channel", KF), ("personal", LINNEA)}
    assert {row.service_url for row in rows.values()} == {moved}
    assert {row.tenant_id for row in rows.values()} == {TENANT}
    personal = rows[("personal", LINNEA)].reference
    assert personal["user"] == {"id": LINNEA_MEMBER, "aadObjectId": LINNEA}
    # Ids only: no names in what is kept.
    assert "Invented Person" not in json.dumps([r.reference for r in rows.values()])
    # A personal install is greeted once.
    welcome = [c for c in fake.messages() if c.body.get("text") == SV("unknown.empty")]
    assert len(welcome) == 1

    async def removed(teams: Teams) -> int:
        activity = teams.activity("installationUpdate", action="remove", channel=KF)
        return (await teams.post(activity)).status

    assert drive(runtime, fake, removed) == 201
    assert ("channel", KF) not in references(runtime.engine)


# --- reminders ----------------------------------------------------------------------------------


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
            assert (await teams.post(activity)).status == 201

    drive(runtime, fake, scenario)
    fake.calls.clear()


def due_now(service: ReminderService, at: Any) -> set[str]:
    return {d.key for d in service.due(at) if d.reminder.due_at == at}


def test_the_installation_sends_reminders_through_teams(runtime: Runtime) -> None:
    messengers = build_messengers(runtime.settings, runtime.stores)
    assert set(messengers) == {"teams"}
    assert isinstance(messengers["teams"], TeamsMessenger)
    assert set(build_messengers(runtime.settings)) == {"log"}  # references need the database


def test_reminders_reach_the_groups_channel_and_members_personal_chats_once(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    install_in(runtime, fake, ARBETS)
    virtual = VirtualTime()
    fake.clock = virtual.monotonic
    fake.limit_conversations()
    clock = FixedClock(THU)
    service = reminder_service(runtime, teams_messenger(runtime, fake, virtual), clock)
    expected = due_now(service, THU)
    assert len(expected) == 11 and all(key.endswith("|teams") for key in expected)
    reports = []
    for at in (THU, THU, THU + timedelta(seconds=20), THU + timedelta(hours=2)):
        clock.now = at
        reports.append(service.run_once())
    assert set(reports[0].sent) == expected
    assert all(r.sent == [] and r.retrying == [] for r in reports[1:])
    assert {k: v for k, v in statuses(runtime.engine).items() if k in expected} == dict.fromkeys(
        expected, "sent")

    # The channel: one new post (not a reply), with the button that opens the form.
    (channel_post,) = fake.messages(ARBETS)
    assert channel_post.kind == "send" and channel_post.conversation == ARBETS
    actions = [a for e in elements(channel_post.cards[0]) if e["type"] == "ActionSet"
               for a in e["actions"]]
    assert [a["data"] for a in actions] == [{"action": "report.open", "value": "arbetsgrupp"}]
    assert actions[0]["title"] == SV("reminder.report_button")
    # Personal chats: opened once per person with their AAD object id, each message once.
    opened = [c.body["members"][0]["id"] for c in fake.calls_of("create", ok=True)]
    assert len(opened) == len(set(opened)) == 9 and LINNEA in opened
    personal = [c for c in fake.messages() if c.conversation.startswith("a:1personal-")]
    assert len(personal) == 10
    every = Counter((c.conversation, c.text) for c in fake.messages())
    assert set(every.values()) == {1}
    # Each was remembered: the next reminder needs no new chat.
    assert sum(1 for kind, _ in references(runtime.engine) if kind == "personal") == 9
    assert fake.calls_of(ok=False) == []


def test_a_429_is_honoured_with_retry_after_and_the_reminder_arrives_once_later(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    install_in(runtime, fake, ARBETS)
    clock = FixedClock(THU)
    service = reminder_service(runtime, teams_messenger(runtime, fake, VirtualTime()), clock)
    channel_key = next(k for k in due_now(service, THU) if "|channel|" in k)
    fake.fail_next(429, retry_after=30, conversation=ARBETS)
    first = service.run_once()
    assert first.retrying == [channel_key]
    assert len(first.sent) == 10  # the personal chats were not held up by the busy channel
    assert statuses(runtime.engine)[channel_key] == "retry"
    # One attempt: no retry hidden in the HTTP client, no 30 s slept inside it.
    assert [c.status for c in fake.calls_of("send") if c.conversation == ARBETS] == [429]

    clock.now = THU + timedelta(seconds=10)  # before Retry-After has passed
    assert service.run_once().sent == []
    clock.now = THU + timedelta(seconds=31)
    assert service.run_once().sent == [channel_key]
    for later in (40, 120, 3600):
        clock.now = THU + timedelta(seconds=later)
        assert service.run_once().sent == []
    assert len(fake.messages(ARBETS)) == 1
    assert statuses(runtime.engine)[channel_key] == "sent"


@pytest.mark.parametrize("status", [503, 412, 502, 504])
def test_a_transient_error_is_retried_later_with_backoff(
    runtime: Runtime, fake: FakeBotFramework, status: int
) -> None:
    install_in(runtime, fake, ARBETS)
    clock = FixedClock(THU)
    service = reminder_service(runtime, teams_messenger(runtime, fake, VirtualTime()), clock)
    channel_key = next(k for k in due_now(service, THU) if "|channel|" in k)
    fake.fail_next(status, conversation=ARBETS)
    assert service.run_once().retrying == [channel_key]
    assert statuses(runtime.engine)[channel_key] == "retry"
    clock.now = THU + timedelta(seconds=10)
    assert service.run_once().sent == []
    clock.now = THU + timedelta(seconds=31)
    assert service.run_once().sent == [channel_key]
    assert len(fake.messages(ARBETS)) == 1
    assert [c.status for c in fake.calls_of("send") if c.conversation == ARBETS] == [status, 201]


def test_a_bot_removed_from_the_team_fails_at_once_and_is_not_repeated(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    virtual = VirtualTime()
    messenger = teams_messenger(runtime, fake, virtual)
    target = Target("channel", "teams", ARBETS, group_id="arbetsgrupp")
    with pytest.raises(PermanentSendError) as nowhere:
        messenger.send(target, Reply.text("Hej"))
    assert nowhere.value.code == "teams_not_installed"
    install_in(runtime, fake, KF)  # installed elsewhere: the service URL is known
    fake.fail_next(403, conversation=ARBETS)
    with pytest.raises(PermanentSendError) as refused:
        messenger.send(target, Reply.text("Hej"))
    assert refused.value.code == "teams_403"


def test_a_connector_that_does_not_answer_is_a_transient_failure_soon(
    runtime: Runtime, fake: FakeBotFramework, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_in(runtime, fake, ARBETS)
    monkeypatch.setattr(connector, "CONNECTOR_TIMEOUT", 0.5)
    fake.delay("send", 3.0)
    messenger = teams_messenger(runtime, fake, VirtualTime())
    started = time.monotonic()
    with pytest.raises(TransientSendError):
        messenger.send(Target("channel", "teams", ARBETS), Reply.text("Hej"))
    assert time.monotonic() - started < 2.5  # not msrest's 100 s, not the fake's 3 s


def test_posting_is_paced_to_teams_limits_per_conversation(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    install_in(runtime, fake, ARBETS, KF)
    virtual = VirtualTime()
    fake.clock = virtual.monotonic
    fake.limit_conversations()
    messenger = teams_messenger(runtime, fake, virtual)
    started = time.monotonic()
    for n in range(20):
        messenger.send(Target("channel", "teams", ARBETS), Reply.text(f"Meddelande {n}"))
    waited = len(virtual.sleeps)
    messenger.send(Target("channel", "teams", KF), Reply.text("Till en annan kanal"))
    assert time.monotonic() - started < 20  # virtual waiting
    assert fake.calls_of(ok=False) == []
    moments = [c.at for c in fake.messages(ARBETS)]
    assert len(moments) == 20
    for window, limit in ((1.0, 7), (2.0, 8), (30.0, 60)):
        for i, start in enumerate(moments):
            assert sum(1 for t in moments[i:] if t < start + window - 1e-9) <= limit
    # 7 at once, the 8th a second later, 7 more at two seconds, one at three, four at four.
    assert max(moments) - min(moments) == pytest.approx(4.0)
    # The other channel was not held up by the busy one.
    assert len(fake.messages(KF)) == 1 and len(virtual.sleeps) == waited


def test_without_pacing_teams_would_refuse_the_eighth_message(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    """The control for the test above: the fake does enforce Teams' limit."""

    install_in(runtime, fake, ARBETS)
    virtual = VirtualTime()
    fake.clock = virtual.monotonic
    fake.limit_conversations()
    messenger = teams_messenger(runtime, fake, virtual, pacer=Pacer(virtual.monotonic, ()))
    with pytest.raises(RateLimited) as limited:
        for n in range(8):
            messenger.send(Target("channel", "teams", ARBETS), Reply.text(f"Meddelande {n}"))
    assert limited.value.code == "teams_429" and limited.value.retry_after == 1
    assert len(fake.messages(ARBETS)) == 7


def test_the_pacer_books_each_window_and_never_sleeps_on_an_idle_conversation() -> None:
    virtual = VirtualTime()
    pacer = Pacer(virtual.monotonic)
    waits = [pacer.reserve("19:x@thread.tacv2;messageid=1") for _ in range(9)]
    assert waits[:7] == [0.0] * 7 and waits[7] == pytest.approx(1.0)
    assert waits[8] == pytest.approx(2.0)  # the eighth within two seconds was the last
    assert pacer.reserve("19:y@thread.tacv2") == 0.0


@pytest.mark.parametrize(
    ("status", "expected", "code"),
    [(429, RateLimited, "teams_429"), (412, TransientSendError, "teams_412"),
     (502, TransientSendError, "teams_502"), (503, TransientSendError, "teams_503"),
     (504, TransientSendError, "teams_504"), (403, PermanentSendError, "teams_403"),
     (404, PermanentSendError, "teams_404")],
)
def test_connector_statuses_become_the_reminder_services_errors(
    status: int, expected: type, code: str
) -> None:
    class Response:
        status_code = status
        headers: ClassVar[dict[str, str]] = {"Retry-After": "17"}

    class Failure(Exception):
        response = Response()

    error = send_error(Failure())
    assert type(error) is expected and error.code == code
    if isinstance(error, RateLimited):
        assert error.retry_after == 17
    assert type(send_error(ConnectionError())) is TransientSendError


# --- a slow turn ------------------------------------------------------------------------------


def test_a_slow_answer_says_it_is_working_and_follows_proactively(
    runtime: Runtime, fake: FakeBotFramework, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle = runtime.dispatcher.handle

    def slow(command: Command) -> Reply:
        time.sleep(1.5)  # in the worker thread: a slow database, a big report
        return handle(command)

    monkeypatch.setattr(runtime.dispatcher, "handle", slow)

    def prepare(app: Any) -> None:
        app[TEAMS_DOOR].turn_budget = 0.3

    async def scenario(teams: Teams) -> tuple[Answer, list[str], dict[str, Any]]:
        answer, asked = await teams.say("hjälp", channel=ARBETS, mention=True)
        early = [c.text for c in fake.messages()]
        await fake.until(lambda: len(fake.messages()) == 2, "the late answer", 10)
        return answer, early, asked

    answer, early, asked = drive(runtime, fake, scenario, prepare=prepare)
    assert answer.status == 201 and answer.seconds < 1.4
    assert early == [SV("teams.working")]
    _working, late = fake.messages()
    assert late.activity_id == asked["id"]  # in the same thread, as a reply to the question
    assert late.conversation.startswith(ARBETS) and "rapportera" in late.text


# --- failures and logs ---------------------------------------------------------------------------


def test_a_failing_turn_gets_the_friendly_error_and_the_log_no_personal_data(
    runtime: Runtime, fake: FakeBotFramework, production_logging: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake.seed_member(GORAN_MEMBER, GORAN_NEW, GORAN_EMAIL)
    typed = "Hemlig lägesbild om Kungälvs arbete"
    fake.fail_next(403, kinds=("reply",))  # the first answer is refused by the connector

    async def scenario(teams: Teams) -> list[int]:
        statuses_ = [(await teams.say(f"rapportera VIP-1 pågår {typed}"))[0].status]
        statuses_.append((await teams.say("vem", user=GORAN_NEW, member=GORAN_MEMBER))[0].status)
        statuses_.append((await teams.say(f"mina {typed}", user=NOBODY,
                                          member="29:1nobody"))[0].status)
        statuses_.append((await teams.say(PNR, channel=ARBETS, mention=True))[0].status)
        forged = teams.activity(text=typed)
        statuses_.append((await teams.post(forged, token="not-a-token")).status)
        return statuses_

    assert drive(runtime, fake, scenario) == [201, 201, 201, 201, 401]
    error = fake.messages()[0]
    assert error.status == 201 and error.body["text"].startswith("Något gick fel hos mig")
    records = production_logging.records
    failed = [r for r in records if r.getMessage() == "teams turn failed"]
    assert len(failed) == 1 and vars(failed[0])["incident"] in error.body["text"]
    logged = "\n".join(f"{r.getMessage()} {vars(r)}" for r in records if r.levelno >= logging.INFO)
    logged += production_logging.text + capsys.readouterr().err
    forbidden = [PASSWORD, GORAN_EMAIL, typed, PNR, "Kungälv", "Invented Person", "Linnéa",
                 "fake-access-"]
    assert [secret for secret in forbidden if secret in logged] == []


# --- authentication ------------------------------------------------------------------------------


def _token(fake: FakeBotFramework, kind: str) -> str | None:
    if kind == "missing":
        return None
    if kind == "expired":
        return fake.channel_token(lifetime=600, issued_ago=3600)  # expired 50 minutes ago
    if kind == "wrong_audience":
        return fake.channel_token(audience="0b0b0b0b-0000-4000-8000-000000000000")
    if kind == "wrong_issuer":
        return fake.channel_token(issuer="https://login.example.org/not-the-bot-framework")
    if kind == "wrong_key":
        return fake.channel_token(key=new_key())  # the published key id, another key
    if kind == "unknown_key":
        return fake.channel_token(key=new_key(), key_id="someone-elses-key")
    if kind == "wrong_service_url":
        return fake.channel_token(service_url="https://smba.example.org/emea/")
    assert kind == "garbage"
    return "not.a.jwt"


AUTH_FAILURES = ["missing", "expired", "wrong_audience", "wrong_issuer", "wrong_key",
                 "unknown_key", "wrong_service_url", "garbage"]


@pytest.mark.parametrize("kind", AUTH_FAILURES)
def test_requests_without_a_valid_token_get_401_and_change_nothing(
    runtime: Runtime, fake: FakeBotFramework, kind: str
) -> None:
    fake.seed_member(GORAN_MEMBER, GORAN_NEW, GORAN_EMAIL)
    before = row_counts(runtime.engine)

    async def scenario(teams: Teams) -> list[int]:
        activities = [
            teams.activity(text="vem", user=GORAN_NEW, member=GORAN_MEMBER),
            teams.activity(text="rapportera VIP-1 pågår Ett förfalskat meddelande"),
            teams.activity("installationUpdate", action="add", channel=ARBETS),
            teams.activity(value=VALID | {"action": "samverkan.form", "form": "update",
                                          "state": ""}, reply_to="1770000000999"),
        ]
        answers = [(await teams.post(a, token=_token(fake, kind))).status for a in activities]
        await asyncio.sleep(0.3)  # time for any work that must not happen
        return answers

    assert drive(runtime, fake, scenario) == [401, 401, 401, 401]
    assert fake.calls_of("send", "reply", "update", "create", "member") == []
    assert row_counts(runtime.engine) == before
    assert runtime.dispatcher.knows("teams", GORAN_NEW) is False


def test_a_valid_token_is_accepted_by_the_same_validation(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    """The control for the refusals above: the token they spoil is accepted as it is."""

    async def scenario(teams: Teams) -> int:
        return (await teams.post(teams.activity(text="vem"))).status

    assert drive(runtime, fake, scenario) == 201
    assert "Linnéa Ek" in fake.messages()[0].text


def test_without_an_app_id_teams_is_not_served_unless_in_development_mode(
    database_url: str, example_config: Config, fake: FakeBotFramework
) -> None:
    plain = synced_runtime(teams_settings(database_url, microsoft_app_id=None), example_config)
    try:
        app = create_app(plain, with_scheduler=False)
        assert "/api/messages" not in routes(app)

        async def scenario(teams: Teams) -> int:
            return (await teams.post(teams.activity(text="hjälp"), token=None)).status

        assert drive(plain, fake, scenario) == 404
    finally:
        plain.close()
    # With an app id, --dev changes nothing about authentication.
    with_id = synced_runtime(teams_settings(database_url), example_config)
    try:
        async def unsigned(teams: Teams) -> int:
            return (await teams.post(teams.activity(text="hjälp"), token=None)).status

        assert drive(with_id, fake, unsigned, dev=True) == 401
    finally:
        with_id.close()
    assert fake.calls_of("send", "reply") == []


def test_teams_settings_that_cannot_work_stop_the_start(database_url: str) -> None:
    for broken in ({"microsoft_app_tenant_id": None}, {"microsoft_app_password": None}):
        with pytest.raises(TeamsSetupError):
            build_adapter(teams_settings(database_url, **broken))


def routes(app: Any) -> set[str]:
    return {route.resource.canonical for route in app.router.routes() if route.resource}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _listening(port: int) -> set[str]:
    """The local addresses listening on `port` (Linux, from /proc/net/tcp)."""

    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local_address, state = line.split()[1], line.split()[3]
            address, _, hex_port = local_address.partition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


@pytest.mark.slow
def test_serve_dev_binds_loopback_says_so_and_accepts_unauthenticated_teams(
    tmp_path: Path, example_config: Config
) -> None:
    if not os.path.exists("/proc/net/tcp"):
        pytest.skip("needs Linux's /proc/net/tcp to see the bound address")
    database = f"sqlite:///{tmp_path / 'dev.db'}"
    synced_runtime(Settings(_env_file=None, database_url=database), example_config).close()
    port = _free_port()
    env = {key: value for key, value in os.environ.items()
           if key.lower() not in Settings.model_fields}
    # Asked to listen everywhere: development mode must not.
    env.update(DATABASE_URL=database, HOST="0.0.0.0", LOG_LEVEL="INFO",
               PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    with serve_fake_bot_framework(app_id="", password="", tenant_id=TENANT,
                                  require_token=False) as fake:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--dev", "--port", str(port)],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while not _listening(port):
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
            assert _listening(port) == {"0100007F"}  # 127.0.0.1, nothing else

            async def unsigned() -> int:
                body = Teams(None, fake).activity(text="hjälp")
                async with aiohttp.ClientSession() as session:
                    async with session.post(f"http://{LOOPBACK}:{port}/api/messages",
                                            json=body) as response:
                        return response.status

            assert asyncio.run(unsigned()) == 201
            fake.wait_until(lambda: len(fake.messages()) == 1, "the answer", 10)
            assert fake.messages()[0].token is None  # no app id: no sign-in either
            assert "rapportera" in fake.messages()[0].text
        finally:
            process.terminate()
            out, err = process.communicate(timeout=10)
    assert "UTVECKLINGSLÄGE" in out and "127.0.0.1" in out
    assert "TEAMS WITHOUT AUTHENTICATION" in err


# --- cards under 28 KB ---------------------------------------------------------------------------


def long_status() -> Reply:
    """A status report far bigger than one Teams message: 300 activities, long texts."""

    rows = tuple(
        (f"AKT-{n}", f"Aktivitet {n} med en lång titel om samverkan och uppföljning åäö " * 2,
         "pågår enligt plan", f"Senaste lägesrapport för aktivitet {n}: " + "text " * 40)
        for n in range(300)
    )
    return Reply(
        heading="Status för handlingsplanen",
        blocks=(
            Paragraph("Inledning. " * 400),
            Fields(tuple((f"Målområde {n}", f"{n} aktiviteter") for n in range(60))),
            Table(("Kod", "Aktivitet", "Status", "Senast"), rows),
            Paragraph("En cell som inte får plats: " + "ord " * 3000),
        ),
    )


def test_a_long_status_is_split_into_cards_under_28_kb_and_nothing_is_dropped() -> None:
    reply = long_status()
    cards = reply_cards(reply)
    assert len(cards) > 5
    assert all(wire_size(card) < MESSAGE_LIMIT - 2048 for card in cards)
    shown = "\n".join(json.dumps(card, ensure_ascii=False) for card in cards)
    for row in reply.blocks[2].rows:  # type: ignore[union-attr]
        for cell in row:
            assert cell.strip().split(" ")[0] in shown
    words = sum(len(re.findall(r"\bord\b", json.dumps(card, ensure_ascii=False)))
                for card in cards)
    assert words == 3000
    assert cards[1]["body"][0]["text"].endswith(f"(2/{len(cards)})")


def test_the_biggest_replies_reach_teams_as_cards_teams_accepts(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    install_in(runtime, fake, ARBETS)

    async def scenario(teams: Teams) -> None:
        for text in ("hjälp", "hem", "status", "rapportera"):
            assert (await teams.say(text))[0].status == 201

    drive(runtime, fake, scenario)
    # The status report's chart (about 50 KB) cannot go in a Teams message: said so.
    assert any(SV("teams.attachments_not_shown", files="").split("(")[0] in c.text
               for c in fake.messages())
    virtual = VirtualTime()
    messenger = teams_messenger(runtime, fake, virtual)
    messenger.send(Target("channel", "teams", ARBETS), long_status())
    assert fake.calls_of(ok=False) == []  # the fake refuses anything over 28 KB with 413
    assert len(fake.messages(ARBETS)) == len(reply_cards(long_status()))
    assert all(len(json.dumps(c.body)) < MESSAGE_LIMIT for c in fake.messages())


# --- the app package ------------------------------------------------------------------------------


@pytest.mark.usefixtures("cli_env")
def test_teams_package_builds_the_zip_to_upload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://samverkan.example.org")
    output = tmp_path / "samverkan.zip"
    assert main(["teams-package", "--output", str(output)]) == 0
    assert str(output) in capsys.readouterr().out
    with zipfile.ZipFile(output) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color = Image.open(io.BytesIO(archive.read("color.png")))
        outline = Image.open(io.BytesIO(archive.read("outline.png")))
    major, minor = (int(p) for p in manifest["manifestVersion"].split("."))
    assert (major, minor) >= (1, 17)
    assert f"/v{manifest['manifestVersion']}/" in manifest["$schema"]
    assert manifest["id"] == APP_ID
    (bot,) = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    (command_list,) = bot["commandLists"]
    titles = [c["title"] for c in command_list["commands"]]
    assert {"hjälp", "rapportera", "möten", "hem"} <= set(titles)
    assert 1 <= len(titles) <= 10
    assert all(len(c["title"]) <= 32 and 0 < len(c["description"]) <= 128
               for c in command_list["commands"])
    rapportera = next(c for c in command_list["commands"] if c["title"] == "rapportera")
    assert rapportera["description"] == SV("teams.command.update")
    assert manifest["validDomains"] == ["samverkan.example.org"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80
    assert manifest["developer"]["websiteUrl"].startswith("https://")
    assert color.size == (192, 192)
    assert outline.size == (32, 32) and outline.mode == "RGBA"
    pixels = set(outline.get_flattened_data())
    assert all(alpha == 0 or (r, g, b) == (255, 255, 255) for r, g, b, alpha in pixels)
    assert any(alpha == 255 for *_, alpha in pixels) and any(a == 0 for *_, a in pixels)


@pytest.mark.usefixtures("cli_env")
def test_teams_package_in_english_and_without_an_app_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "none.zip"
    assert main(["teams-package", "--output", str(output)]) == 2
    assert "MICROSOFT_APP_ID" in capsys.readouterr().err and not output.exists()
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://samverkan.example.org")
    assert main(["teams-package", "--output", str(output), "--lang", "en"]) == 0
    with zipfile.ZipFile(output) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    titles = {c["title"] for c in manifest["bots"][0]["commandLists"][0]["commands"]}
    assert {"help", "update", "meetings"} <= titles


def test_connector_clients_are_kept_per_service_url_and_try_once() -> None:
    from botframework.connector.aio import ConnectorClient
    from botframework.connector.auth import MicrosoftAppCredentials

    made: list[str] = []

    class Factory:
        async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
            made.append(service_url)
            return ConnectorClient(MicrosoftAppCredentials("", ""), base_url=service_url)

    async def scenario() -> None:
        cache = ConnectorCache(size=2)
        first = await cache.get(Factory(), "https://smba.example/emea/", None)
        assert await cache.get(Factory(), "https://smba.example/emea/", None) is first
        assert first.config.retry_policy.policy.total == 0
        assert first.config.connection.timeout == CONNECTOR_TIMEOUT
        await cache.get(Factory(), "https://smba.example/amer/", None)
        await cache.get(Factory(), "https://smba.example/apac/", None)  # the oldest goes
        assert await cache.get(Factory(), "https://smba.example/emea/", None) is not first

    asyncio.run(scenario())
    assert made == ["https://smba.example/emea/", "https://smba.example/amer/",
                    "https://smba.example/apac/", "https://smba.example/emea/"]
