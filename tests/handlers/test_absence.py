"""`frånvaro` / `away` through the real dispatcher: registered, listed, ended; bad input refused
with nothing stored; the summary lists a member away as away; `hjälp` lists the command."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.dispatch import Dispatcher
from app.i18n import translator
from storage.models_cycle import Absence
from storage.repositories import StoreFactory
from tests.conftest import FixedClock
from tests.handlers.support import AMIR, LINNEA, SOFIA, say
from tests.scheduler.support import local

SV = translator("sv")
EN = translator("en")
TUE1 = local("2026-09-01T10:00:00+02:00")


@pytest.fixture(autouse=True)
def at_tuesday(clock: FixedClock) -> None:
    clock.now = TUE1


def absences(engine: Engine) -> list[tuple[str, str, str]]:
    with Session(engine) as session:
        return [(a.person_id, a.start.isoformat(), a.end.isoformat())
                for a in session.scalars(select(Absence).where(Absence.end >= Absence.start))]


def test_an_absence_is_registered_listed_and_ended(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    reply = say(dispatcher, "frånvaro 7/9 9/9", AMIR)
    assert not reply.is_error
    text = reply.plain_text()
    assert "Du är frånvarande mån 7 sep 2026 – ons 9 sep 2026" in text
    assert SV("absence.quiet") in text
    assert absences(synced_engine) == [(AMIR, "2026-09-07", "2026-09-09")]
    # The same again stores nothing new, and answers the same.
    assert say(dispatcher, "frånvaro 7/9 9/9", AMIR).plain_text() == text
    assert len(absences(synced_engine)) == 1
    listed = say(dispatcher, "frånvaro", AMIR).plain_text()
    assert "mån 7 sep 2026 – ons 9 sep 2026" in listed and SV("absence.end_hint") in listed
    assert say(dispatcher, "frånvaro av", AMIR).plain_text() == SV("absence.ended", count=1)
    assert absences(synced_engine) == []
    assert say(dispatcher, "frånvaro", AMIR).plain_text() == SV("absence.none")


def test_in_english(dispatcher: Dispatcher, synced_engine: Engine) -> None:
    reply = say(dispatcher, "away 14 sep to 18 sep", SOFIA, locale="en")
    assert reply.plain_text().startswith("You are away Mon 14 Sep 2026 – Fri 18 Sep 2026")
    assert say(dispatcher, "away off", SOFIA, locale="en").plain_text() == EN(
        "absence.ended", count=1)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("frånvaro 9/9 7/9", SV("absence.end_before_start", start="ons 9 sep 2026",
                                end="mån 7 sep 2026")),
        ("frånvaro 7/9", SV("absence.usage")),
        ("frånvaro 7/9 9/9 semester", SV("absence.usage")),
        ("frånvaro 31/13 9/9", SV("calendar.date.invalid", text="31/13")),
        ("frånvaro 1/9/2026 1/10/2027", SV("absence.too_long", start="tis 1 sep 2026",
                                           end="fre 1 okt 2027")),
        ("frånvaro 3/8/2026 5/8/2026", SV("absence.in_past", start="mån 3 aug 2026",
                                          end="ons 5 aug 2026")),
    ],
)
def test_bad_input_is_answered_and_nothing_is_stored(
    dispatcher: Dispatcher, synced_engine: Engine, words: str, expected: str
) -> None:
    reply = say(dispatcher, words, LINNEA)
    assert reply.is_error
    assert reply.plain_text() == expected
    assert absences(synced_engine) == []


def test_an_overlapping_absence_is_refused(dispatcher: Dispatcher, synced_engine: Engine) -> None:
    say(dispatcher, "frånvaro 7/9 9/9", LINNEA)
    reply = say(dispatcher, "frånvaro 9/9 11/9", LINNEA)
    assert reply.is_error and "Inget har sparats" in reply.plain_text()
    assert len(absences(synced_engine)) == 1


def test_help_lists_the_command(dispatcher: Dispatcher) -> None:
    assert "frånvaro" in say(dispatcher, "hjälp").plain_text()
    assert "away" in say(dispatcher, "help", locale="en").plain_text()


def test_the_summary_lists_a_member_away_as_away(
    dispatcher: Dispatcher, clock: FixedClock
) -> None:
    say(dispatcher, "frånvaro 7/9 9/9", AMIR)
    clock.now = datetime.fromisoformat("2026-09-04T10:00:00+02:00")
    text = say(dispatcher, "sammanfattning arbetsgrupp", LINNEA).plain_text()
    missing = next(line for line in text.splitlines() if "utan lägesrapport" in line)
    assert "Amir Haddad" not in missing
    assert SV("reports.summary.away", people="Amir Haddad (GR)") in text


def test_the_register_extract_holds_the_absence(
    dispatcher: Dispatcher, stores: StoreFactory
) -> None:
    say(dispatcher, "frånvaro 7/9 9/9", AMIR)
    with stores() as store:
        extract = store.register.extract(AMIR)
    assert extract is not None
    assert [(a["start"], a["end"], a["ended_at"]) for a in extract["absences"]] == [
        ("2026-09-07", "2026-09-09", None)]


def test_a_resent_end_gets_the_first_answer(dispatcher: Dispatcher) -> None:
    say(dispatcher, "frånvaro 7/9 9/9", AMIR)
    first = say(dispatcher, "frånvaro av", AMIR, delivery_id="end-1")
    assert first.plain_text() == SV("absence.ended", count=1)
    assert say(dispatcher, "frånvaro av", AMIR, delivery_id="end-1") == first
    assert say(dispatcher, "frånvaro av", AMIR, delivery_id="end-2").plain_text() == SV(
        "absence.none")
