"""Card actions: a form's Action.Submit and a reminder's button, sent as messages with a value."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.runtime import Runtime
from domain.config import Config
from tests.bot.teams.support import (
    ACK_LIMIT,
    AMPERSAND,
    ARBETS,
    BOT,
    LINNEA,
    LINNEA_MEMBER,
    PNR,
    SV,
    TENANT,
    VALID,
    Answer,
    Teams,
    drive,
    elements,
    filled,
    references,
    stored_updates,
    submit_data,
)
from tests.fakes.bf_connector import FakeBotFramework

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
