"""Buttons (`block_actions`)."""

from __future__ import annotations

from bot.runtime import Runtime
from tests.bot.slack.support import (
    ACK_LIMIT,
    LINNEA,
    Answer,
    Slack,
    button,
    drive,
)
from tests.fakes.slack_api import FakeSlackApi


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


