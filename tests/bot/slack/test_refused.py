"""Requests that are not Slack's: refused before anything is done."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlencode

import pytest

from bot.runtime import Runtime
from tests.bot.slack.support import (
    ARBETS,
    FORM,
    GORAN,
    GORAN_EMAIL,
    LINNEA,
    VALID,
    Slack,
    button,
    drive,
    home_opened,
    row_counts,
    signed,
    submission,
)
from tests.fakes.slack_api import APP_ID, TEAM_ID, FakeSlackApi

# --- requests that are not Slack's -----------------------------------------------------------


def _forged(kind: str, body: str) -> dict[str, str]:
    if kind == "missing":
        return {}
    if kind == "no_timestamp":
        return {"X-Slack-Signature": signed(body)["X-Slack-Signature"]}
    if kind == "wrong_secret":
        return signed(body, secret="not-the-signing-secret")
    if kind == "tampered":
        return signed(body + "&extra=1")
    assert kind == "stale"
    return signed(body, age=6 * 60)


@pytest.mark.parametrize("kind", ["missing", "no_timestamp", "wrong_secret", "tampered", "stale"])
def test_unsigned_forged_or_stale_requests_get_401_and_change_nothing(
    runtime: Runtime, fake: FakeSlackApi, kind: str
) -> None:
    fake.seed_user(GORAN, GORAN_EMAIL)
    before = row_counts(runtime.engine)
    metadata = json.dumps({"form": "update", "state": "", "channel": ARBETS})
    opened = {
        "id": "V0FORGED1", "hash": "1.forged", "type": "modal", "callback_id": "samverkan.form",
        "private_metadata": metadata,
        "blocks": [
            {"type": "input", "block_id": name, "element": {"type": "plain_text_input",
                                                             "action_id": name}}
            for name in ("activity", "status", "summary")
        ],
    }

    async def scenario(slack: Slack) -> list[int]:
        bodies = [
            (slack.command_body(GORAN, "vem", ARBETS, "forged"), FORM),
            (urlencode({"payload": json.dumps(submission(opened, LINNEA, VALID))}), FORM),
            (urlencode({"payload": json.dumps(button(LINNEA, "report.open", ""))}), FORM),
            (json.dumps({"type": "event_callback", "event_id": "Ev0FORGED1", "team_id": TEAM_ID,
                         "api_app_id": APP_ID, "event": home_opened(LINNEA)}),
             "application/json"),
        ]
        statuses = [
            (await slack.post(body, content_type, _forged(kind, body))).status
            for body, content_type in bodies
        ]
        await asyncio.sleep(0.3)  # time for any work that must not happen
        return statuses

    assert drive(runtime, fake, scenario) == [401, 401, 401, 401]
    assert fake.calls == [] and fake.responses() == []
    assert row_counts(runtime.engine) == before
    assert runtime.dispatcher.knows("slack", GORAN) is False


