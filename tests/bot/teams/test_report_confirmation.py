"""In Teams too, an activity found by words of its title is asked back before it is saved.

A message `rapportera händelseanalys försenad …` gets the report card filled in (activity,
status, text); nothing is stored until the person sends it, and a code the plan does not have
(`VIP-9`) stores nothing and names the closest. The real server over HTTP with Bot Framework
tokens, against the local fake connector (the helpers of `test_teams`).
"""

from __future__ import annotations

import json

from bot.runtime import Runtime
from tests.bot.teams import support as teams
from tests.fakes.bf_connector import FakeBotFramework

TYPED = "rapportera händelseanalys försenad Underlaget saknas"


def test_teams_asks_back_with_the_card_filled_in(runtime: Runtime, fake: FakeBotFramework) -> None:
    async def scenario(door: teams.Teams) -> None:
        assert (await door.say(TYPED))[0].status == 200
        assert (await door.say("rapportera VIP-9 pågår test nio"))[0].status == 200

    teams.drive(runtime, fake, scenario)
    confirm, mistyped = fake.messages()
    card = confirm.cards[0]
    inputs = {e.get("id"): e for e in teams.elements(card)}
    assert (inputs["activity"]["value"], inputs["status"]["value"]) == ("SP-3", "delayed")
    assert inputs["summary"]["value"] == "Underlaget saknas"
    assert "VIP-1" in json.dumps(mistyped.cards, ensure_ascii=False)
    assert teams.stored_updates(runtime.engine) == []
