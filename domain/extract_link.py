"""Signed, expiring links to a person's register extract (`/extract/<token>`, `mina-data`).

The token is a `domain.signed_link` with a key for extracts only, so a report link is never
accepted as an extract link nor the other way round. The payload names one person, whose
extract is the only thing the link can ever give (the link is made for that person only, in
a private answer, and is short-lived).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from domain import signed_link
from domain.signed_link import PurposeKey, purpose_key

KIND: Final = "register_extract"
ExtractFormat = Literal["json", "md", "docx"]
FORMATS: Final[tuple[ExtractFormat, ...]] = ("json", "md", "docx")
_PURPOSE: Final = b"samverkansboten/register-extract/v1"


@dataclass(frozen=True)
class ExtractRequest:
    person_id: str
    format: ExtractFormat
    language: str
    expires: datetime


def extract_key(secret: str) -> PurposeKey:
    return purpose_key(secret, _PURPOSE)


def sign(request: ExtractRequest, key: PurposeKey) -> str:
    fields = {"k": KIND, "f": request.format, "p": request.person_id, "l": request.language}
    return signed_link.sign(fields, request.expires, key)


def verify(token: str, key: PurposeKey, now: datetime) -> ExtractRequest:
    """The request a genuine, unexpired extract token names; raises `LinkError` otherwise."""

    return signed_link.verify(token, key, now, _request)


def _request(body: Mapping[str, Any], expires: datetime) -> ExtractRequest:
    if body.get("k") != KIND:
        raise ValueError("not an extract request")
    fmt, person, language = body["f"], body["p"], body["l"]
    if fmt not in FORMATS or not isinstance(person, str) or not isinstance(language, str):
        raise ValueError("bad fields")
    return ExtractRequest(person, fmt, language, expires)
