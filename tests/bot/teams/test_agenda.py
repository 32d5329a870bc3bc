"""The meeting cycle through Teams: the day-before reminder's attendance card actions, a click
stored as the person's answer, and `punkt` and `lyft` in a channel's words."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agenda import ATTEND_ACTION
from bot.runtime import Runtime
from storage import models_agenda as ma
from tests.bot.teams.support import (
    ACK_LIMIT,
    ARBETS,
    SV,
    Answer,
    Teams,
    drive,
    elements,
    install_in,
    reminder_service,
    teams_messenger,
)
from tests.conftest import FixedClock
from tests.fakes import VirtualTime
from tests.fakes.bf_connector import FakeBotFramework

SEP1 = datetime(2026, 9, 1, 7, 0, tzinfo=UTC)  # Tuesday 1 September, 09:00 in Stockholm
DAY_BEFORE = datetime(2026, 9, 7, 7, 0, tzinfo=UTC)


def stored_answers(runtime: Runtime) -> list[tuple[str, date, str]]:
    with Session(runtime.engine) as session:
        return [(a.person_id, a.meeting_date, a.answer)
                for a in session.scalars(select(ma.AttendanceAnswer))]


def stored_items(runtime: Runtime) -> list[tuple[str, str, str, str | None]]:
    with Session(runtime.engine) as session:
        return [(i.group_id, i.kind, i.text, i.from_group_id)
                for i in session.scalars(select(ma.AgendaItem).order_by(ma.AgendaItem.id))]


def test_the_day_before_reminder_card_carries_the_attendance_actions(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    install_in(runtime, fake, ARBETS)
    clock = FixedClock(DAY_BEFORE)
    service = reminder_service(runtime, teams_messenger(runtime, fake, VirtualTime()), clock)
    service.run_once()
    datas = [a["data"] for post in fake.messages(ARBETS) for card in post.cards
             for e in elements(card) if e["type"] == "ActionSet" for a in e["actions"]]
    assert [d for d in datas if d["action"] == ATTEND_ACTION] == [
        {"action": ATTEND_ACTION, "value": "yes|arbetsgrupp|2026-09-08"},
        {"action": ATTEND_ACTION, "value": "no|arbetsgrupp|2026-09-08"},
        {"action": ATTEND_ACTION, "value": "stand_in|arbetsgrupp|2026-09-08"},
    ]


def test_a_card_action_is_the_persons_answer(runtime: Runtime, fake: FakeBotFramework) -> None:
    runtime.dispatcher.clock = FixedClock(SEP1)

    async def scenario(teams: Teams) -> Answer:
        return await teams.post(teams.activity(
            value={"action": ATTEND_ACTION, "value": "no|arbetsgrupp|2026-09-08"},
            channel=ARBETS))

    answer = drive(runtime, fake, scenario)
    assert answer.status == 200 and answer.seconds < ACK_LIMIT
    assert stored_answers(runtime) == [("linnea.ek", date(2026, 9, 8), "no")]
    assert any(SV("agenda.attend.saved.no", group="Arbetsgruppen", date="tis 8 sep 2026")
               in (m.text or "") + str(m.cards) for m in fake.messages())


def test_items_and_questions_in_a_channels_words(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    runtime.dispatcher.clock = FixedClock(SEP1)

    async def scenario(teams: Teams) -> None:
        for text in ("punkt Gemensam utbildningsdag", "lyft Behöver vi ett beslut?",
                     "punkt Ring 19121212-1212"):
            answer, _ = await teams.say(text, channel=ARBETS, mention=True)
            assert answer.status == 200

    drive(runtime, fake, scenario)
    assert stored_items(runtime) == [
        ("arbetsgrupp", "item", "Gemensam utbildningsdag", None),
        ("chefsgrupp", "question", "Behöver vi ett beslut?", "arbetsgrupp"),
    ]
