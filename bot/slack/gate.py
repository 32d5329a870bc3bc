"""What reaches Bolt over HTTP: a request Slack signed, with a body that can be read.

Bolt checks Slack's signature itself, but it reads the request first, and what it cannot read
it does not refuse: a timestamp header `abc` (ValueError), a body that is not UTF-8
(UnicodeDecodeError), broken JSON or a broken `payload=` (JSONDecodeError) each became a 500
with a traceback at ERROR. The refusals it does make it logs with the request's whole body.

`screen` looks at everything before Bolt does: the content type, the timestamp (digits, within
Slack's five minutes), the signature (slack_sdk's `SignatureVerifier`: `v0=` HMAC-SHA256 of
`v0:{timestamp}:{body}` with the signing secret), then the body (UTF-8; a JSON object, or a
form whose `payload`, if any, is one). A request that fails is refused with 400 (it cannot be
read) or 401 (Slack did not sign it), and `serve` logs one INFO line with the reason: never
the body, never a header.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl

from slack_bolt.async_app import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

FORM: Final = "application/x-www-form-urlencoded"
JSON: Final = "application/json"
# Slack's replay window: an older (or a future) timestamp is refused.
MAX_AGE_SECONDS: Final = 5 * 60
_MAX_TIMESTAMP_DIGITS: Final = 12


@dataclass(frozen=True)
class Rejected:
    status: int  # 400: cannot be read; 401: not signed by Slack
    reason: str


@dataclass(frozen=True)
class Admitted:
    text: str
    body: dict[str, Any]


def screen(raw: bytes, headers: Mapping[str, str], verifier: SignatureVerifier,
           now: float) -> Admitted | Rejected:
    media = headers.get("Content-Type", "").split(";")[0].strip().lower()
    if media not in (FORM, JSON):
        return Rejected(400, "content type")
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    if not (timestamp.isascii() and timestamp.isdigit()
            and len(timestamp) <= _MAX_TIMESTAMP_DIGITS):
        return Rejected(401, "no valid timestamp")
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return Rejected(401, "stale timestamp")
    signature = headers.get("X-Slack-Signature", "")
    if not signature:
        return Rejected(401, "no signature")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Rejected(400, "body not UTF-8")
    if not verifier.is_valid(text, timestamp, signature):
        return Rejected(401, "signature mismatch")
    body = _parse(text, media)
    if body is None:
        return Rejected(400, "body unreadable")
    return Admitted(text, body)


def _parse(text: str, media: str) -> dict[str, Any] | None:
    """The body as Slack means it: a JSON object, or a form (an interaction's `payload`)."""

    try:
        if media == JSON or text.startswith("{"):  # as Bolt decides
            parsed = json.loads(text)
            return parsed if isinstance(parsed, dict) else None
        fields = dict(parse_qsl(text, keep_blank_values=True))
        if "payload" not in fields:
            return fields or None
        payload = json.loads(fields["payload"])
        return payload if isinstance(payload, dict) else None
    except (ValueError, RecursionError):
        return None


def bolt_request(admitted: Admitted, query: str, headers: Mapping[str, str]) -> AsyncBoltRequest:
    request = AsyncBoltRequest(body=admitted.text, query=query,
                               headers=dict(headers))
    if request.body != admitted.body:
        # Bolt takes any form body containing the word "payload" (a slash command's text, a
        # channel's name) for an interaction without one, and reads it as empty: the command
        # went unanswered. The body read here is the one Slack signed.
        request.body = admitted.body
        request.context = build_async_context(AsyncBoltContext({}), admitted.body)
    return request
