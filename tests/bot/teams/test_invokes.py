"""Invokes and activity types the bot does not use: 200 with the body Microsoft documents.

The request bodies are shaped like the examples in Microsoft's Teams documentation (Universal
Actions, dialogs, message extensions, sign-in, file consent) and botbuilder's
`TeamsActivityHandler` tests. The bot uses none of these features; each still gets 200 and the
documented success shape, never botbuilder's 501, and nothing is stored.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.i18n import translator
from bot.runtime import Runtime
from tests.bot.teams.support import SV, Teams, drive, row_counts
from tests.fakes.bf_connector import FakeBotFramework

EN = translator("en")
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"

# name → (value as Teams sends it, the documented answer's body; None: no body)
INVOKES: dict[str, tuple[dict[str, Any] | None, Any]] = {
    "adaptiveCard/action": (
        {"action": {"type": "Action.Execute", "id": "approve", "verb": "approve",
                    "data": {"request": "42"}}, "trigger": "manual"},
        {"statusCode": 200, "type": MESSAGE_TYPE, "value": SV("teams.invoke.unused")},
    ),
    "task/fetch": (
        {"type": "task/fetch", "data": {"msteams": {"type": "task/fetch"}, "form": "x"},
         "context": {"theme": "default"}},
        {"task": {"type": "message", "value": SV("teams.invoke.unused")}},
    ),
    "composeExtension/fetchTask": (
        {"commandId": "createCard", "commandContext": "compose", "context": {"theme": "dark"}},
        {"task": {"type": "message", "value": SV("teams.invoke.unused")}},
    ),
    "composeExtension/query": (
        {"commandId": "searchQuery", "parameters": [{"name": "searchQuery", "value": "VIP"}],
         "queryOptions": {"skip": 0, "count": 25}},
        {"composeExtension": {"type": "result", "attachmentLayout": "list", "attachments": []}},
    ),
    "signin/verifyState": ({"state": "428016"}, None),
    "signin/tokenExchange": (
        {"id": "6b7e5e14-0000-4000-8000-00000000c0de", "connectionName": "graph",
         "token": "not-a-real-token"}, None),
    "fileConsent/invoke": (
        {"type": "fileUpload", "action": "accept", "context": {"filename": "rapport.docx"},
         "uploadInfo": {"contentUrl": "https://contoso.sharepoint.com/rapport.docx",
                        "name": "rapport.docx", "uploadUrl": "https://upload.example.org/x",
                        "uniqueId": "1150D938-0000-4000-8000-00000000f11e",
                        "fileType": "docx"}},
        None,
    ),
    "task/submit": ({"data": {"answer": "ja"}, "context": {"theme": "default"}}, None),
    "composeExtension/queryLink": ({"url": "https://samverkan.example.org/kalender/x.ics"},
                                   None),
    "actionableMessage/executeAction": ({"body": "{}", "actionId": "1"}, None),
    "": ({"action": "legacy-invoke-card-action"}, None),  # a card's msteams "invoke" action
}


@pytest.mark.parametrize("name", INVOKES)
def test_every_invoke_gets_200_and_its_documented_body(
    runtime: Runtime, fake: FakeBotFramework, name: str
) -> None:
    value, expected = INVOKES[name]
    before = row_counts(runtime.engine)

    async def scenario(teams: Teams) -> tuple[int, str]:
        activity = teams.activity("invoke", value=value)
        if name:
            activity["name"] = name
        answer = await teams.post(activity)
        return answer.status, answer.text

    status, text = drive(runtime, fake, scenario)
    assert status == 200
    assert (json.loads(text) if text else None) == expected
    # Answered in the HTTP response only: no message, nothing stored.
    assert fake.calls_of("send", "reply", "update", "create", "member") == []
    assert row_counts(runtime.engine) == before


def test_an_invokes_text_is_in_the_language_of_the_teams_client(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    async def scenario(teams: Teams) -> list[Any]:
        bodies = []
        for locale in ("en-US", "sv-SE", "de-DE"):
            activity = teams.activity("invoke", name="adaptiveCard/action",
                                      value=INVOKES["adaptiveCard/action"][0])
            activity["locale"] = locale
            bodies.append(json.loads((await teams.post(activity)).text)["value"])
        return bodies

    # German is no language of the bot: the installation's default (Swedish).
    assert drive(runtime, fake, scenario) == [EN("teams.invoke.unused"),
                                              SV("teams.invoke.unused"),
                                              SV("teams.invoke.unused")]


@pytest.mark.parametrize("kind", ["messageReaction", "typing", "deleteUserData", "command",
                                  "x-samverkan-unknown"])
def test_an_activity_type_the_bot_does_not_use_gets_a_silent_200(
    runtime: Runtime, fake: FakeBotFramework, kind: str
) -> None:
    before = row_counts(runtime.engine)

    async def scenario(teams: Teams) -> tuple[int, str]:
        activity = teams.activity(kind, reactionsAdded=[{"type": "like"}],
                                  value={"anything": True})
        answer = await teams.post(activity)
        return answer.status, answer.text

    assert drive(runtime, fake, scenario) == (200, "")
    assert fake.calls_of("send", "reply", "update", "create", "member") == []
    assert row_counts(runtime.engine) == before
