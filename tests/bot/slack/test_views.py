"""The report modal: `view_submission` in Slack's window and after it, and `view_closed`."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pytest

from app.messages import FormSubmission, Reply
from bot.runtime import Runtime
from domain.config import Config
from tests.bot.slack.support import (
    ACK_LIMIT,
    ARBETS,
    LINNEA,
    PNR,
    SV,
    VALID,
    Answer,
    Slack,
    drive,
    row_counts,
    stored_updates,
    submission,
    texts,
)
from tests.fakes.slack_api import FakeSlackApi

# --- the report modal ------------------------------------------------------------------------


def test_report_opens_a_modal_refuses_invalid_input_in_place_and_stores_a_valid_one_once(
    runtime: Runtime, fake: FakeSlackApi, example_config: Config
) -> None:
    @dataclass
    class Seen:
        opened: dict[str, Any]
        sent_view: dict[str, Any]
        invalid: Answer
        identity_number: Answer
        after_invalid: int
        valid: Answer
        resent: Answer
        mine: dict[str, Any]

    async def scenario(slack: Slack) -> Seen:
        ack = await slack.command(LINNEA, "rapportera", name="report")
        assert ack.status == 200 and ack.seconds < ACK_LIMIT
        await fake.until(lambda: fake.count("views.open") == 1, "views.open")
        call = fake.calls_to("views.open")[0]
        assert call.ok, call.error
        opened = call.response["view"]
        invalid = await slack.interaction(
            submission(opened, LINNEA, {"activity": "VIP-1", "summary": "Lägesbild klar."})
        )
        identity_number = await slack.interaction(submission(
            opened, LINNEA, {**VALID, "summary": f"Uppföljning av {PNR} pågår."}
        ))
        after_invalid = stored_updates(runtime.engine)
        valid = await slack.interaction(submission(opened, LINNEA, VALID))
        await fake.until(lambda: fake.count("chat.postEphemeral") == 1, "the confirmation")
        resent = await slack.interaction(submission(opened, LINNEA, VALID))
        await fake.until(lambda: fake.count("chat.postEphemeral") == 2, "the second answer")
        await slack.command(LINNEA, "mina", name="mine")
        return Seen(opened, call.body["view"], invalid, identity_number, after_invalid, valid,
                    resent, await slack.answer("mine"))

    seen = drive(runtime, fake, scenario)
    # Opened with the trigger of the command, not answered at the response_url.
    assert fake.calls_to("views.open")[0].body["trigger_id"].startswith("trigger.")
    assert fake.responses("report") == []
    view = seen.sent_view
    assert view["type"] == "modal" and view["callback_id"] == "samverkan.form"
    activity = next(b for b in view["blocks"] if b["block_id"] == "activity")
    groups = activity["element"]["option_groups"]
    goal_areas = {g.title for g in example_config.plan.goal_areas}
    assert {g["label"]["text"] for g in groups} <= goal_areas
    assert len(groups) >= 2
    codes = {o["value"] for g in groups for o in g["options"]}
    assert "VIP-1" in codes
    assert json.loads(view["private_metadata"])["channel"] == ARBETS

    # Invalid: the errors are shown next to the fields, in the modal; nothing is stored.
    for answer in (seen.invalid, seen.identity_number):
        assert answer.status == 200 and answer.seconds < ACK_LIMIT
        assert answer.json()["response_action"] == "errors"
    assert set(seen.invalid.json()["errors"]) == {"status"}
    assert set(seen.identity_number.json()["errors"]) == {"summary"}
    assert PNR not in seen.identity_number.text
    assert seen.after_invalid == 0

    # Valid: an empty acknowledgement closes the modal; stored once, confirmed privately.
    assert seen.valid.status == 200 and seen.valid.text == ""
    assert seen.resent.status == 200 and seen.resent.text == ""
    assert stored_updates(runtime.engine) == 1
    confirmation = fake.calls_to("chat.postEphemeral")[0]
    assert confirmation.ok, confirmation.error
    assert confirmation.body["channel"] == ARBETS and confirmation.body["user"] == LINNEA
    assert "#1" in texts(confirmation.body["blocks"])
    # The resent submission (the same view id and hash) got the same confirmation again.
    assert fake.calls_to("chat.postEphemeral")[1].body == confirmation.body
    assert "VIP-1" in texts(seen.mine["blocks"])


def test_a_submission_slower_than_slacks_window_closes_the_modal_and_answers_later(
    runtime: Runtime, fake: FakeSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit = runtime.dispatcher.submit

    def slow(form: FormSubmission) -> Reply:
        time.sleep(3)  # a store that is slow today
        return submit(form)

    async def scenario(slack: Slack) -> tuple[Answer, Answer]:
        for name in ("one", "two"):  # two modals, one filled in well, one not
            await slack.command(LINNEA, "rapportera", name=name)
        await fake.until(lambda: fake.count("views.open") == 2, "views.open")
        one, two = (c.response["view"] for c in fake.calls_to("views.open"))
        monkeypatch.setattr(runtime.dispatcher, "submit", slow)
        valid = await slack.interaction(submission(one, LINNEA, VALID))
        invalid = await slack.interaction(
            submission(two, LINNEA, {**VALID, "status": "", "risks": PNR})
        )
        await fake.until(lambda: fake.count("chat.postEphemeral") == 2, "both answers", 10)
        return valid, invalid

    valid, invalid = drive(runtime, fake, scenario)
    for answer in (valid, invalid):
        # Closed inside Slack's three seconds, though the store took longer.
        assert answer.status == 200 and answer.text == "" and answer.seconds < 2.9
    assert stored_updates(runtime.engine) == 1
    # The two ran side by side: either may have finished first.
    answers = sorted((texts(c.body["blocks"]) for c in fake.calls_to("chat.postEphemeral")),
                     key=lambda text: "#1" not in text)
    confirmation, correction = answers
    assert "#1" in confirmation and "#1" not in correction
    assert SV("updates.field.status") in correction and "Inget har sparats" in correction
    assert PNR not in correction




def test_closing_the_modal_is_acknowledged_and_stores_nothing(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    """`view_closed`: Slack sends it only when asked (`notify_on_close`), but it may be."""

    async def scenario(slack: Slack) -> Answer:
        await slack.command(LINNEA, "rapportera", name="report")
        await fake.until(lambda: fake.count("views.open") == 1, "views.open")
        opened = fake.calls_to("views.open")[0].response["view"]
        closed = submission(opened, LINNEA, VALID)
        closed["type"] = "view_closed"
        closed["is_cleared"] = False
        return await slack.interaction(closed)

    ack = drive(runtime, fake, scenario)
    assert (ack.status, ack.text) == (200, "") and ack.seconds < ACK_LIMIT
    assert stored_updates(runtime.engine) == 0
    assert fake.count("chat.postEphemeral") == 0 and fake.count("chat.postMessage") == 0


def test_a_modal_the_bot_does_not_know_is_acknowledged_and_stores_nothing(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    """A modal of another callback id (an older version's), submitted."""

    before = row_counts(runtime.engine)
    view = {"id": "V0OLD00001", "hash": "1.old", "type": "modal", "callback_id": "agenda.form",
            "private_metadata": "", "blocks": []}

    async def scenario(slack: Slack) -> Answer:
        return await slack.interaction(submission(view, LINNEA, {}))

    ack = drive(runtime, fake, scenario)
    assert (ack.status, ack.text) == (200, "") and ack.seconds < ACK_LIMIT
    assert row_counts(runtime.engine) == before
