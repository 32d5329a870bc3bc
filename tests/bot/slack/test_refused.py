"""Requests that are not Slack's, or that cannot be read: refused before anything is done.

Not signed by Slack (no timestamp, a stale or future one, no signature, a wrong one): 401.
Signed but unreadable (not UTF-8, broken JSON, a broken `payload=`, another content type): 400.
Never a 500, never a traceback; one INFO line with the reason, never the body.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from urllib.parse import quote, urlencode

import pytest

from bot.runtime import Runtime
from tests.bot.slack.support import (
    ARBETS,
    FORM,
    GORAN,
    GORAN_EMAIL,
    LINNEA,
    SIGNING_SECRET,
    VALID,
    Slack,
    button,
    command_body,
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




# --- junk: what nobody signed, or what cannot be read -------------------------------------------

TYPED = "Hemlig text som aldrig får loggas"


def signed_bytes(raw: bytes, *, age: float = 0.0) -> dict[str, str]:
    """Signed as Slack signs (`v0:{timestamp}:{body}`), over bytes that need not be UTF-8."""

    timestamp = str(int(time.time() - age))
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + timestamp.encode() + b":" + raw,
                      hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


JSON = "application/json"
BROKEN_JSON = '{"type": "event_callback", "event": {"text": "' + TYPED
BROKEN_PAYLOAD = "payload=" + quote('{"type": "block_actions", "user": "' + TYPED)
NOT_UTF8 = b"text=" + TYPED.encode("utf-16")


def junk(kind: str) -> tuple[bytes, str, dict[str, str], int]:
    """(body, content type, headers, the status it must get)."""

    command = command_body(FakeSlackApi(), LINNEA, TYPED, ARBETS, "junk").encode()
    cases: dict[str, tuple[bytes, str, dict[str, str], int]] = {
        "timestamp abc": (command, FORM, {"X-Slack-Request-Timestamp": "abc",
                                          "X-Slack-Signature": "v0=abc"}, 401),
        "timestamp of 5000 digits": (command, FORM, {"X-Slack-Request-Timestamp": "9" * 5000,
                                                     "X-Slack-Signature": "v0=abc"}, 401),
        "timestamp in the future": (command, FORM, signed_bytes(command, age=-600), 401),
        "no signature": (command, FORM, {"X-Slack-Request-Timestamp": str(int(time.time()))},
                         401),
        "not UTF-8, unsigned": (NOT_UTF8, FORM, {}, 401),
        "not UTF-8, signed": (NOT_UTF8, FORM, signed_bytes(NOT_UTF8), 400),
        "broken JSON, unsigned": (BROKEN_JSON.encode(), JSON, {}, 401),
        "broken JSON, signed": (BROKEN_JSON.encode(), JSON, signed_bytes(BROKEN_JSON.encode()),
                                400),
        "JSON that is not an object": (b"[1, 2]", JSON, signed_bytes(b"[1, 2]"), 400),
        "broken payload=, unsigned": (BROKEN_PAYLOAD.encode(), FORM, {}, 401),
        "broken payload=, signed": (BROKEN_PAYLOAD.encode(), FORM,
                                    signed_bytes(BROKEN_PAYLOAD.encode()), 400),
        "empty, signed": (b"", FORM, signed_bytes(b""), 400),
        "wrong content type": (command, "text/plain", signed_bytes(command), 400),
        "no content type": (command, "", signed_bytes(command), 400),
    }
    return cases[kind]


JUNK = ["timestamp abc", "timestamp of 5000 digits", "timestamp in the future", "no signature",
        "not UTF-8, unsigned", "not UTF-8, signed", "broken JSON, unsigned", "broken JSON, signed",
        "JSON that is not an object", "broken payload=, unsigned", "broken payload=, signed",
        "empty, signed", "wrong content type", "no content type"]


@pytest.mark.parametrize("kind", JUNK)
def test_junk_gets_400_or_401_never_500_and_one_log_line_without_the_body(
    runtime: Runtime, fake: FakeSlackApi, production_logging: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str], kind: str,
) -> None:
    body, content_type, headers, status = junk(kind)
    before = row_counts(runtime.engine)

    async def scenario(slack: Slack) -> int:
        return (await slack.post(body, content_type, headers)).status

    assert drive(runtime, fake, scenario) == status
    assert fake.calls == [] and row_counts(runtime.engine) == before
    records = production_logging.records
    refused = [r for r in records if r.getMessage() == "slack request refused"]
    assert [(r.levelno, r.status) for r in refused] == [  # type: ignore[attr-defined]
        (logging.INFO, status)]
    assert refused[0].reason  # type: ignore[attr-defined]
    assert [r for r in records if r.levelno >= logging.WARNING] == []
    logged = "\n".join(f"{r.getMessage()} {vars(r)}" for r in records)
    logged += production_logging.text + capsys.readouterr().err
    assert "Traceback" not in logged and TYPED not in logged and "junk" not in logged


def test_a_forged_request_is_logged_once_at_info_with_its_reason(
    runtime: Runtime, fake: FakeSlackApi, production_logging: pytest.LogCaptureFixture,
) -> None:
    async def scenario(slack: Slack) -> int:
        body = slack.command_body(LINNEA, TYPED, ARBETS, "forged")
        return (await slack.post(body, FORM, signed(body, secret="not-the-secret"))).status

    assert drive(runtime, fake, scenario) == 401
    refused = [(r.levelno, r.reason)  # type: ignore[attr-defined]
               for r in production_logging.records if r.getMessage() == "slack request refused"]
    assert refused == [(logging.INFO, "signature mismatch")]
    assert TYPED not in production_logging.text
