"""The Home tab (`app_home_opened`)."""

from __future__ import annotations

import asyncio

from bot.runtime import Runtime
from tests.bot.slack.support import (
    ACK_LIMIT,
    LINNEA,
    Answer,
    Slack,
    action_ids,
    drive,
    home_opened,
    texts,
)
from tests.fakes.slack_api import FakeSlackApi

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


