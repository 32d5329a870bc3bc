"""`mina-data` / `my-data`: the register extract, through the real `Dispatcher` and storage.

Linnéa (the person asking) and Henrik (someone else in her groups) each have a row of every
kind stored about people; the extract must hold each of Linnéa's and nothing of Henrik's.
Every text stored for Henrik carries the marker `HENRIK-`, so a leak is a plain substring.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.core import Options
from app.dispatch import Dispatcher
from app.extracts import EXTRACT_PATH_PREFIX, open_extract
from app.i18n import translator
from app.messages import Attachment, Command, Reply
from app.reports import export_url, open_export
from domain.export_link import ExportRequest
from domain.signed_link import Refused
from handlers.commands import COMMANDS
from storage import models as m
from storage import models_calendar as mc
from storage import models_reminders as mr
from storage import models_teams as mt
from storage import models_updates as mu
from storage.repositories import StoreFactory
from tests.conftest import FixedClock

SV = translator("sv")
LINNEA = "linnea.ek"
HENRIK = "henrik.sjoberg"
ADMIN = "johan.wikstrom"
LINNEA_TEAMS = "00000000-0000-4000-8000-000000000202"
HENRIK_TEAMS = "00000000-0000-4000-8000-000000000203"
FEED_TOKEN = "feedtokenSECRET0123456789abcdef"


def _outbox(key: str, recipient: str, at: datetime, status: str = "sent") -> mr.OutboxDelivery:
    return mr.OutboxDelivery(
        key=key, rule="update_request_dm", group_id="arbetsgrupp", reminder_key=key,
        series_id="arbetsgrupp-manad", meeting_id=f"m-{key}", meeting_start=at + timedelta(days=7),
        recipient=recipient, platform="slack", due_at=at, status=status, attempts=1,
        claimed_by="test", claimed_at=at, finished_at=at if status != "sending" else None,
    )


def seed(engine: Engine, now: datetime) -> None:
    """One row of every kind for Linnéa and for Henrik (marked HENRIK-)."""

    at = now - timedelta(days=30)
    with Session(engine) as s:
        def update(author: str, text: str, uid: str) -> mu.Update:
            row = mu.Update(uid=uid, activity_code="VIP-1", group_id="arbetsgrupp",
                            author_id=author, created_at=at, updated_at=at, version=2,
                            status="on_track", summary=f"{text} v2")
            s.add(row)
            s.flush()
            return row

        mine = update(LINNEA, "LINNEA-SUMMARY", "u1")
        theirs = update(HENRIK, "HENRIK-SUMMARY", "u2")
        for row, first, second in ((mine, LINNEA, ADMIN), (theirs, HENRIK, LINNEA)):
            text = row.summary.removesuffix(" v2")
            for version, actor in ((1, first), (2, second)):
                s.add(mu.UpdateVersion(update_id=row.id, version=version, at=at, actor_id=actor,
                                       activity_code="VIP-1", status="on_track",
                                       summary=f"{text} v{version}"))
        for author, text, uid in ((LINNEA, "LINNEA-DECISION", "d1"),
                                  (HENRIK, "HENRIK-DECISION", "d2")):
            s.add(mu.Decision(uid=uid, group_id="arbetsgrupp", meeting_date=date(2026, 6, 9),
                              text=text, author_id=author, created_at=at))
        s.add(mu.NextStep(uid="n1", group_id="arbetsgrupp", meeting_date=date(2026, 6, 9),
                          text="LINNEA-STEP", author_id=LINNEA, created_at=at))
        s.add(mu.NextStep(uid="n2", group_id="arbetsgrupp", meeting_date=date(2026, 6, 9),
                          text="STEP-CLOSED-BY-LINNEA", author_id=HENRIK, created_at=at,
                          status="done", closed_by=LINNEA, closed_at=at))
        s.add(mu.NextStep(uid="n3", group_id="arbetsgrupp", meeting_date=date(2026, 6, 9),
                          text="HENRIK-STEP", author_id=HENRIK, created_at=at))
        for person, reason in ((LINNEA, "LINNEA-MOVE"), (HENRIK, "HENRIK-MOVE")):
            s.add(mc.ScheduleChange(group_id="arbetsgrupp", kind="cancel",
                                    meeting_id="x", reason=reason, created_by=person,
                                    created_at=at))
        s.add(mc.CalendarFeed(token=FEED_TOKEN, group_id="arbetsgrupp", created_by=LINNEA,
                              created_at=at))
        s.add(_outbox("k-linnea", f"person:{LINNEA}", at))
        s.add(_outbox("k-henrik", f"person:{HENRIK}", at))
        s.add(_outbox("k-channel", "channel", at))
        for person, teams in ((LINNEA, LINNEA_TEAMS), (HENRIK, HENRIK_TEAMS)):
            s.add(mt.ConversationReferenceRow(
                kind="personal", key=teams, reference={"conversation": {"id": f"a:{person}"}},
                service_url=f"https://smba.example/{person}/", tenant_id="tenant",
                updated_at=at))
        s.add(m.AuditLog(at=at, actor_id=LINNEA, action="calendar.cancel", outcome="ok",
                         detail="LINNEA-AUDIT"))
        s.add(m.AuditLog(at=at, actor_id=HENRIK, action="calendar.cancel", outcome="ok",
                         detail="HENRIK-AUDIT"))
        s.commit()


@pytest.fixture
def stores(synced_engine: Engine, clock: FixedClock) -> StoreFactory:
    seed(synced_engine, clock.now)
    return StoreFactory(synced_engine, clock)


@pytest.fixture
def dispatcher(stores: StoreFactory, clock: FixedClock) -> Dispatcher:
    return Dispatcher(stores, clock, COMMANDS)


def say(dispatcher: Dispatcher, text: str, person: str = LINNEA) -> Reply:
    return dispatcher.handle(Command(platform="console", user_id=person, text=text))


def links(reply: Reply) -> dict[str, str]:
    """Format → token, from the extract links in a reply."""

    found: dict[str, str] = {}
    for word in reply.plain_text().split():
        if EXTRACT_PATH_PREFIX in word:
            token = urlparse(word).path.removeprefix(EXTRACT_PATH_PREFIX)
            fmt = json.loads(_payload(token))["f"]
            found[fmt] = token
    return found


def _payload(token: str) -> bytes:
    import base64

    part = token.split(".")[0]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def fetch(stores: StoreFactory, token: str, now: datetime | None = None) -> Attachment | Refused:
    with stores() as store:
        return open_extract(store, token, Options(), now or stores.clock())


def audit(engine: Engine) -> list[tuple[str | None, str, str, str]]:
    with Session(engine) as session:
        return [(e.actor_id, e.action, e.outcome, e.detail)
                for e in session.scalars(select(m.AuditLog).order_by(m.AuditLog.id))]


def my_extract(dispatcher: Dispatcher, stores: StoreFactory, fmt: str = "json") -> bytes:
    reply = say(dispatcher, "mina-data")
    assert not reply.is_error, reply
    result = fetch(stores, links(reply)[fmt])
    assert isinstance(result, Attachment), result
    return result.content


def test_the_answer_gives_private_links_in_three_formats_and_is_audited(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    reply = say(dispatcher, "mina-data")
    assert reply.visibility == "private"
    assert set(links(reply)) == {"md", "docx", "json"}
    assert SV("gdpr.extract.title") == reply.heading
    assert (LINNEA, "gdpr.extract.link", "ok", "md docx json") in audit(synced_engine)
    english = say(dispatcher, "my-data", person="sofia.marklund")
    assert set(links(english)) == {"md", "docx", "json"}


def test_the_json_extract_holds_each_kind_of_data_about_the_person(
    dispatcher: Dispatcher, stores: StoreFactory
) -> None:
    data: dict[str, Any] = json.loads(my_extract(dispatcher, stores))
    assert data["person"]["id"] == LINNEA
    assert data["person"]["email"] == "linnea.ek@fyrbodal.example"
    assert data["person"]["organisation"]["id"] == "fyrbodal"
    assert {(i["platform"], i["user_id"]) for i in data["chat_identities"]} == {
        ("slack", "U0FYR0002"), ("teams", LINNEA_TEAMS),
    }
    assert {g["group"] for g in data["memberships"]} >= {"arbetsgrupp"}
    [update] = data["updates"]
    assert update["summary"] == "LINNEA-SUMMARY v2"
    assert [(v["version"], v["summary"], v["by"]) for v in update["history"]] == [
        (1, "LINNEA-SUMMARY v1", "you"), (2, "LINNEA-SUMMARY v2", "another person"),
    ]
    [change] = data["changes_to_other_updates"]
    assert change["version"] == 2 and "summary" not in change
    assert [d["text"] for d in data["decisions"]] == ["LINNEA-DECISION"]
    steps = {n["text"]: n for n in data["next_steps"]}
    assert set(steps) == {"LINNEA-STEP", "STEP-CLOSED-BY-LINNEA"}
    assert steps["LINNEA-STEP"]["recorded_by_you"] and steps["STEP-CLOSED-BY-LINNEA"][
        "closed_by_you"]
    assert [c["reason"] for c in data["schedule_changes"]] == ["LINNEA-MOVE"]
    assert [f["group_id"] for f in data["calendar_links"]] == ["arbetsgrupp"]
    assert [r["meeting_id"] for r in data["reminders"]] == ["m-k-linnea"]
    assert [c["key"] for c in data["conversation_references"]] == [LINNEA_TEAMS]
    details = [a["detail"] for a in data["audit_entries"]]
    assert "LINNEA-AUDIT" in details


@pytest.mark.parametrize("fmt", ["json", "md"])
def test_the_extract_holds_nothing_about_other_people(
    dispatcher: Dispatcher, stores: StoreFactory, fmt: str
) -> None:
    text = my_extract(dispatcher, stores, fmt).decode("utf-8")
    assert "LINNEA-SUMMARY" in text and "Linnéa Ek" in text
    for leak in ("HENRIK-", "henrik", "Henrik", HENRIK_TEAMS, "U0FYR0003", ADMIN,
                 "k-channel", FEED_TOKEN, "feedtoken"):
        assert leak not in text, leak


def test_the_readable_document_has_the_sections_in_the_persons_language(
    dispatcher: Dispatcher, stores: StoreFactory
) -> None:
    text = my_extract(dispatcher, stores, "md").decode("utf-8")
    for section in ("person", "updates", "reminders", "audit_entries"):
        assert SV(f"gdpr.section.{section}") in text
    docx = my_extract(dispatcher, stores, "docx")
    assert docx[:2] == b"PK"


def test_a_download_is_audited(dispatcher: Dispatcher, stores: StoreFactory,
                               synced_engine: Engine) -> None:
    my_extract(dispatcher, stores, "md")
    assert (LINNEA, "gdpr.extract", "ok", "md link") in audit(synced_engine)


def test_the_link_gives_only_that_persons_extract(
    dispatcher: Dispatcher, stores: StoreFactory, clock: FixedClock
) -> None:
    token = links(say(dispatcher, "mina-data"))["json"]
    signature = token.split(".")[1]
    body = json.loads(_payload(token))
    body["p"] = HENRIK
    import base64

    forged = base64.urlsafe_b64encode(
        json.dumps(body, separators=(",", ":")).encode()).rstrip(b"=").decode()
    assert fetch(stores, f"{forged}.{signature}") == Refused("signature")
    # A report link for the same person is no extract link, nor the other way round.
    with stores() as store:
        report = export_url(store, Options(), ExportRequest(
            "status", "json", LINNEA, "sv", clock.now + timedelta(hours=1)))
        report_token = urlparse(report).path.removeprefix("/export/")
        assert isinstance(open_extract(store, report_token, Options(), clock.now), Refused)
        assert isinstance(open_export(store, token, Options(), clock.now), Refused)
    # It expires within the hour.
    assert fetch(stores, token, clock.now + timedelta(hours=1, seconds=1)) == Refused("expired")


def test_the_link_stops_working_when_the_person_is_inactive(
    dispatcher: Dispatcher, stores: StoreFactory, synced_engine: Engine
) -> None:
    token = links(say(dispatcher, "mina-data"))["json"]
    with Session(synced_engine) as session:
        person = session.get(m.Person, LINNEA)
        assert person is not None
        person.active = False
        session.commit()
    assert fetch(stores, token) == Refused("inactive")
    assert (LINNEA, "gdpr.extract", "denied", "inactive") in audit(synced_engine)


def test_report_downloads_are_audited(stores: StoreFactory, clock: FixedClock,
                                      synced_engine: Engine) -> None:
    with stores() as store:
        url = export_url(store, Options(), ExportRequest(
            "status", "json", LINNEA, "sv", clock.now + timedelta(hours=1)))
    with stores() as store:
        result = open_export(store, urlparse(url).path.removeprefix("/export/"), Options(),
                             clock.now)
    assert not isinstance(result, Refused)
    assert (LINNEA, "reports.download", "ok", "status json") in audit(synced_engine)


def test_clock_is_fixed(clock: FixedClock) -> None:
    assert clock.now == datetime(2026, 9, 1, 7, 0, tzinfo=UTC)
