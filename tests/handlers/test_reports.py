"""`sammanfattning`, `status` and `export` through the real `Dispatcher` and storage.

Updates are stored the way people store them: through `rapportera` and its form, at the
times the clock is set to. The clock ends on Tuesday 1 September 2026, 09:00 in Stockholm:
Arbetsgruppen met last on 9 June and meets next on 8 September (convener Skaraborg).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from app.core import Options
from app.dispatch import Dispatcher
from app.i18n import translator
from app.messages import Attachment, Command, FormSubmission, Reply, Table, Text
from app.reports import open_export, status_document
from app.updates import FORM_ID
from bot.slack.blocks import TEXT_BUDGET as SLACK_BUDGET
from bot.teams.cards import TEXT_BUDGET as TEAMS_BUDGET
from domain.document import Document
from domain.signed_link import Refused
from handlers.commands import COMMANDS
from storage import models as m
from storage import models_reports as mr
from storage.repositories import StoreFactory
from tests.conftest import FixedClock

SV = translator("sv")
EN = translator("en")
LINNEA = "linnea.ek"  # Fyrbodal; arbetsgrupp and kf-arbetsgrupp
HENRIK = "henrik.sjoberg"  # Fyrbodal; the same groups
AMIR = "amir.haddad"  # GR; the same groups
SOFIA = "sofia.marklund"  # VGR, English; arbetsgrupp and vgr-arbetsgrupp
MATTIAS = "mattias.gustavsson"  # Fyrbodal; chefsgrupp only, as chef
NOW = datetime(2026, 9, 1, 7, 0, tzinfo=UTC)


def say(dispatcher: Dispatcher, text: str, person: str = LINNEA, **kwargs: Any) -> Reply:
    platform = kwargs.pop("platform", "console")
    return dispatcher.handle(Command(platform=platform, user_id=person, text=text, **kwargs))


def report(dispatcher: Dispatcher, clock: FixedClock, at: datetime, person: str, code: str,
           status: str, summary: str, *, next_steps: str = "", risks: str = "",
           values: dict[str, str] | None = None) -> None:
    clock.now = at
    fields = {"activity": code, "status": status, "summary": summary,
              "next_steps": next_steps, "risks": risks}
    fields.update({f"indicator:{code}:{key}": value for key, value in (values or {}).items()})
    reply = dispatcher.submit(FormSubmission("console", person, FORM_ID, fields))
    assert not reply.is_error and reply.form is None, reply.plain_text()


def text_of(reply: Reply) -> str:
    return reply.plain_text()


def audit_details(engine: Engine) -> list[tuple[str | None, str, str, str]]:
    with Session(engine) as session:
        return [(e.actor_id, e.action, e.outcome, e.detail)
                for e in session.scalars(select(m.AuditLog).order_by(m.AuditLog.id))]


def audit(engine: Engine) -> list[tuple[str | None, str, str]]:
    with Session(engine) as session:
        return [(e.actor_id, e.action, e.outcome)
                for e in session.scalars(select(m.AuditLog).order_by(m.AuditLog.id))]


@pytest.fixture
def history(dispatcher: Dispatcher, clock: FixedClock) -> None:
    """A spring and summer of updates and the notes of the June meeting."""

    report(dispatcher, clock, datetime(2026, 5, 20, 8, tzinfo=UTC), LINNEA, "VIP-1", "on_track",
           "Två delregioner har införandeplaner")
    clock.now = datetime(2026, 6, 9, 9, tzinfo=UTC)
    # Sofia is VGR's stand-in, and VGR convened the June meeting: its decisions are hers.
    assert not say(dispatcher, "beslut --grupp arbetsgrupp Arbetsgruppen tar fram "
                               "indikatorer", person=SOFIA).is_error
    assert not say(dispatcher, "nästa-steg Sammanställa enkätsvaren ansvarig GR senast 15/10 "
                               "--grupp arbetsgrupp").is_error
    report(dispatcher, clock, datetime(2026, 6, 20, 8, tzinfo=UTC), AMIR, "VIP-1", "delayed",
           "Tredje delregionen väntar på beslut", next_steps="Nytt möte i augusti",
           risks="Beslutet kan dröja till hösten", values={"vip-inforandeplan": "2"})
    report(dispatcher, clock, datetime(2026, 8, 24, 8, tzinfo=UTC), HENRIK, "SP-1", "starting",
           "Samordnare rekryterad")
    clock.now = NOW


# --- sammanfattning -----------------------------------------------------------------------


@pytest.mark.usefixtures("history")
def test_the_summary_has_the_updates_since_the_last_meeting(dispatcher: Dispatcher) -> None:
    reply = say(dispatcher, "sammanfattning arbetsgrupp")
    assert not reply.is_error, text_of(reply)
    assert reply.heading == SV("reports.summary.title_meeting",
                               group="Länsgemensam arbetsgrupp psykisk hälsa och "
                                     "suicidprevention", date="tis 8 sep 2026")
    assert reply.shareable
    text = text_of(reply)
    assert SV("reports.summary.subtitle_meeting", date="tis 9 jun 2026") in text
    # Since 9 June: Amir's and Henrik's updates; Linnéa's May update is before the window.
    assert "Tredje delregionen väntar på beslut" in text
    assert "Samordnare rekryterad" in text
    assert "Två delregioner har införandeplaner" not in text
    # VIP-1 went from on track (May) to delayed (June).
    assert SV("reports.summary.status_line", status="Försenad",
              change=SV("reports.change.down", previous="Pågår enligt plan")) in text
    assert "Beslutet kan dröja till hösten" in text and "Nytt möte i augusti" in text
    assert "Delregioner med plan för införande av VIP: 2 av 4 (antal)" in text
    assert SV("reports.summary.no_update", date="tis 9 jun 2026",
              codes="GS-1, GS-2, BM-1, UPP-1") in text


@pytest.mark.usefixtures("history")
def test_the_summary_names_who_has_not_reported(dispatcher: Dispatcher) -> None:
    text = text_of(say(dispatcher, "sammanfattning arbetsgrupp"))
    missing = re.search(r"Deltagare utan lägesrapport: (.*)\.", text)
    assert missing is not None
    names = missing.group(1).split(", ")
    assert "Linnéa Ek (Fyrbodal)" in names  # her update was before the last meeting
    assert "Amir Haddad (GR)" not in names and "Henrik Sjöberg (Fyrbodal)" not in names
    # GR and Fyrbodal reported (Amir, Henrik); VGR, Sjuhärad and Skaraborg did not.
    assert SV("reports.summary.missing_orgs", organisations="Sjuhärad, Skaraborg, VGR") in text


@pytest.mark.usefixtures("history")
def test_the_summary_picks_up_last_time_and_drafts_the_agenda(dispatcher: Dispatcher) -> None:
    reply = say(dispatcher, "sammanfattning arbetsgrupp")
    text = text_of(reply)
    assert SV("reports.summary.decisions", date="tis 9 jun 2026") in text
    assert "Arbetsgruppen tar fram indikatorer" in text
    assert "Sammanställa enkätsvaren" in text and "2026-10-15" in text
    assert SV("reports.summary.convener") in text and "Skaraborg (Malin Hedlund)" in text
    agenda = next(b for b in reply.blocks
                  if isinstance(b, Text) and b.text.startswith("1. "))
    lines = [line for line in agenda.text.split("\n") if not line.startswith(" ")]
    assert lines == ["1. Upphämtning från förra gången", "2. Incheckning",
                     "3. Lägesrapporter per målområde", "4. Övriga frågor", "5. Nästa steg"]
    assert SV("reports.agenda.area", area="Genomförande av strategin", count=1, risks=1) in (
        agenda.text)


@pytest.mark.usefixtures("history")
def test_the_summary_in_english(dispatcher: Dispatcher) -> None:
    reply = say(dispatcher, "summary arbetsgrupp", person=SOFIA)
    text = text_of(reply)
    assert reply.heading.startswith("Before the meeting on Tue 8 Sep 2026")
    for heading in ("Recap from last time", "Status updates per goal area", "Not reported",
                    "Draft agenda", "1. Recap from last time", "2. Check-in"):
        assert heading in text
    assert EN("reports.summary.status_line", status="Delayed",
              change=EN("reports.change.down", previous="On track")) in text


@pytest.mark.usefixtures("history")
def test_the_summary_since_a_date(dispatcher: Dispatcher) -> None:
    text = text_of(say(dispatcher, "sammanfattning arbetsgrupp sedan 1/8"))
    assert SV("reports.summary.subtitle_date", date="lör 1 aug 2026") in text
    assert "Samordnare rekryterad" in text
    assert "Tredje delregionen väntar på beslut" not in text


def test_the_summary_is_for_the_groups_members(dispatcher: Dispatcher,
                                               synced_engine: Engine) -> None:
    reply = say(dispatcher, "sammanfattning arbetsgrupp", person=MATTIAS)
    assert reply.is_error
    assert audit(synced_engine)[-1] == (MATTIAS, "reports.summary", "denied")
    # The only group needs no name; someone in two groups is asked.
    assert not say(dispatcher, "sammanfattning", person=MATTIAS).is_error
    assert say(dispatcher, "sammanfattning").is_error


# --- status -------------------------------------------------------------------------------


def counts_table(reply: Reply) -> Table:
    return next(b for b in reply.blocks if isinstance(b, Table) and b.columns[0] == "Målområde")


@pytest.mark.usefixtures("history")
def test_the_status_counts_per_goal_area_and_warns_of_stale_activities(
    dispatcher: Dispatcher, clock: FixedClock
) -> None:
    reply = say(dispatcher, "status")
    assert not reply.is_error and reply.heading == SV("reports.status.title_plain")
    table = counts_table(reply)
    assert table.columns == ("Målområde", "I uppstart", "Försenad", "Ingen rapport", "Totalt")
    assert table.rows == (
        ("GS Genomförande av strategin", "0", "🔴 1", "5", "6"),
        ("SP Suicidprevention", "🟢 1", "0", "2", "3"),
        ("KB Komplexa behov / samsjuklighet", "0", "0", "3", "3"),
        ("Totalt", "1", "1", "10", "12"),
    )
    text = text_of(reply)
    # VIP-1's latest update is of 20 June: 73 days old on 1 September.
    assert SV("reports.status.stale", count=60,
              items=SV("reports.status.stale_item", code="VIP-1", date="2026-06-20")) in text
    # A week later SP-1 (24 August) is still fresh.
    clock.now = NOW + timedelta(days=7)
    assert "SP-1 (senast" not in text_of(say(dispatcher, "status"))
    # The chart comes along as a picture for the doors that can show it.
    [picture] = reply.attachments
    assert picture.media_type == "image/png" and picture.content.startswith(b"\x89PNG")


@pytest.mark.usefixtures("history")
def test_the_stale_limit_comes_from_the_options(stores: StoreFactory, clock: FixedClock) -> None:
    strict = Dispatcher(stores, clock, COMMANDS, options=Options(stale_after_days=5))
    text = text_of(strict.handle(Command("console", LINNEA, "status")))
    assert SV("reports.status.stale_item", code="SP-1", date="2026-08-24") in text


@pytest.mark.usefixtures("history")
def test_the_status_of_one_goal_area(dispatcher: Dispatcher) -> None:
    text = text_of(say(dispatcher, "status suicidprevention"))
    assert "SP-1" in text and "VIP-1" not in text and "KB-1" not in text
    assert text_of(say(dispatcher, "status SP")) == text
    wrong = say(dispatcher, "status trädgård")
    assert wrong.is_error and "GS (Genomförande av strategin)" in text_of(wrong)


@pytest.mark.usefixtures("history")
def test_the_status_shows_the_change_since_the_last_meeting(dispatcher: Dispatcher) -> None:
    # Linnéa has two groups: the period is the last 90 days (from 3 June): VIP-1 was on track.
    text = text_of(say(dispatcher, "status GS"))
    assert SV("reports.change.down", previous="Pågår enligt plan") in text
    # In Arbetsgruppen's channel the period starts at its last meeting (9 June): the same.
    slack = text_of(say(dispatcher, "status GS", person="U0FYR0002", platform="slack",
                        channel_id="C0ARBETS01"))
    assert SV("reports.change.down", previous="Pågår enligt plan") in slack
    # Since 1 July, VIP-1's June update is from before the period: unchanged.
    assert SV("reports.change.same") in text_of(say(dispatcher, "status GS sedan 1/7"))


# --- long reports in chat -----------------------------------------------------------------


@pytest.mark.parametrize(("platform", "user"), [
    ("slack", "U0FYR0002"), ("teams", "00000000-0000-4000-8000-000000000202"),
])
def test_a_long_report_is_shortened_in_chat_with_the_link_to_the_file(
    dispatcher: Dispatcher, clock: FixedClock, stores: StoreFactory, platform: str, user: str
) -> None:
    for n in range(30):
        report(dispatcher, clock, datetime(2026, 7, 1, 8, tzinfo=UTC) + timedelta(hours=n),
               (LINNEA, AMIR, HENRIK)[n % 3], ("VIP-1", "GS-1", "SP-1", "KB-1")[n % 4],
               "on_track", f"Lägesrapport nummer {n} " + "med en längre text " * 12,
               next_steps="Nästa steg " * 10, risks="Risk " * 10)
    clock.now = NOW
    budget = {"slack": SLACK_BUDGET, "teams": TEAMS_BUDGET}[platform]
    chat = say(dispatcher, "sammanfattning arbetsgrupp", person=user, platform=platform,
               text_budget=budget)
    assert len(text_of(chat)) <= budget + 200
    last = chat.blocks[-1]
    assert isinstance(last, Text) and "/export/" in last.text
    assert last.text.startswith("Rapporten är förkortad här i chatten")
    # The link opens the whole summary.
    token = last.text.split("/export/")[1].split()[0]
    with stores() as store:
        file = open_export(store, token, Options(), NOW)
    assert isinstance(file, Attachment) and file.filename.endswith(".docx")
    # The console has room for everything: nothing is cut there.
    console = say(dispatcher, "sammanfattning arbetsgrupp")
    assert "Lägesrapport nummer 29" in text_of(console)
    assert "/export/" not in text_of(console)


# --- export and its links -----------------------------------------------------------------


def link_in(reply: Reply) -> str:
    found = re.search(r"http://127\.0\.0\.1:3978/export/(\S+)", text_of(reply))
    assert found is not None, text_of(reply)
    return found.group(1)


@pytest.mark.usefixtures("history")
def test_an_export_link_gives_the_file(dispatcher: Dispatcher, stores: StoreFactory) -> None:
    reply = say(dispatcher, "export status docx")
    assert reply.heading == SV("reports.export.title", kind="status", format="DOCX")
    assert "2 sep 2026" in text_of(reply)  # valid 24 hours
    with stores() as store:
        file = open_export(store, link_in(reply), Options(), NOW + timedelta(hours=1))
    assert isinstance(file, Attachment)
    assert file.filename == "status-handlingsplan-2026-09-01.docx"
    assert file.content.startswith(b"PK")
    for words, name in (("export sammanfattning md arbetsgrupp",
                         "sammanfattning-arbetsgruppen-2026-09-08.md"),
                        ("export uppdateringar csv",
                         "lagesrapporter-handlingsplan-2026-09-01.csv"),
                        ("export status png", "status-handlingsplan-2026-09-01.png")):
        with stores() as store:
            file = open_export(store, link_in(say(dispatcher, words)), Options(), NOW)
        assert isinstance(file, Attachment) and file.filename == name, words


@pytest.mark.usefixtures("history")
def test_a_tampered_expired_or_orphaned_link_is_refused(
    dispatcher: Dispatcher, stores: StoreFactory, synced_engine: Engine
) -> None:
    token = link_in(say(dispatcher, "export sammanfattning arbetsgrupp"))
    payload, signature = token.split(".")
    with stores() as store:
        assert isinstance(open_export(store, token, Options(), NOW), Attachment)
        tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
        assert open_export(store, tampered, Options(), NOW) == Refused("signature")
        assert open_export(store, token, Options(), NOW + timedelta(hours=24)) == Refused(
            "expired")
        assert open_export(store, "garbage", Options(), NOW) == Refused("malformed")
    # Out of the group: no summary of it any more.
    with Session(synced_engine) as session:
        session.execute(update(m.Membership).where(
            m.Membership.person_id == LINNEA, m.Membership.group_id == "arbetsgrupp"
        ).values(active=False))
        session.commit()
    with stores() as store:
        assert open_export(store, token, Options(), NOW) == Refused("not_allowed")
    # No longer active at all: nothing.
    with Session(synced_engine) as session:
        session.execute(update(m.Person).where(m.Person.id == LINNEA).values(active=False))
        session.commit()
    with stores() as store:
        assert open_export(store, token, Options(), NOW) == Refused("inactive")
    # Every fetch is in the audit log: who and what, or why not (ids only).
    downloads = [entry for entry in audit_details(synced_engine)
                 if entry[1] == "reports.download"]
    assert downloads == [
        (LINNEA, "reports.download", "ok", "summary docx arbetsgrupp"),
        (None, "reports.download", "denied", "signature"),
        (None, "reports.download", "denied", "expired"),
        (None, "reports.download", "denied", "malformed"),
        (LINNEA, "reports.download", "denied", "not_allowed summary docx arbetsgrupp"),
        (LINNEA, "reports.download", "denied", "inactive summary docx arbetsgrupp"),
    ]


def test_the_link_key_is_made_once_and_kept(stores: StoreFactory, dispatcher: Dispatcher,
                                            synced_engine: Engine) -> None:
    token = link_in(say(dispatcher, "export status"))
    with Session(synced_engine) as session:
        [secret] = session.scalars(select(mr.InstallationSecret)).all()
        assert len(secret.value) >= 40 and secret.value not in repr(secret)
    link_in(say(dispatcher, "export status"))
    with Session(synced_engine) as session:
        [again] = session.scalars(select(mr.InstallationSecret)).all()
        assert again.value == secret.value
    with stores() as store:
        assert isinstance(open_export(store, token, Options(), NOW), Attachment)
        # A configured SECRET_KEY is another key: the link was not signed with it.
        configured = Options(secret_key="a configured secret")
        assert open_export(store, token, configured, NOW) == Refused("signature")
    assert "a configured secret" not in repr(Options(secret_key="a configured secret"))


def test_export_refuses_unknown_formats_and_other_groups_rows(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    wrong = say(dispatcher, "export uppdateringar docx")
    assert wrong.is_error and text_of(wrong) == SV(
        "reports.error.format", kind=SV("reports.kind.updates"), format="docx",
        formats="xlsx, csv, json")
    assert not say(dispatcher, "export uppdateringar xlsx kf-arbetsgrupp").is_error
    other = say(dispatcher, "export uppdateringar xlsx kf-arbetsgrupp", person=SOFIA)
    assert other.is_error
    assert audit(synced_engine)[-1][1:] == ("reports.export", "denied")
    # A chef exports every group's rows.
    assert not say(dispatcher, "export uppdateringar xlsx", person=MATTIAS).is_error


@pytest.mark.usefixtures("history")
def test_update_rows_follow_the_persons_groups(dispatcher: Dispatcher,
                                               stores: StoreFactory) -> None:
    def rows(person: str) -> str:
        token = link_in(say(dispatcher, "export uppdateringar csv", person=person))
        with stores() as store:
            file = open_export(store, token, Options(), NOW)
        assert isinstance(file, Attachment)
        return file.content.decode("utf-8-sig")

    # Mattias (chef): everything; Sofia: her groups (arbetsgrupp has them all, too).
    assert rows(MATTIAS).count("\r\n") == 4 and rows(SOFIA).count("\r\n") == 4


@pytest.mark.usefixtures("history")
def test_a_status_document_from_the_store(stores: StoreFactory) -> None:
    with stores() as store:
        document = status_document(store, SV, Options(), since=NOW - timedelta(days=90),
                                   until=NOW)
    assert isinstance(document, Document) and document.layout == "page"


@pytest.mark.usefixtures("history")
def test_links_live_as_long_as_the_options_say(stores: StoreFactory, clock: FixedClock) -> None:
    short = Dispatcher(stores, clock, COMMANDS, options=Options(export_link_hours=2))
    token = link_in(short.handle(Command("console", LINNEA, "export status md")))
    with stores() as store:
        assert isinstance(open_export(store, token, Options(), NOW + timedelta(hours=1)),
                          Attachment)
        assert open_export(store, token, Options(), NOW + timedelta(hours=2)) == Refused(
            "expired")
