"""Signed, expiring links to report files (`/export/<token>` on the bot's web server).

The token (`domain.signed_link`, with a key for reports only) says what to build (kind,
format, scope, period), for whom (a person id, checked against the database on every
download) and until when. The link stops working as soon as its person is no longer active,
and the file is built when it is fetched, from the figures of that moment and for the period
the link names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from domain import signed_link
from domain.signed_link import PurposeKey, purpose_key

ExportKind = Literal["status", "summary", "updates", "minutes", "followup"]
KINDS: Final[tuple[ExportKind, ...]] = ("status", "summary", "updates", "minutes", "followup")

_PURPOSE: Final = b"samverkansboten/export-link/v1"


@dataclass(frozen=True)
class ExportRequest:
    kind: ExportKind
    format: str
    person_id: str
    language: str
    expires: datetime
    group_id: str | None = None
    # For minutes, `since` is the start (midnight, Stockholm) of the meeting's day.
    goal_areas: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None


def link_key(secret: str) -> PurposeKey:
    return purpose_key(secret, _PURPOSE)


def _moment(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def sign(request: ExportRequest, key: PurposeKey) -> str:
    fields: dict[str, Any] = {
        "k": request.kind, "f": request.format, "p": request.person_id, "l": request.language,
    }
    if request.group_id:
        fields["g"] = request.group_id
    if request.goal_areas:
        fields["a"] = list(request.goal_areas)
    if request.since is not None:
        fields["s"] = _moment(request.since)
    if request.until is not None:
        fields["u"] = _moment(request.until)
    return signed_link.sign(fields, request.expires, key)


def verify(token: str, key: PurposeKey, now: datetime) -> ExportRequest:
    """The request a genuine, unexpired token names; raises `LinkError` otherwise."""

    return signed_link.verify(token, key, now, _request)


def _request(body: Mapping[str, Any], expires: datetime) -> ExportRequest:
    if body.get("k") not in KINDS:
        raise ValueError("not an export request")

    def moment(key: str) -> datetime | None:
        value = body.get(key)
        if value is None:
            return None
        if not isinstance(value, int):
            raise TypeError(key)
        return datetime.fromtimestamp(value, UTC)

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
