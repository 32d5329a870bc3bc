"""Signed, expiring links to report files (`/export/<token>` on the bot's web server).

A token is `<payload>.<signature>`, both base64url without padding: the payload is compact
JSON saying what to build (kind, format, scope, period), for whom (a person id, checked
against the database on every download) and until when; the signature is HMAC-SHA256 over
the payload's text with a key derived from the installation's secret. Nothing is stored per
link: a link cannot be revoked one by one, but it expires, and it stops working as soon as
its person is no longer active. The file is built when it is fetched, from the figures of
that moment and for the period the link names.

Checked in this order, so that nothing in a forged payload is ever acted on: the shape, the
signature (constant-time comparison), the expiry.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

ExportKind = Literal["status", "summary", "updates"]
KINDS: Final[tuple[ExportKind, ...]] = ("status", "summary", "updates")
LinkProblem = Literal["malformed", "signature", "expired"]

_VERSION: Final = 1
_PURPOSE: Final = b"samverkansboten/export-link/v1"
MAX_TOKEN_LENGTH: Final = 2048


class LinkError(ValueError):
    def __init__(self, problem: LinkProblem) -> None:
        super().__init__(problem)
        self.problem: LinkProblem = problem


@dataclass(frozen=True)
class ExportRequest:
    kind: ExportKind
    format: str
    person_id: str
    language: str
    expires: datetime
    group_id: str | None = None
    goal_areas: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None


def link_key(secret: str) -> bytes:
    """A key for this purpose only, so that the installation secret signs nothing else alike."""

    return hmac.new(secret.encode("utf-8"), _PURPOSE, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _moment(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def _signature(payload: str, key: bytes) -> str:
    return _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())


def sign(request: ExportRequest, key: bytes) -> str:
    body: dict[str, Any] = {
        "v": _VERSION, "k": request.kind, "f": request.format, "p": request.person_id,
        "l": request.language, "e": _moment(request.expires),
    }
    if request.group_id:
        body["g"] = request.group_id
    if request.goal_areas:
        body["a"] = list(request.goal_areas)
    if request.since is not None:
        body["s"] = _moment(request.since)
    if request.until is not None:
        body["u"] = _moment(request.until)
    payload = _b64(json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode("ascii"))
    return f"{payload}.{_signature(payload, key)}"


def verify(token: str, key: bytes, now: datetime) -> ExportRequest:
    """The request a genuine, unexpired token names; raises `LinkError` otherwise."""

    if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise LinkError("malformed")
    payload, signature = token.split(".")
    try:
        payload.encode("ascii")
        signature.encode("ascii")
    except UnicodeEncodeError:
        raise LinkError("malformed") from None
    if not hmac.compare_digest(_signature(payload, key), signature):
        raise LinkError("signature")
    try:
        body = json.loads(_unb64(payload))
        request = _request(body)
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise LinkError("malformed") from None
    if request.expires <= now:
        raise LinkError("expired")
    return request


def _request(body: Any) -> ExportRequest:
    if not isinstance(body, dict) or body.get("v") != _VERSION or body.get("k") not in KINDS:
        raise ValueError("not an export request")

    def moment(key: str) -> datetime | None:
        value = body.get(key)
        if value is None:
            return None
        if not isinstance(value, int):
            raise TypeError(key)
        return datetime.fromtimestamp(value, UTC)

    expires = moment("e")
    if expires is None:
        raise ValueError("no expiry")
    areas = body.get("a", [])
    if not isinstance(areas, list) or not all(isinstance(a, str) for a in areas):
        raise TypeError("a")
    for key in ("f", "p", "l"):
        if not isinstance(body.get(key), str):
            raise TypeError(key)
    group = body.get("g")
    if group is not None and not isinstance(group, str):
        raise TypeError("g")
    return ExportRequest(
        kind=body["k"], format=body["f"], person_id=body["p"], language=body["l"],
        expires=expires, group_id=group, goal_areas=tuple(areas), since=moment("s"),
        until=moment("u"),
    )
