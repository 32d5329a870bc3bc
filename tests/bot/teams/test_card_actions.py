"""Card actions: a form's Action.Submit and a reminder's button, sent as messages with a value."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.runtime import Runtime
from domain.config import Config
from storage.models_updates import Update
from tests.bot.teams.support import (
    ACK_LIMIT,
    AMPERSAND,
    ARBETS,
    BOT,
    LINNEA,
    LINNEA_MEMBER,
    NOV25,
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
        assert answer.status == 200 and answer.seconds < ACK_LIMIT
        (posted,) = fake.messages()
        card, card_id = posted.cards[0], posted.activity_id
        missing_status = filled(card, {"activity": "VIP-1", "summary": AMPERSAND})
        assert (await teams.post(teams.activity(value=missing_status, reply_to=card_id))
                ).status == 200
        with_pnr = filled(card, {**VALID, "summary": f"Uppföljning av {PNR} pågår."})
        assert (await teams.post(teams.activity(value=with_pnr, reply_to=card_id))
                ).status == 200
        after_invalid = stored_updates(runtime.engine)
        for _ in range(2):  # submitted twice (a double click): stored once
            valid = teams.activity(value=filled(card, VALID), reply_to=card_id)
            assert (await teams.post(valid)).status == 200
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
    assert busy.status == 200 and busy.seconds < ACK_LIMIT
    assert flaky.status == 200 and flaky.seconds < ACK_LIMIT
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
        assert answer.status == 200 and answer.seconds < ACK_LIMIT
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


def test_without_a_personal_chat_the_form_is_not_shown_in_the_channel(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    fake.fail_next(403, kinds=("create",), times=2)  # not installed for Linnéa personally

    async def scenario(teams: Teams) -> None:
        answer, _ = await teams.say("ändra 1", channel=ARBETS, mention=True)
        assert answer.status == 200
        answer, _ = await teams.say("rapportera", channel=ARBETS, mention=True)
        assert answer.status == 200

    with runtime.stores() as store:  # an update of Linnéa's, which the edit form would show
        store.session.add(Update(uid="u-1", activity_code="VIP-1", group_id="arbetsgrupp",
                                 author_id="linnea.ek", created_at=NOV25, updated_at=NOV25,
                                 status="on_track", summary="Min egen lägesrapport"))
    drive(runtime, fake, scenario)
    in_channel = fake.messages(ARBETS)
    assert [m.text for m in in_channel] == [SV("teams.form_ask_in_personal_chat")] * 2
    assert not any(m.cards for m in in_channel)
    assert "Min egen lägesrapport" not in json.dumps([m.body for m in in_channel])


def test_a_form_submitted_from_a_channel_is_answered_in_the_personal_chat(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    """An old form card in a channel: its errors, with what was typed, go to the person's 1:1
    chat, not onto the card everyone in the channel sees."""

    typed = "Mitt halvfärdiga utkast"

    async def scenario(teams: Teams) -> None:
        value = {"action": "samverkan.form", "form": "update", "state": "",
                 "activity": "VIP-1", "summary": typed}  # no status: the form comes back
        activity = teams.activity(value=value, channel=ARBETS, reply_to="1770000000777")
        assert (await teams.post(activity)).status == 200

    drive(runtime, fake, scenario)
    assert fake.calls_of("update") == []  # the channel's card is left as it was
    (created,) = fake.calls_of("create")
    (personal,) = fake.messages(created.conversation)
    assert typed in json.dumps(personal.cards, ensure_ascii=False)
    (note,) = fake.messages(ARBETS)
    assert note.text == SV("teams.form_in_personal_chat")
    assert typed not in json.dumps(note.body, ensure_ascii=False)
    assert stored_updates(runtime.engine) == []


def test_the_reminders_report_button_opens_the_form(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    async def scenario(teams: Teams) -> Answer:
        return await teams.post(teams.activity(value={"action": "report.open",
                                                      "value": "arbetsgrupp"}))

    answer = drive(runtime, fake, scenario)
    assert answer.status == 200 and answer.seconds < ACK_LIMIT
    (posted,) = fake.messages()
    assert submit_data(posted.cards[0]) == {"action": "samverkan.form", "form": "update",
                                            "state": ""}
