"""The calendar feed over HTTP and `samverkan schedule`, end to end on a SQLite file.

The real aiohttp app (`bot.web.create_app`) runs on an ephemeral port on 127.0.0.1; links come
from the chat command `kalender`, changes from administrators in chat, and every feed is parsed
back with `icalendar`, as a subscribing client would.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from icalendar import Calendar, Event
from sqlalchemy.orm import Session

from app.messages import Command, Reply
from bot.cli import main
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.web import create_app
from domain.calendar import STOCKHOLM
from domain.config import Config
from storage.sync import sync_config
from tests.conftest import FixedClock

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # 09:00 in Stockholm
ADMIN = "johan.wikstrom"
MEMBER = "amir.haddad"
TOKEN = re.compile(r"/kalender/([A-Za-z0-9_-]{16,64})\.ics")
ARBETS_MEETINGS = 19  # in 2026-2027, see tests/domain/test_schedule.py
CANCELLED_UID = "manadsmote:2026-12-08.arbetsgrupp@samverkansboten"
MOVED_UID = "manadsmote:2027-02-09.arbetsgrupp@samverkansboten"
T = TypeVar("T")


pytestmark = pytest.mark.usefixtures("cli_env")


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'feed.db'}"


@pytest.fixture
def runtime(database_url: str, example_config: Config) -> Iterator[Runtime]:
    runtime = build_runtime(Settings(database_url=database_url), clock=FixedClock(NOW))
    with Session(runtime.engine) as session:
        sync_config(session, example_config)
        session.commit()
    yield runtime
    runtime.close()


def say(runtime: Runtime, text: str, person: str = ADMIN) -> Reply:
    reply = runtime.dispatcher.handle(Command(platform="console", user_id=person, text=text))
    assert not reply.is_error, reply.plain_text()
    return reply


def feed_token(runtime: Runtime, group: str = "arbetsgrupp", *, renew: bool = False) -> str:
    text = f"kalender ny-länk {group}" if renew else f"kalender {group}"
    found = TOKEN.search(say(runtime, text, ADMIN if renew else MEMBER).plain_text())
    assert found is not None
    return found[1]


def serve(runtime: Runtime, scenario: Callable[[TestClient[Any, Any]], Awaitable[T]]) -> T:
    """Run `scenario` against the real app, listening on 127.0.0.1 on a free port."""

    async def run() -> T:
        app: web.Application = create_app(runtime, with_scheduler=False)
        async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as client:
            assert client.host == "127.0.0.1"
            return await scenario(client)

    return asyncio.run(run())


async def get_feed(client: TestClient[Any, Any], token: str) -> bytes:
    response = await client.get(f"/kalender/{token}.ics")
    assert response.status == 200
    assert response.content_type == "text/calendar"
    assert response.charset == "utf-8"
    return await response.read()


def events(feed: bytes) -> dict[str, Event]:
    calendar = Calendar.from_ical(feed)
    found = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert len(found) == len(calendar.walk("VEVENT")), "UIDs must be unique"
    return found


def sequences(feed: bytes) -> dict[str, int]:
    return {uid: int(event["SEQUENCE"]) for uid, event in events(feed).items()}


def start_of(event: Event) -> datetime:
    value = event.decoded("DTSTART")
    assert isinstance(value, datetime)
    return value


def local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=STOCKHOLM)


# --- the feed --------------------------------------------------------------------------------


def test_feed_keeps_uids_and_raises_sequence_on_cancel_and_move(runtime: Runtime) -> None:
    token = feed_token(runtime)

    async def scenario(client: TestClient[Any, Any]) -> tuple[bytes, bytes, bytes, bytes]:
        first = await get_feed(client, token)
        second = await get_feed(client, token)
        say(runtime, "möte ställ-in arbetsgrupp 8/12 sjukdom")
        say(runtime, "möte flytta arbetsgrupp 9/2 11/2 kl 10 krock")
        third = await get_feed(client, token)
        fourth = await get_feed(client, token)
        return first, second, third, fourth

    first, second, third, fourth = serve(runtime, scenario)

    calendar = Calendar.from_ical(first)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    before = events(first)
    assert len(before) == ARBETS_MEETINGS
    assert {CANCELLED_UID, MOVED_UID} <= before.keys()
    assert set(sequences(first).values()) == {0}
    assert {str(e["STATUS"]) for e in before.values()} == {"CONFIRMED"}
    for event in before.values():
        assert event["DTSTART"].params["TZID"] == "Europe/Stockholm"
        assert start_of(event).astimezone(STOCKHOLM).time() == time(9)
    assert str(before[CANCELLED_UID]["SUMMARY"]) == "Arbetsgruppen – sammankallande Skaraborg"
    assert second == first  # nothing changed, the clock stood still: the same bytes

    after = events(third)
    assert after.keys() == before.keys()  # cancelled meetings stay, moved ones keep their UID
    cancelled, moved = after[CANCELLED_UID], after[MOVED_UID]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["SUMMARY"]).startswith("INSTÄLLT: ")
    assert start_of(cancelled) == start_of(before[CANCELLED_UID])
    assert start_of(moved) == local(date(2027, 2, 11), 10)
    assert str(moved["STATUS"]) == "CONFIRMED"
    # A cancel in a per-term rotation changes no convener: only the two meetings changed.
    assert sequences(third) == {
        uid: 1 if uid in (CANCELLED_UID, MOVED_UID) else 0 for uid in before
    }
    assert sequences(fourth) == sequences(third)  # a fetch alone never raises SEQUENCE


def test_convener_changes_raise_sequence_of_exactly_the_meetings_they_change(
    runtime: Runtime,
) -> None:
    token = feed_token(runtime, "chefsgrupp")

    async def scenario(client: TestClient[Any, Any]) -> tuple[bytes, bytes, bytes]:
        first = await get_feed(client, token)
        say(runtime, "sammankallande byt --grupp chefsgrupp 26/11 25/2")
        second = await get_feed(client, token)
        # Per-meeting rotation: a cancel hands the turn on, so every later convener changes.
        say(runtime, "möte ställ-in --grupp chefsgrupp 2027-09-23")
        return first, second, await get_feed(client, token)

    first, second, third = serve(runtime, scenario)
    uid = "chefsmoten:{}.chefsgrupp@samverkansboten".format
    summaries = {k: str(e["SUMMARY"]) for k, e in events(second).items()}
    assert summaries[uid("2026-11-26")] == "Chefsgruppen – sammankallande Skaraborg"
    assert summaries[uid("2027-02-25")] == "Chefsgruppen – sammankallande Sjuhärad"
    swapped = {uid("2026-11-26"), uid("2027-02-25")}
    assert sequences(second) == {k: 1 if k in swapped else 0 for k in sequences(first)}
    changed_by_cancel = {uid("2027-09-23"), uid("2027-11-25")}
    assert sequences(third) == {
        k: (1 if k in swapped else 0) + (1 if k in changed_by_cancel else 0)
        for k in sequences(first)
    }
    assert str(events(third)[uid("2027-11-25")]["SUMMARY"]) == (
        "Chefsgruppen – sammankallande GR"
    )


def test_unknown_and_revoked_links_are_not_found(runtime: Runtime) -> None:
    old = feed_token(runtime)
    new = feed_token(runtime, renew=True)
    assert new != old

    async def scenario(client: TestClient[Any, Any]) -> list[int]:
        statuses = []
        for path in (
            f"/kalender/{old}.ics",
            f"/kalender/{'A' * 32}.ics",
            "/kalender/short.ics",
            f"/kalender/{new}",
            f"/kalender/{new}.ics",
        ):
            response = await client.get(path)
            statuses.append(response.status)
        return statuses

    assert serve(runtime, scenario) == [404, 404, 404, 404, 200]


# --- samverkan schedule ----------------------------------------------------------------------

ISO_WITH_OFFSET = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
WINDOW = ["--from", "2026-12-01", "--to", "2027-02-28"]


def schedule_cli(database_url: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setenv("DATABASE_URL", database_url)
    return main(["schedule", *args])


def test_schedule_as_json(
    runtime: Runtime, database_url: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    say(runtime, "möte ställ-in arbetsgrupp 8/12 sjukdom")
    say(runtime, "möte flytta arbetsgrupp 9/2 11/2 kl 10 krock")
    capsys.readouterr()
    assert schedule_cli(
        database_url, monkeypatch, "--group", "arbetsgrupp", *WINDOW, "--format", "json"
    ) == 0
    records = json.loads(capsys.readouterr().out)
    assert isinstance(records, list)
    for record in records:
        assert {"group", "start", "end", "convener_org", "convener_person", "status"} <= set(
            record
        )
        assert record["group"] == "arbetsgrupp"
        assert ISO_WITH_OFFSET.fullmatch(record["start"]), record["start"]
        assert ISO_WITH_OFFSET.fullmatch(record["end"]), record["end"]
        assert datetime.fromisoformat(record["end"]) > datetime.fromisoformat(record["start"])
    shown = [(r["start"], r["status"], r["convener_org"], r["convener_person"]) for r in records]
    assert shown == [
        ("2026-12-08T09:00:00+01:00", "cancelled", None, None),
        ("2027-01-12T09:00:00+01:00", "planned", "gr", "Amir Haddad"),
        ("2027-02-11T10:00:00+01:00", "moved", "gr", "Amir Haddad"),
    ]
    assert records[0]["end"] == "2026-12-08T10:00:00+01:00"


def test_schedule_as_text_speaks_the_chosen_language(
    runtime: Runtime, database_url: str, monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    say(runtime, "möte ställ-in arbetsgrupp 8/12")
    say(runtime, "möte flytta arbetsgrupp 9/2 11/2 kl 10")
    capsysbinary.readouterr()
    assert schedule_cli(database_url, monkeypatch, "--group", "arbetsgrupp", *WINDOW,
                        "--lang", "sv") == 0
    assert capsysbinary.readouterr().out.decode().splitlines() == [
        "2026-12-08 09:00  inställt  -  -",
        "2027-01-12 09:00  planerat  GR  Amir Haddad",
        "2027-02-11 10:00  flyttat från tis 9 feb 2027  GR  Amir Haddad",
    ]
    assert schedule_cli(database_url, monkeypatch, "--group", "arbetsgrupp", *WINDOW,
                        "--lang", "en") == 0
    assert capsysbinary.readouterr().out.decode().splitlines() == [
        "2026-12-08 09:00  cancelled  -  -",
        "2027-01-12 09:00  planned  GR  Amir Haddad",
        "2027-02-11 10:00  moved from Tue 9 Feb 2027  GR  Amir Haddad",
    ]


def test_schedule_as_ics_keeps_to_the_dates_asked_for(
    runtime: Runtime, database_url: str, monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    say(runtime, "möte ställ-in arbetsgrupp 8/12")
    capsysbinary.readouterr()
    assert schedule_cli(
        database_url, monkeypatch, "--group", "arbetsgrupp", *WINDOW, "--format", "ics"
    ) == 0
    feed = capsysbinary.readouterr().out
    found = events(feed)
    assert sorted(found) == [
        CANCELLED_UID,
        "manadsmote:2027-01-12.arbetsgrupp@samverkansboten",
        "manadsmote:2027-02-09.arbetsgrupp@samverkansboten",
    ]
    assert str(found[CANCELLED_UID]["STATUS"]) == "CANCELLED"
    assert Calendar.from_ical(feed).walk("VTIMEZONE")
    # Without --from/--to: today and a year on, as for the other formats.
    assert schedule_cli(database_url, monkeypatch, "--group", "arbetsgrupp", "--format",
                        "ics") == 0
    assert len(events(capsysbinary.readouterr().out)) > 3


def test_changes_raise_sequence_even_before_anyone_fetched_the_feed(
    runtime: Runtime,
) -> None:
    token = feed_token(runtime)
    say(runtime, "möte ställ-in arbetsgrupp 8/12 sjukdom")
    say(runtime, "möte flytta arbetsgrupp 9/2 11/2 kl 10 krock")
    say(runtime, "möte flytta arbetsgrupp 11/2 12/2 kl 10")
    say(runtime, "sammankallande sätt --grupp arbetsgrupp 12/1 fyrbodal")
    feed = serve(runtime, lambda client: get_feed(client, token))
    assigned = "manadsmote:2027-01-12.arbetsgrupp@samverkansboten"
    assert sequences(feed) == {
        uid: {CANCELLED_UID: 1, MOVED_UID: 2, assigned: 1}.get(uid, 0) for uid in sequences(feed)
    }


def test_schedule_of_an_unknown_group_exits_2(
    runtime: Runtime, database_url: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert schedule_cli(database_url, monkeypatch, "--group", "okänd", "--format", "json") == 2
    output = capsys.readouterr()
    assert output.out == ""
    assert "okänd" in output.err and "arbetsgrupp" in output.err
