"""What the Slack door writes to the logs."""

from __future__ import annotations

import logging

import pytest

from bot.runtime import Runtime
from tests.bot.slack.support import (
    APP_TOKEN,
    ARBETS,
    BOT_TOKEN,
    FORM,
    GORAN,
    GORAN_EMAIL,
    LEGACY_TOKEN,
    LINNEA,
    NOBODY,
    PNR,
    SIGNING_SECRET,
    THU,
    VALID,
    Slack,
    drive,
    home_opened,
    reminder_service,
    signed,
    slack_messenger,
    stored_updates,
    submission,
)
from tests.conftest import FixedClock
from tests.fakes import VirtualTime
from tests.fakes.slack_api import FakeSlackApi

# --- logs ----------------------------------------------------------------------------------


def test_no_request_body_token_or_personal_data_in_the_logs(
    runtime: Runtime, fake: FakeSlackApi, production_logging: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake.seed_user(GORAN, GORAN_EMAIL)
    typed = "Hemlig lägesbild om Kungälvs arbete"

    async def scenario(slack: Slack) -> None:
        # One after the other: this test is about logs, not about concurrent SQLite writers.
        for user, text, name in ((GORAN, "vem", "a"),
                                 (LINNEA, f"rapportera VIP-1 pågår {typed}", "b"),
                                 (LINNEA, f"rapportera VIP-1 pågår {PNR}", "c"),
                                 (NOBODY, f"mina {typed}", "d")):
            await slack.command(user, text, name=name)
            await slack.answer(name)
        await slack.command(LINNEA, "rapportera", name="e")
        await fake.until(lambda: fake.count("views.open") == 1, "views.open")
        opened = fake.calls_to("views.open")[0].response["view"]
        await slack.interaction(submission(opened, LINNEA, {**VALID, "risks": PNR}))
        await slack.interaction(submission(opened, LINNEA, {**VALID, "summary": typed + "!"}))
        await slack.event(home_opened(LINNEA), "Ev0LOGS0001")
        # A forged request: Bolt refuses it (and would log its body at INFO, were it let).
        await slack.post(slack.command_body(LINNEA, typed, ARBETS, "x"), FORM,
                         signed("other body"))
        await fake.until(lambda: fake.count("views.publish") == 1, "views.publish")
        await fake.until(lambda: fake.count("chat.postEphemeral") == 1, "confirmation")

    drive(runtime, fake, scenario)
    clock = FixedClock(THU)
    fake.fail_next("chat.postMessage", status=429, retry_after=30, channel=ARBETS)
    fake.fail_next("chat.postMessage", status=200, error="channel_not_found",
                   channel="D0FYR0003")  # Henrik Sjöberg
    report = reminder_service(runtime, slack_messenger(fake, VirtualTime()), clock).run_once()
    assert report.retrying and report.failed  # the unhappy paths were logged too

    assert stored_updates(runtime.engine) == 2  # the work really happened
    records = production_logging.records
    assert any(r.levelno >= logging.ERROR for r in records)  # the failed reminder, at least
    logged = "\n".join(f"{r.getMessage()} {vars(r)}" for r in records if r.levelno >= logging.INFO)
    logged += production_logging.text + capsys.readouterr().err
    forbidden = [BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, LEGACY_TOKEN, GORAN_EMAIL, typed, PNR,
                 "Kungälv", "linnea.ek@", "response_url", "trigger."]
    assert [secret for secret in forbidden if secret in logged] == []


