"""Slash commands: acknowledged at once, answered at the response_url, identities."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest

from bot.runtime import Runtime
from handlers.messages import Command, Reply
from tests.bot.slack.support import (
    ACK_LIMIT,
    ARBETS,
    GORAN,
    GORAN_EMAIL,
    LINNEA,
    NOBODY,
    Answer,
    Slack,
    drive,
    row_counts,
    texts,
)
from tests.fakes.slack_api import FakeSlackApi

# --- slash commands ------------------------------------------------------------------------


def test_help_is_acknowledged_at_once_then_answered_privately_in_block_kit(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    async def scenario(slack: Slack) -> tuple[Answer, dict[str, Any]]:
        ack = await slack.command(LINNEA, "hjälp", name="help")
        return ack, await slack.answer("help")

    ack, body = drive(runtime, fake, scenario)
    assert ack.status == 200 and ack.text == "" and ack.seconds < ACK_LIMIT
    assert body["response_type"] == "ephemeral"
    assert body["replace_original"] is False
    assert body["blocks"][0]["type"] == "header"
    shown = texts(body["blocks"])
    for word in ("hjälp", "vem", "möten", "rapportera", "mina", "hem"):
        assert word in shown
    # The bot identified itself once (Bolt's authorization) and asked nothing else of Slack.
    assert fake.counts() == Counter({"auth.test": 1})


def test_meetings_from_a_group_channel_show_that_groups_meetings(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    async def scenario(slack: Slack) -> dict[str, Any]:
        assert (await slack.command(LINNEA, "möten", channel=ARBETS, name="m")).status == 200
        return await slack.answer("m")

    body = drive(runtime, fake, scenario)
    assert body["response_type"] == "ephemeral"
    assert "Länsgemensam arbetsgrupp" in body["blocks"][0]["text"]["text"]
    assert "Arbetsgruppen" in texts(body["blocks"])


def test_a_user_known_only_by_email_is_matched_once_then_remembered(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    fake.seed_user(GORAN, GORAN_EMAIL)
    assert runtime.dispatcher.knows("slack", GORAN) is False

    async def scenario(slack: Slack) -> list[dict[str, Any]]:
        answers = []
        for name in ("first", "second"):
            assert (await slack.command(GORAN, "vem", name=name)).status == 200
            answers.append(await slack.answer(name))
        return answers

    first, second = drive(runtime, fake, scenario)
    assert "Göran Ivarsson" in texts(first["blocks"])
    assert "Göran Ivarsson" in texts(second["blocks"])
    assert runtime.dispatcher.knows("slack", GORAN) is True
    # users.info was asked once: the second time the Slack id alone was enough.
    assert fake.count("users.info") == 1
    assert fake.calls_to("users.info")[0].body["user"] == GORAN


def test_an_unknown_user_is_told_how_to_be_added_and_nothing_is_stored(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    before = row_counts(runtime.engine)

    async def scenario(slack: Slack) -> dict[str, Any]:
        assert (await slack.command(NOBODY, "rapportera", name="who")).status == 200
        return await slack.answer("who")

    body = drive(runtime, fake, scenario)
    assert body["response_type"] == "ephemeral"
    assert "Be administratören lägga till dig" in texts(body)
    assert fake.calls_to("users.info")[0].error == "user_not_found"
    assert fake.count("views.open") == 0
    assert runtime.dispatcher.knows("slack", NOBODY) is False
    assert row_counts(runtime.engine) == before


# --- three seconds ---------------------------------------------------------------------------


def test_the_command_is_acknowledged_at_once_even_when_the_work_takes_four_seconds(
    runtime: Runtime, fake: FakeSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle = runtime.dispatcher.handle
    worked: list[float] = []

    def slow(command: Command) -> Reply:
        time.sleep(4)  # in the worker thread: a slow database, a big report
        worked.append(time.monotonic())
        return handle(command)

    monkeypatch.setattr(runtime.dispatcher, "handle", slow)

    async def scenario(slack: Slack) -> tuple[Answer, bool, dict[str, Any], float]:
        start = time.monotonic()
        ack = await slack.command(LINNEA, "hjälp", name="slow")
        answered_early = bool(fake.responses("slow"))
        body = await slack.answer("slow", timeout=10)
        return ack, answered_early, body, time.monotonic() - start

    ack, answered_early, body, total = drive(runtime, fake, scenario)
    assert ack.status == 200 and ack.seconds < ACK_LIMIT
    assert not answered_early
    assert worked and total >= 4
    assert "rapportera" in texts(body["blocks"])


