"""Installation and conversation updates: where the bot is, kept for reminders."""

from __future__ import annotations

import json

from bot.runtime import Runtime
from tests.bot.teams.support import (
    ARBETS,
    BOT,
    KF,
    LINNEA,
    LINNEA_MEMBER,
    SV,
    TENANT,
    Teams,
    drive,
    references,
)
from tests.fakes.bf_connector import FakeBotFramework

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

    assert drive(runtime, fake, scenario) == [200, 200, 200, 200]
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

    assert drive(runtime, fake, removed) == 200
    assert ("channel", KF) not in references(runtime.engine)


def test_installs_in_a_group_chat_and_without_a_conversation_type_are_group_places(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    chat = "19:3c4d5e6f7a8b4c9d0e1f2a3b4c5d6e7f@thread.v2"

    async def scenario(teams: Teams) -> list[int]:
        in_chat = teams.activity("installationUpdate", action="add", chat=chat)
        in_channel = teams.activity("installationUpdate", action="add", channel=KF)
        del in_channel["conversation"]["conversationType"]  # as some installs arrive
        in_channel["conversation"]["id"] = KF  # the channel itself, no thread
        personal = teams.activity("installationUpdate", action="add")
        return [(await teams.post(a)).status for a in (in_chat, in_channel, personal)]

    assert drive(runtime, fake, scenario) == [200, 200, 200]
    rows = references(runtime.engine)
    assert set(rows) == {("chat", chat), ("channel", KF), ("personal", LINNEA)}
    assert rows[("chat", chat)].reference["conversation"]["isGroup"] is True
    assert rows[("personal", LINNEA)].reference["conversation"]["isGroup"] is False
    # The personal greeting only; nothing is said in the group chat or the channel.
    assert [c.conversation for c in fake.messages()] == [f"a:1personal-{LINNEA_MEMBER}"]

    async def removed(teams: Teams) -> list[int]:
        return [(await teams.post(teams.activity("installationUpdate", action="remove",
                                                 **where))).status
                for where in ({"chat": chat}, {})]

    assert drive(runtime, fake, removed) == [200, 200]
    assert set(references(runtime.engine)) == {("channel", KF)}
