"""Slash commands: acknowledged at once, answered at the response_url, identities, resends.

A slash command's `trigger_id` is its delivery id: Slack's own request sent again (a replay
within its five minutes) gets the first answer again and stores nothing new.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any
from urllib.parse import urlencode

import pytest

from app.messages import Command, Reply
from bot.runtime import Runtime
from tests.bot.slack.support import (
    ACK_LIMIT,
    ARBETS,
    FORM,
    GORAN,
    GORAN_EMAIL,
    LEGACY_TOKEN,
    LINNEA,
    NOBODY,
    SV,
    Answer,
    Slack,
    drive,
    row_counts,
    stored_updates,
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




# --- the same command, sent again ----------------------------------------------------------------


def resent_three_times(runtime: Runtime, fake: FakeSlackApi, text: str
                       ) -> tuple[list[dict[str, Any]], dict[str, int], dict[str, int]]:
    """The same signed slash command (one `trigger_id`, one response_url) three times.

    Returns the three answers, and the rows before and after the resends.
    """

    counts: list[dict[str, int]] = []

    async def scenario(slack: Slack) -> list[dict[str, Any]]:
        body = slack.command_body(LINNEA, text, ARBETS, "again", "trigger.4711.again")
        for number in (1, 2, 3):
            assert (await slack.signed_post(body, FORM)).status == 200
            await fake.until(lambda n=number: len(fake.responses("again")) == n,  # type: ignore[misc]
                             f"answer {number}")
            if number == 1:
                counts.append(row_counts(runtime.engine))
        return [r.body for r in fake.responses("again")]

    answers = drive(runtime, fake, scenario)
    return answers, counts[0], row_counts(runtime.engine)


def test_a_report_sent_three_times_is_stored_once_and_confirmed_three_times_the_same(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    answers, after_first, after_all = resent_three_times(
        runtime, fake, "rapportera VIP-1 pågår Utbildningsdag genomförd")
    assert answers[0]["blocks"][0]["text"]["text"] == SV("updates.saved", id="#1")
    assert answers[1] == answers[0] and answers[2] == answers[0]
    assert stored_updates(runtime.engine) == 1
    assert after_all == after_first


def test_a_question_sent_three_times_gets_the_same_answer_three_times(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    answers, after_first, after_all = resent_three_times(runtime, fake, "möten")
    assert "Länsgemensam arbetsgrupp" in texts(answers[0]["blocks"])
    assert answers[1] == answers[0] and answers[2] == answers[0]
    assert after_all == after_first


def test_a_refused_command_sent_three_times_is_refused_three_times_and_stores_nothing(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    before = row_counts(runtime.engine)
    answers, after_first, after_all = resent_three_times(
        runtime, fake, "rapportera XYZ-9 pågår Utbildningsdag genomförd")
    assert "XYZ-9" in texts(answers[0]["blocks"])
    assert answers[1] == answers[0] and answers[2] == answers[0]
    assert stored_updates(runtime.engine) == 0 and after_all == after_first
    # The refusal is remembered (to be refused once per delivery), nothing else.
    after_all.pop("processed_deliveries")
    before.pop("processed_deliveries")
    assert after_all == before


def test_a_command_whose_text_says_payload_is_answered(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    """Bolt reads any form body with the word "payload" in it as an interaction."""

    async def scenario(slack: Slack) -> dict[str, Any]:
        assert (await slack.command(LINNEA, "rapportera VIP-1 pågår Nytt payload-format testat",
                                    name="payload")).status == 200
        return await slack.answer("payload")

    body = drive(runtime, fake, scenario)
    assert body["blocks"][0]["text"]["text"] == SV("updates.saved", id="#1")
    assert stored_updates(runtime.engine) == 1


def test_a_resent_command_that_opened_the_form_does_not_fail_on_slacks_used_trigger(
    runtime: Runtime, fake: FakeSlackApi, production_logging: pytest.LogCaptureFixture
) -> None:
    """The first reply was the modal; a trigger opens one, once, so the resend opens none."""

    async def scenario(slack: Slack) -> None:
        body = slack.command_body(LINNEA, "rapportera", ARBETS, "form", "trigger.4711.form")
        for number in (1, 2, 3):
            assert (await slack.signed_post(body, FORM)).status == 200
            await fake.until(lambda n=number: fake.count("views.open") == n,  # type: ignore[misc]
                             f"views.open {number}")

    drive(runtime, fake, scenario)
    assert [c.error for c in fake.calls_to("views.open")] == [
        None, "trigger_exchanged", "trigger_exchanged"]
    assert fake.responses() == []
    assert [r for r in production_logging.records if r.levelno >= logging.ERROR] == []


def test_slacks_certificate_check_for_the_command_url_is_acknowledged(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    """`ssl_check=1`: Slack checks the slash command's URL now and then."""

    async def scenario(slack: Slack) -> Answer:
        return await slack.signed_post(urlencode({"ssl_check": "1", "token": LEGACY_TOKEN}),
                                       FORM)

    answer = drive(runtime, fake, scenario)
    assert (answer.status, answer.text) == (200, "")
    assert fake.calls == []
