"""The meeting cycle through Slack: the day-before reminder's attendance buttons, a click on
one stored as the person's answer, and the answer to a raised question posted in the raising
group's channel by the scheduler."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agenda import ATTEND_ACTION
from bot.runtime import Runtime
from storage import models_agenda as ma
from tests.bot.slack.support import (
    ACK_LIMIT,
    ARBETS,
    LINNEA,
    SV,
    Answer,
    Slack,
    button,
    drive,
    reminder_service,
    slack_messenger,
    texts,
)
from tests.conftest import FixedClock
from tests.fakes import VirtualTime
from tests.fakes.slack_api import FakeSlackApi

SEP1 = datetime(2026, 9, 1, 7, 0, tzinfo=UTC)  # Tuesday 1 September, 09:00 in Stockholm
DAY_BEFORE = datetime(2026, 9, 7, 7, 0, tzinfo=UTC)  # the day before arbetsgruppen meets


def answers(runtime: Runtime) -> list[tuple[str, date, str]]:
    with Session(runtime.engine) as session:
        return [(a.person_id, a.meeting_date, a.answer)
                for a in session.scalars(select(ma.AttendanceAnswer))]


def test_the_day_before_reminder_in_the_channel_carries_the_attendance_buttons(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    clock = FixedClock(DAY_BEFORE)
    service = reminder_service(runtime, slack_messenger(fake, VirtualTime(), min_interval=0),
                               clock)
    service.run_once()
    [post] = [c for c in fake.posted(ARBETS)
              if SV("reminder.day_before.title", group="x", short="Arbetsgruppen", when="x")
              .split("x")[0] in texts(c.body["blocks"])]
    buttons = [e for b in post.body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"], b["text"]["text"]) for b in buttons] == [
        (ATTEND_ACTION, "yes|arbetsgrupp|2026-09-08", SV("agenda.attend.button.yes")),
        (ATTEND_ACTION, "no|arbetsgrupp|2026-09-08", SV("agenda.attend.button.no")),
        (ATTEND_ACTION, "stand_in|arbetsgrupp|2026-09-08", SV("agenda.attend.button.stand_in")),
    ]


def test_a_click_on_an_attendance_button_is_the_persons_answer_told_to_them_only(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    runtime.dispatcher.clock = FixedClock(SEP1)

    async def scenario(slack: Slack) -> Answer:
        ack = await slack.interaction(button(LINNEA, ATTEND_ACTION, "stand_in|arbetsgrupp|"
                                             "2026-09-08", response_url=fake.response_url("a")))
        await fake.until(lambda: len(fake.responses("a")) == 1, "the answer")
        return ack

    ack = drive(runtime, fake, scenario)
    assert ack.status == 200 and ack.seconds < ACK_LIMIT
    assert answers(runtime) == [("linnea.ek", date(2026, 9, 8), "stand_in")]
    [answer] = fake.responses("a")
    assert answer.body["response_type"] == "ephemeral"
    assert SV("agenda.attend.saved.stand_in", group="Arbetsgruppen",
              date="tis 8 sep 2026") in texts(answer.body["blocks"])
    assert fake.count("chat.postMessage") == 0


def test_a_forged_button_value_stores_nothing(runtime: Runtime, fake: FakeSlackApi) -> None:
    runtime.dispatcher.clock = FixedClock(SEP1)

    async def scenario(slack: Slack) -> Answer:
        ack = await slack.interaction(button(LINNEA, ATTEND_ACTION, "yes|kf-arbetsgrupp; drop",
                                             response_url=fake.response_url("f")))
        await fake.until(lambda: len(fake.responses("f")) == 1, "the answer")
        return ack

    assert drive(runtime, fake, scenario).status == 200
    assert answers(runtime) == []


def test_the_answer_to_a_raised_question_is_posted_in_the_raising_groups_channel_once(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    from app.messages import Command

    clock = FixedClock(SEP1)
    runtime.dispatcher.clock = clock
    asked = runtime.dispatcher.handle(Command("console", "therese.lund",
                                              "lyft Behöver vi ett gemensamt beslut?"))
    assert not asked.is_error, asked.plain_text()
    clock.now = datetime(2026, 9, 24, 14, 0, tzinfo=UTC)
    answered = runtime.dispatcher.handle(Command("console", "mattias.gustavsson",
                                                 "beslut Ja, ta fram ett förslag --svar 1"))
    assert not answered.is_error, answered.plain_text()
    service = reminder_service(runtime, slack_messenger(fake, VirtualTime(), min_interval=0),
                               clock)
    first = service.run_once()
    clock.now += timedelta(minutes=5)
    second = service.run_once()
    [key] = [k for k in first.sent if "|question_answered|" in k]
    assert key not in second.sent
    posts = [c for c in fake.posted(ARBETS)
             if SV("agenda.answer.title", group="Chefsgruppen", number=1)
             in texts(c.body["blocks"])]
    assert len(posts) == 1
    assert "Ja, ta fram ett förslag" in texts(posts[0].body["blocks"])


def test_the_minutes_are_answered_privately_with_a_button_that_shares_them_in_the_channel(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    runtime.dispatcher.clock = FixedClock(datetime(2026, 9, 8, 9, 0, tzinfo=UTC))

    async def scenario(slack: Slack) -> None:
        answer = await slack.command(LINNEA, "anteckningar 8/9", name="minutes")
        assert answer.status == 200 and answer.seconds < ACK_LIMIT
        await fake.until(lambda: bool(fake.responses("minutes")), "the minutes")
        share = button(LINNEA, "samverkan.share", "anteckningar 8/9",
                       response_url=fake.response_url("shared"))
        assert (await slack.interaction(share)).status == 200
        await fake.until(lambda: bool(fake.responses("shared")), "the confirmation")

    drive(runtime, fake, scenario)
    [private] = fake.responses("minutes")
    assert private.body["response_type"] == "ephemeral"
    actions = [e["action_id"] for b in private.body["blocks"] if b["type"] == "actions"
               for e in b["elements"]]
    assert actions == ["samverkan.share"]
    [posted] = fake.posted(ARBETS)
    assert SV("agenda.minutes.title", group="Länsgemensam arbetsgrupp psykisk hälsa och "
              "suicidprevention", date="tis 8 sep 2026") in texts(posted.body["blocks"])
