"""Files: where an answer's attachment goes."""

from __future__ import annotations

import asyncio
from typing import Any

from app.messages import Reply
from tests.bot.slack.support import (
    BOT_TOKEN,
)
from tests.fakes.slack_api import FakeSlackApi


def test_a_private_answers_file_goes_to_the_askers_direct_messages(fake: FakeSlackApi) -> None:
    from slack_sdk.web.async_client import AsyncWebClient

    from app.messages import Attachment
    from bot.slack.app import SlackDoor

    responded: list[dict[str, Any]] = []

    async def respond(**payload: Any) -> None:
        responded.append(payload)

    async def scenario() -> None:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
        door = SlackDoor(dispatcher=None, client=client, default_language="sv")  # type: ignore[arg-type]
        chart = Attachment("status.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)
        reply = Reply.text("Status")
        reply = Reply(reply.heading, reply.blocks, attachments=(chart,))
        await door.answer(reply, respond, trigger_id=None, channel_id="C0ARBETS01",
                          command_text="status", user_id="U0VGR0001")

    asyncio.run(scenario())
    assert len(responded) == 1 and responded[0]["response_type"] == "ephemeral"
    assert fake.count("files.getUploadURLExternal") == 1
    [complete] = fake.calls_to("files.completeUploadExternal")
    assert complete.ok, complete.error  # the file reached Slack, not only the call
    # Not the channel: the asker's DM, opened for the purpose.
    assert complete.body.get("channel_id") != "C0ARBETS01"
    assert fake.count("conversations.open") == 1
