"""Messages: what a person writes to the bot in a personal chat, a channel or a group chat."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest

from app.messages import Command, Reply
from bot.runtime import Runtime
from bot.teams.bot import command_text
from bot.teams.server import TEAMS_DOOR
from tests.bot.teams.support import (
    ACK_LIMIT,
    ARBETS,
    BOT,
    GORAN_EMAIL,
    GORAN_MEMBER,
    GORAN_NEW,
    LINNEA,
    LINNEA_MEMBER,
    NOBODY,
    PASSWORD,
    PNR,
    SV,
    TENANT,
    Answer,
    Teams,
    drive,
    references,
    row_counts,
    stored_updates,
)
from tests.fakes.bf_connector import FakeBotFramework

# --- messages ----------------------------------------------------------------------------------


def test_help_in_a_personal_chat_is_answered_with_an_adaptive_card(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    async def scenario(teams: Teams) -> tuple[Answer, dict[str, Any], Answer]:
        answer, sent = await teams.say("hjälp")
        again, _ = await teams.say("help")
        return answer, sent, again

    answer, sent, again = drive(runtime, fake, scenario)
    assert answer.status == 200 and answer.seconds < ACK_LIMIT and again.status == 200
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
        assert answer.status == 200
        answer, report = await teams.say(f"rapportera VIP-1 pågår {typed}", channel=ARBETS,
                                         mention=True)
        assert answer.status == 200
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
        assert (await teams.say(f"rapportera VIP-1 pågår {typed}"))[0].status == 200

    drive(runtime, fake, scenario)
    assert stored_updates(runtime.engine) == ["Se <at>Alla</at> och @channel"]
    (confirmation,) = fake.messages()
    shown = json.dumps(confirmation.cards, ensure_ascii=False)
    assert "<at>" not in shown and "@channel" not in shown
    assert "&lt;at&gt;Alla&lt;/at&gt;" in shown and "@\u2060channel" in shown


def test_an_unknown_aad_id_with_a_known_email_is_matched_once_then_remembered(
    learning: Runtime, fake: FakeBotFramework
) -> None:
    fake.seed_member(GORAN_MEMBER, GORAN_NEW, GORAN_EMAIL)
    assert learning.dispatcher.knows("teams", GORAN_NEW) is False

    async def scenario(teams: Teams) -> None:
        for _ in range(2):
            answer, _ = await teams.say("vem", user=GORAN_NEW, member=GORAN_MEMBER)
            assert answer.status == 200

    drive(learning, fake, scenario)
    first, second = fake.messages()
    assert "Göran Ivarsson" in first.text and "Göran Ivarsson" in second.text
    assert learning.dispatcher.knows("teams", GORAN_NEW) is True
    # Teams was asked for the member once; then the AAD object id alone was enough.
    (lookup,) = fake.calls_of("member")
    assert lookup.body["member"] == GORAN_MEMBER and lookup.status == 200
    # Known now, so the 1:1 chat is remembered for his reminders.
    assert ("personal", GORAN_NEW) in references(learning.engine)


def test_another_account_with_the_email_of_someone_configured_on_teams_is_not_bound(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    """Linnéa's AAD object id is in the configuration: an account the member lookup gives her
    e-mail address is not her, and learns nothing about her."""

    other = "7e57a11e-0000-4000-8000-0000000e0202"
    fake.seed_member("29:1someone-else", other, "linnea.ek@fyrbodal.example")
    before = row_counts(runtime.engine)

    async def scenario(teams: Teams) -> None:
        answer, _ = await teams.say("mina", user=other, member="29:1someone-else")
        assert answer.status == 200

    drive(runtime, fake, scenario)
    (answer,) = fake.messages()
    assert answer.text.startswith(SV("identity.already_linked", user=other)[:30])
    assert "Linnéa" not in answer.text and "#" not in answer.text
    assert runtime.dispatcher.knows("teams", other) is False
    assert ("personal", other) not in references(runtime.engine)
    after = row_counts(runtime.engine)
    assert {table: after[table] - before[table] for table in after
            if after[table] != before[table]} == {"audit_log": 1}


def test_an_unknown_person_is_told_how_to_be_added_and_nothing_is_stored(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    before = row_counts(runtime.engine)

    async def scenario(teams: Teams) -> Answer:
        answer, _ = await teams.say("rapportera", user=NOBODY, member="29:1nobody")
        return answer

    assert drive(runtime, fake, scenario).status == 200
    (answer,) = fake.messages()
    assert "Be administratören lägga till dig" in answer.text
    assert fake.calls_of("member", ok=False) and fake.calls_of("create") == []
    assert row_counts(runtime.engine) == before


@pytest.mark.parametrize("word", ["mina-data", "vem", "mina"])
def test_an_answer_about_the_asker_goes_to_their_personal_chat_never_the_channel(
    runtime: Runtime, fake: FakeBotFramework, word: str
) -> None:
    async def scenario(teams: Teams) -> dict[str, Any]:
        answer, asked = await teams.say(word, channel=ARBETS, mention=True)
        assert answer.status == 200 and answer.seconds < ACK_LIMIT
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
        assert answer.status == 200

    drive(runtime, fake, scenario)
    (note,) = fake.messages(ARBETS)
    assert note.text == SV("teams.ask_in_personal_chat") and not note.cards
    assert "/extract/" not in json.dumps([c.body for c in fake.calls_of("send", "reply")])


def test_a_question_about_the_group_is_answered_in_the_thread(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    async def scenario(teams: Teams) -> None:
        answer, _asked = await teams.say("möten", channel=ARBETS, mention=True)
        assert answer.status == 200

    drive(runtime, fake, scenario)
    assert fake.calls_of("create") == []
    (answer,) = fake.messages(ARBETS)
    assert answer.cards


# --- which conversation: personal only when Teams says so ------------------------------------

CHAT = "19:3c4d5e6f7a8b4c9d0e1f2a3b4c5d6e7f@thread.v2"  # a group chat


def in_a_group(teams: Teams, shape: str, text: str) -> tuple[dict[str, Any], str]:
    """A message in a group conversation, shaped as Teams sends it (and its conversation).

    Channel messages carry `conversationType: channel` and the team and channel in the channel
    data; some arrive without `conversationType`, and some with nothing but the tenant in the
    channel data, yet always with `isGroup: true` and a `19:` id. Group chats likewise.
    """

    if shape.startswith("channel"):
        activity = teams.activity(text=text, channel=ARBETS, mention=True)
    else:
        activity = teams.activity(text=text, chat=CHAT, mention=True)
    conversation, data = activity["conversation"], activity["channelData"]
    if shape in ("channel_without_type", "channel_tenant_only", "thread_id_only",
                 "group_chat_without_type"):
        del conversation["conversationType"]
    if shape in ("channel_tenant_only", "thread_id_only"):
        activity["channelData"] = {"tenant": data["tenant"]}
    if shape == "thread_id_only":
        conversation.update(id=ARBETS)  # no `;messageid=`: a 19: id and isGroup, nothing more
    return activity, str(conversation["id"]).split(";", 1)[0]


GROUP_SHAPES = ["channel", "channel_without_type", "channel_tenant_only", "thread_id_only",
                "group_chat", "group_chat_without_type"]


@pytest.mark.parametrize("shape", GROUP_SHAPES)
def test_extract_links_asked_for_in_a_group_conversation_go_to_the_personal_chat_only(
    runtime: Runtime, fake: FakeBotFramework, shape: str
) -> None:
    async def scenario(teams: Teams) -> str:
        activity, conversation = in_a_group(teams, shape, "mina-data")
        assert (await teams.post(activity)).status == 200
        return conversation

    conversation = drive(runtime, fake, scenario)
    (created,) = fake.calls_of("create")
    assert created.body["members"] == [{"id": LINNEA_MEMBER}] and created.body["isGroup"] is False
    (personal,) = fake.messages(created.conversation)
    assert "/extract/" in json.dumps(personal.body)
    (note,) = fake.messages(conversation)
    assert note.text == SV("teams.answer_in_personal_chat") and not note.cards
    # The group conversation is never kept as Linnéa's 1:1 chat.
    stored = references(runtime.engine)
    assert stored[("personal", LINNEA)].reference["conversation"]["id"] == created.conversation
    assert not any(row.reference["conversation"]["id"].startswith("19:")
                   for (kind, _), row in stored.items() if kind == "personal")


def test_a_personal_chat_without_a_conversation_type_is_still_personal(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    async def scenario(teams: Teams) -> None:
        activity = teams.activity(text="mina-data")
        del activity["conversation"]["conversationType"]  # `a:` id, no isGroup
        assert (await teams.post(activity)).status == 200

    drive(runtime, fake, scenario)
    assert fake.calls_of("create") == []
    (answer,) = fake.messages()
    assert answer.conversation == f"a:1personal-{LINNEA_MEMBER}"
    assert "/extract/" in json.dumps(answer.body)
    assert ("personal", LINNEA) in references(runtime.engine)


def test_a_group_conversation_once_stored_as_a_personal_chat_is_not_written_to(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    """A reference kept before the rule above (a channel thread stored as Linnéa's 1:1 chat)
    is not used: her personal answer opens her real 1:1 chat instead."""

    poisoned = {"bot": {"id": BOT}, "channelId": "msteams", "serviceUrl": fake.service_url,
                "conversation": {"id": f"{ARBETS};messageid=1770000000001", "isGroup": False,
                                 "conversationType": "personal", "tenantID": TENANT},
                "user": {"id": LINNEA_MEMBER, "aadObjectId": LINNEA}}
    with runtime.stores() as store:
        store.teams.save("personal", LINNEA, poisoned, fake.service_url, TENANT)

    async def scenario(teams: Teams) -> None:
        activity, _ = in_a_group(teams, "channel", "mina-data")
        assert (await teams.post(activity)).status == 200

    drive(runtime, fake, scenario)
    (created,) = fake.calls_of("create")
    (personal,) = fake.messages(created.conversation)
    assert "/extract/" in json.dumps(personal.body)
    assert "/extract/" not in json.dumps([c.body for c in fake.messages(ARBETS)])


# --- resends ------------------------------------------------------------------------------------


def test_a_resent_message_is_answered_and_stores_nothing_new(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    counts: list[dict[str, int]] = []

    async def scenario(teams: Teams) -> list[int]:
        activity = teams.activity(text="rapportera VIP-1 pågår Utbildningsdag genomförd")
        statuses = []
        for _ in range(3):  # Teams resends when the answer was slow to come
            statuses.append((await teams.post(activity)).status)
            counts.append(row_counts(runtime.engine))
        return statuses

    assert drive(runtime, fake, scenario) == [200, 200, 200]
    assert counts[0] == counts[1] == counts[2]
    assert stored_updates(runtime.engine) == ["Utbildningsdag genomförd"]
    first, *again = fake.messages()
    assert "#1" in first.text and len(again) == 2  # each resend is answered too
    assert all("#2" not in a.text for a in again)


def test_the_same_activity_id_in_another_conversation_is_another_message(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    """Teams' activity ids are unique within a conversation only."""

    async def scenario(teams: Teams) -> None:
        personal = teams.activity(text="rapportera VIP-1 pågår I min egen chatt")
        channel = teams.activity(text="rapportera VIP-1 pågår I kanalen", channel=ARBETS,
                                 mention=True)
        channel["id"] = personal["id"]
        for activity in (personal, channel):
            assert (await teams.post(activity)).status == 200

    drive(runtime, fake, scenario)
    assert stored_updates(runtime.engine) == ["I min egen chatt", "I kanalen"]


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
    assert answer.status == 200 and answer.seconds < 1.4
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

    assert drive(runtime, fake, scenario) == [200, 200, 200, 200, 401]
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
