"""Signed, expiring links: the one mechanism behind every link the bot gives out to a file.

A token is `<payload>.<signature>`, both base64url without padding: the payload is compact
JSON (the link's own fields, plus the envelope's version `v` and expiry `e`); the signature
is HMAC-SHA256 over the payload's text. Nothing is stored per link: a link cannot be revoked
one by one, but it expires.

The key is never the installation's secret itself but one derived from it for a purpose
(`purpose_key`), so that a link made for one purpose (a report, a register extract) is
refused as a link for any other, whatever its payload says.

Checked in this order, so that nothing in a forged payload is ever acted on: the shape, the
signature (constant-time comparison), the payload, the expiry.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal, NewType, TypeVar

LinkProblem = Literal["malformed", "signature", "expired"]
# A key derived for one purpose only; `sign` and `verify` take nothing else.
PurposeKey = NewType("PurposeKey", bytes)
T = TypeVar("T")

_VERSION: Final = 1
MAX_TOKEN_LENGTH: Final = 2048


# Why a signed link gives no file: the link's own problems, then what opening it found.
Refusal = Literal["malformed", "signature", "expired", "inactive", "not_allowed", "gone"]


@dataclass(frozen=True)
class Refused:
    reason: Refusal


class LinkError(ValueError):
    def __init__(self, problem: LinkProblem) -> None:
        super().__init__(problem)
        self.problem: LinkProblem = problem


def purpose_key(secret: str, purpose: bytes) -> PurposeKey:
    """The key for links of this purpose, so that the installation secret signs nothing else
    alike and no purpose's link is another's."""

    return PurposeKey(hmac.new(secret.encode("utf-8"), purpose, hashlib.sha256).digest())


def sign(fields: Mapping[str, Any], expires: datetime, key: PurposeKey) -> str:
    body = {"v": _VERSION, **fields, "e": int(expires.timestamp())}
    payload = _b64(json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode("ascii"))
    return f"{payload}.{_signature(payload, key)}"


def verify(
    token: str, key: PurposeKey, now: datetime,
    read: Callable[[Mapping[str, Any], datetime], T],
) -> T:
    """What `read` makes of a genuine, unexpired token's fields and expiry; raises `LinkError`
    otherwise. `read` refuses fields it cannot take with ValueError, TypeError or KeyError."""

    if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise LinkError("malformed")
    payload, signature = token.split(".")
    if not (payload.isascii() and signature.isascii()):
        raise LinkError("malformed")
    if not hmac.compare_digest(_signature(payload, key), signature):
        raise LinkError("signature")
    try:
        body = json.loads(_unb64(payload))
        if not isinstance(body, dict) or body.get("v") != _VERSION:
            raise ValueError("not a link of this version")
        expires = body.get("e")
        if not isinstance(expires, int):
            raise TypeError("e")
        moment = datetime.fromtimestamp(expires, UTC)
        result = read(body, moment)
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise LinkError("malformed") from None
    if moment <= now:
        raise LinkError("expired")
    return result


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: str, key: bytes) -> str:
    return _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())
