"""The answer to a question raised to the chefsgrupp goes to arbetsgruppen's channel through
the reminder outbox: once across ticks and two services, listed among what is due, and sent
again (a retry) when the platform did not take it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from app.dispatch import Dispatcher
from app.i18n import translator
from app.messages import Command, Reply
from handlers.commands import COMMANDS
from scheduler.messenger import Target, TransientSendError
from scheduler.reminders import ReminderService
from storage.repositories import StoreFactory
from tests.conftest import FixedClock
from tests.scheduler.support import Recorder

SV = translator("sv")
ARBETS_SLACK = "C0ARBETS01"


@pytest.fixture
def answered(synced_engine: Engine) -> tuple[StoreFactory, FixedClock]:
    clock = FixedClock(datetime(2026, 9, 1, 7, 0, tzinfo=UTC))
    stores = StoreFactory(synced_engine, clock)
    dispatcher = Dispatcher(stores, clock, COMMANDS)
    for person, text, at in (
        ("therese.lund", "lyft Behöver vi ett gemensamt beslut om indikatorerna?", clock.now),
        ("mattias.gustavsson", "beslut Ja: arbetsgruppen tar fram ett förslag --svar 1",
         datetime(2026, 9, 24, 14, 0, tzinfo=UTC)),
    ):
        clock.now = at
        reply = dispatcher.handle(Command("console", person, text))
        assert not reply.is_error, reply.plain_text()
    return stores, clock


def answers_in(recorder: Recorder) -> list[str]:
    title = SV("agenda.answer.title", group="Chefsgruppen", number=1)
    return [s.target.address for s in recorder.sent if s.reply.heading == title]


def test_the_answer_reaches_the_raising_groups_channel_once_with_two_services(
    answered: tuple[StoreFactory, FixedClock]
) -> None:
    stores, clock = answered
    recorder = Recorder("slack")
    services = [ReminderService(stores, {"slack": recorder}, clock, instance_id=name)
                for name in ("a", "b")]
    for service in (*services, *services):
        service.run_once()
        clock.now += timedelta(minutes=1)
    assert answers_in(recorder) == [ARBETS_SLACK]
    [sent] = [s for s in recorder.sent if s.target.address == ARBETS_SLACK
              and s.reply.heading.startswith(SV("agenda.answer.title", group="Chefsgruppen",
                                                number=1))]
    assert "Ja: arbetsgruppen tar fram ett förslag" in sent.reply.plain_text()
    assert "Behöver vi ett gemensamt beslut om indikatorerna?" in sent.reply.plain_text()


def test_an_answer_the_platform_did_not_take_goes_at_the_next_tick(
    answered: tuple[StoreFactory, FixedClock]
) -> None:
    stores, clock = answered
    failing = True

    def behaviour(target: Target, reply: Reply) -> None:
        if failing and reply.heading.startswith(SV("agenda.answer.title", group="Chefsgruppen",
                                                   number=1)):
            raise TransientSendError("timeout")

    recorder = Recorder("slack", behaviour)
    service = ReminderService(stores, {"slack": recorder}, clock)
    [key] = [d.key for d in service.due(clock.now) if d.reminder.rule == "question_answered"]
    assert key.endswith("|question_answered|channel|slack")
    first = service.run_once()
    assert key in first.retrying and answers_in(recorder) == []
    failing = False
    clock.now += timedelta(minutes=1)
    assert key in service.run_once().sent
    assert answers_in(recorder) == [ARBETS_SLACK]
    clock.now += timedelta(minutes=1)
    assert key not in service.run_once().sent
    assert answers_in(recorder) == [ARBETS_SLACK]
