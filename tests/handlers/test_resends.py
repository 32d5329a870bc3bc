"""A command is handled once per platform delivery: a resend gets the first reply again.

Platforms resend (a Slack slash command replayed within its five minutes, a Teams activity
after a timeout): every command, sent three times under one delivery id, answers three times
the same and stores what the first stored, once. Commands that store something answer from
what they stored; the others run again as at the moment of the first delivery. A refused
command is refused again, audited once, and stores nothing.

People of the example configuration, on Tuesday 24 November 2026, 09:00 in Stockholm.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.dispatch import Dispatcher
from app.i18n import translator
from app.messages import Command, Reply
from domain.text import fold
from handlers.commands import ALL_COMMANDS, COMMANDS
from storage import models as m
from storage import models_calendar, models_reminders, models_updates
from storage.repositories import StoreFactory
from tests.conftest import FixedClock

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # 09:00 in Stockholm
ADMIN = "johan.wikstrom"  # administrator; VGR; arbetsgrupp and vgr-arbetsgrupp
MEMBER = "amir.haddad"  # not an administrator; GR; arbetsgrupp and kf-arbetsgrupp
SV = translator("sv")

# Every command, and every verb of it that writes. `#1` is an update, a next step and an agenda
# item made before (under other deliveries), `#2` a question raised to the chefsgrupp.
SENT = (
    "hjälp",
    "vem",
    "möten arbetsgrupp",
    "sammankallande arbetsgrupp",
    "sammankallande byt --grupp arbetsgrupp 8/12 12/1 krock",
    "sammankallande hoppa-över gr vt2027 --grupp arbetsgrupp omorganisation",
    "sammankallande hoppa-över --grupp arbetsgrupp skaraborg 8/12",
    "sammankallande sätt --grupp arbetsgrupp 12/1 fyrbodal",
    "möte ställ-in arbetsgrupp 8/12 många sjuka",
    "möte flytta arbetsgrupp 12/1 14/1 kl 13 krockar med SRO",
    "kalender arbetsgrupp",
    "kalender ny-länk arbetsgrupp",
    "hem",
    "påminnelser av",
    "påminnelser",
    "frånvaro 14/12 18/12",
    "frånvaro",
    "frånvaro av",
    "rapportera VIP-1 pågår Utbildningsdag genomförd",
    "rapportera",
    "mina",
    "mina 1",
    "ändra 1",
    "ta-bort 1 dubblett",
    "beslut --grupp arbetsgrupp Indikatorerna antas",
    "beslut --grupp arbetsgrupp",
    "nästa-steg --grupp arbetsgrupp Ta fram en tidplan ansvarig gr senast 15/12",
    "nästa-steg klar 1",
    "nästa-steg",
    "punkt --grupp arbetsgrupp Gemensam utbildningsdag",
    "punkt --grupp arbetsgrupp",
    "punkt godkänn 1",
    "punkt flytta 1",
    "lyft --grupp arbetsgrupp Behöver vi ett gemensamt beslut?",
    "beslut --grupp chefsgrupp Ja, ta fram ett förslag --svar 2",
    "närvaro ja --grupp arbetsgrupp",
    "närvaro --grupp arbetsgrupp",
    "anteckningar arbetsgrupp",
    "export anteckningar md arbetsgrupp",
    "sammanfattning arbetsgrupp",
    "status",
    "export status md",
    "export uppdateringar csv",
    "mina-data",
    "milstolpar",
    "milstolpe klar sro-mars-2027",
    "milstolpe sro-mars-2027",
    "uppföljning 2026",
)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def bot(synced_engine: Engine, clock: FixedClock) -> Dispatcher:
    return Dispatcher(StoreFactory(synced_engine, clock), clock, COMMANDS)


def send(bot: Dispatcher, text: str, delivery: str | None, person: str = ADMIN) -> Reply:
    return bot.handle(Command(platform="console", user_id=person, text=text, delivery_id=delivery))


def rows(engine: Engine) -> dict[str, int]:
    """Rows per table, processed deliveries included: "nothing stored" keeps it the same."""

    assert models_calendar and models_reminders and models_updates  # all tables known
    with engine.connect() as connection:
        return {
            table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in m.Base.metadata.sorted_tables
        }


def audit_rows(engine: Engine) -> list[tuple[str | None, str, str]]:
    with Session(engine) as session:
        return [(e.actor_id, e.action, e.outcome)
                for e in session.scalars(select(m.AuditLog).order_by(m.AuditLog.id))]


def test_the_list_covers_every_command() -> None:
    sent = {fold(text.split()[0]) for text in SENT}
    assert {fold(spec.word) for spec in ALL_COMMANDS} <= sent


@pytest.mark.parametrize("text", SENT)
def test_a_resent_command_gets_the_first_reply_and_stores_nothing_new(
    bot: Dispatcher, synced_engine: Engine, clock: FixedClock, text: str
) -> None:
    assert not send(bot, "rapportera VIP-1 pågår Förberedelser klara", "before-1").is_error
    assert not send(bot, "nästa-steg --grupp arbetsgrupp Boka lokal", "before-2").is_error
    assert not send(bot, "punkt --grupp arbetsgrupp Förslag", "before-3").is_error
    assert not send(bot, "lyft --grupp arbetsgrupp Fråga?", "before-4").is_error
    first = send(bot, text, "d-1")
    assert not first.is_error, first.plain_text()
    stored = rows(synced_engine)
    for minutes in (1, 4):  # Slack may replay a request for five minutes
        clock.now = NOW + timedelta(minutes=minutes)
        assert send(bot, text, "d-1") == first
    assert rows(synced_engine) == stored
    # Another delivery of the same words is another command.
    clock.now = NOW + timedelta(minutes=5)
    assert not send(bot, "hjälp", "d-2").is_error


def test_a_report_sent_three_times_is_stored_once_with_three_identical_confirmations(
    bot: Dispatcher, synced_engine: Engine
) -> None:
    replies = [send(bot, "rapportera VIP-1 pågår Utbildningsdag genomförd", "trigger.1")
               for _ in range(3)]
    assert replies[0].heading == SV("updates.saved", id="#1")
    assert replies[1] == replies[0] and replies[2] == replies[0]
    assert rows(synced_engine)["updates"] == 1
    assert rows(synced_engine)["update_versions"] == 1


def test_a_refused_command_is_refused_again_audited_once_and_stores_nothing(
    bot: Dispatcher, synced_engine: Engine
) -> None:
    before = rows(synced_engine)
    replies = [send(bot, "möte ställ-in arbetsgrupp 8/12", "d-9", person=MEMBER)
               for _ in range(3)]
    assert replies[0].is_error and replies[0].plain_text() == SV("calendar.admin_only")
    assert replies[1] == replies[0] and replies[2] == replies[0]
    assert audit_rows(synced_engine) == [(MEMBER, "schedule.cancel", "denied")]
    after = rows(synced_engine)
    assert after.pop("audit_log") == before.pop("audit_log") + 1
    assert after.pop("processed_deliveries") == before.pop("processed_deliveries") + 1
    assert after == before


def test_a_resend_of_a_refused_command_that_would_now_succeed_is_handled_then(
    bot: Dispatcher, synced_engine: Engine
) -> None:
    """The refusal stored nothing, so nothing would be told twice: the resend is handled."""

    refused = send(bot, "nästa-steg klar 1", "d-5")
    assert refused.plain_text() == SV("notes.error.not_found", id="#1")
    assert not send(bot, "nästa-steg --grupp arbetsgrupp Boka lokal", "d-6").is_error
    closed = send(bot, "nästa-steg klar 1", "d-5")
    assert closed.heading == SV("notes.next_step.closed", id="#1")
    assert send(bot, "nästa-steg klar 1", "d-5") == closed
    with Session(synced_engine) as session:
        assert session.scalar(select(models_updates.NextStep.status)) == "done"


def test_without_a_delivery_id_the_same_words_are_handled_each_time(
    bot: Dispatcher, synced_engine: Engine
) -> None:
    for number in (1, 2):
        reply = send(bot, "rapportera VIP-1 pågår Utbildningsdag genomförd", None)
        assert reply.heading == SV("updates.saved", id=f"#{number}")
    assert rows(synced_engine)["updates"] == 2


def test_a_twin_that_succeeds_while_the_other_was_refused_is_the_one_that_counts(
    bot: Dispatcher, synced_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two instances: one refused the delivery and claimed it so; the other, racing past that
    claim unseen, succeeded. The success is kept, once, and answered so from then on."""

    from storage.repositories import SqlDeliveries

    assert send(bot, "nästa-steg klar 1", "d-7").is_error  # no step #1 yet: refused
    assert not send(bot, "nästa-steg --grupp arbetsgrupp Boka lokal", "d-8").is_error
    claimed = SqlDeliveries.claimed
    monkeypatch.setattr(SqlDeliveries, "claimed", lambda self, platform, delivery_id: None)
    closed = send(bot, "nästa-steg klar 1", "d-7")
    monkeypatch.setattr(SqlDeliveries, "claimed", claimed)
    assert closed.heading == SV("notes.next_step.closed", id="#1")
    assert send(bot, "nästa-steg klar 1", "d-7") == closed
    with Session(synced_engine) as session:
        assert session.scalar(select(models_updates.NextStep.status)) == "done"
        outcome = session.scalar(select(m.ProcessedDelivery.outcome)
                                 .where(m.ProcessedDelivery.delivery_id == "command:d-7"))
    assert outcome == "next_step_closed:1"
