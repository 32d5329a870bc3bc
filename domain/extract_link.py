"""Signed, expiring links to a person's register extract (`/extract/<token>`, `mina-data`).

The same mechanism as the report links (`domain.export_link`): `<payload>.<signature>`,
base64url, HMAC-SHA256 with a key derived from the installation's secret, checked in the same
order (shape, signature, expiry), nothing stored per link. Two differences: the key is derived
for this purpose only, so a report link is never accepted as an extract link nor the other way
round; and the payload names one person, whose extract is the only thing the link can ever
give (the link is made for that person only, in a private answer, and is short-lived).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from domain.export_link import MAX_TOKEN_LENGTH, LinkError, _b64, _signature, _unb64

KIND: Final = "register_extract"
ExtractFormat = Literal["json", "md", "docx"]
FORMATS: Final[tuple[ExtractFormat, ...]] = ("json", "md", "docx")
_VERSION: Final = 1
_PURPOSE: Final = b"samverkansboten/register-extract/v1"


@dataclass(frozen=True)
class ExtractRequest:
    person_id: str
    format: ExtractFormat
    language: str
    expires: datetime


def extract_key(secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), _PURPOSE, hashlib.sha256).digest()


def sign(request: ExtractRequest, key: bytes) -> str:
    body: dict[str, Any] = {
        "v": _VERSION, "k": KIND, "f": request.format, "p": request.person_id,
        "l": request.language, "e": int(request.expires.timestamp()),
    }
    payload = _b64(json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode("ascii"))
    return f"{payload}.{_signature(payload, key)}"


def verify(token: str, key: bytes, now: datetime) -> ExtractRequest:
    """The request a genuine, unexpired extract token names; raises `LinkError` otherwise."""

    if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise LinkError("malformed")
    payload, signature = token.split(".")
    if not (payload.isascii() and signature.isascii()):
        raise LinkError("malformed")
    if not hmac.compare_digest(_signature(payload, key), signature):
        raise LinkError("signature")
    try:
        body = json.loads(_unb64(payload))
        if not isinstance(body, dict) or body.get("v") != _VERSION or body.get("k") != KIND:
            raise ValueError("not an extract request")
        fmt, person, language, expires = body["f"], body["p"], body["l"], body["e"]
        if fmt not in FORMATS or not isinstance(person, str) or not isinstance(language, str):
            raise ValueError("bad fields")
        if not isinstance(expires, int):
            raise TypeError("e")
        request = ExtractRequest(person, fmt, language, datetime.fromtimestamp(expires, UTC))
    except (ValueError, TypeError, KeyError):
        raise LinkError("malformed") from None
    if request.expires <= now:
        raise LinkError("expired")
    return request
