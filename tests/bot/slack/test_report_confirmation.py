"""In Slack too, an activity found by words of its title is asked back before it is saved.

`/samverkan rapportera händelseanalys försenad …` opens the report modal filled in (activity,
status, text); nothing is stored until the person sends it, and a code the plan does not have
(`VIP-9`) stores nothing and names the closest. The real server over HTTP with signed
requests, against the local fake of Slack's Web API (the helpers of `test_slack`).
"""

from __future__ import annotations

import json
from typing import Any

from bot.runtime import Runtime
from tests.bot.slack import support as slack
from tests.fakes.slack_api import FakeSlackApi

TYPED = "rapportera händelseanalys försenad Underlaget saknas"


def test_slack_asks_back_with_the_modal_filled_in(runtime: Runtime, fake: FakeSlackApi) -> None:
    async def scenario(door: slack.Slack) -> tuple[dict[str, Any], dict[str, Any]]:
        await door.command(slack.LINNEA, TYPED, name="typed")
        await fake.until(lambda: fake.count("views.open") == 1, "views.open")
        view = fake.calls_to("views.open")[0].body["view"]
        view = json.loads(view) if isinstance(view, str) else view
        await door.command(slack.LINNEA, "rapportera VIP-9 pågår test nio", name="mistyped")
        return view, await door.answer("mistyped")

    view, mistyped = slack.drive(runtime, fake, scenario)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["activity"]["element"]["initial_option"]["value"] == "SP-3"
    assert blocks["status"]["element"]["initial_option"]["value"] == "delayed"
    assert blocks["summary"]["element"]["initial_value"] == "Underlaget saknas"
    assert "SP-3 Främja arbetssätt för samordnad händelseanalys" in slack.texts(view)
    assert "VIP-1" in slack.texts(mistyped) and "VIP-9" in slack.texts(mistyped)
    assert slack.stored_updates(runtime.engine) == 0
