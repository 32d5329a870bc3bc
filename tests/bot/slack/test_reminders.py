"""Reminders through Slack: `SlackMessenger`, pacing, 429 and retries."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient

from app.messages import Reply
from bot.messengers import build_messengers
from bot.runtime import Runtime
from bot.slack.messenger import SlackMessenger
from scheduler.messenger import Target
from scheduler.reminders import ReminderService
from scheduler.runner import Ticker
from storage.repositories import StoreFactory
from tests.bot.slack.support import (
    ACK_LIMIT,
    ARBETS,
    BOT_TOKEN,
    KF,
    LINNEA,
    NOV25,
    SV,
    THU,
    Answer,
    Slack,
    drive,
    due_now,
    reminder_service,
    slack_messenger,
    texts,
)
from tests.conftest import FixedClock
from tests.fakes import VirtualTime
from tests.fakes.slack_api import FakeSlackApi
from tests.scheduler.support import statuses


def test_the_installation_sends_reminders_through_slack_at_the_configured_api(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    messengers = build_messengers(runtime.settings)
    assert set(messengers) == {"slack"}
    messenger = messengers["slack"]
    assert isinstance(messenger, SlackMessenger)
    assert messenger.client.base_url == fake.base_url
    assert messenger.client.auth_test()["ok"]
    assert fake.calls_to("auth.test")[0].token == BOT_TOKEN


def test_reminders_go_to_the_group_channel_with_a_button_and_as_direct_messages_once(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    virtual = VirtualTime()
    fake.clock = virtual.monotonic
    fake.limit_channels(1.0)
    clock = FixedClock(THU)
    service = reminder_service(runtime, slack_messenger(fake, virtual), clock, virtual)
    expected = due_now(service, THU)
    assert len(expected) == 11
    reports = []
    for at in (THU, THU, THU + timedelta(seconds=20), THU + timedelta(hours=2)):
        clock.now = at
        reports.append(service.run_once())
    assert set(reports[0].sent) == expected
    assert all(r.sent == [] and r.retrying == [] for r in reports[1:])
    assert {k: v for k, v in statuses(runtime.engine).items() if k in expected} == dict.fromkeys(
        expected, "sent")

    # The channel: one request for updates, with the button that opens the modal.
    (channel_post,) = fake.posted(ARBETS)
    actions = [b for b in channel_post.body["blocks"] if b["type"] == "actions"]
    (report_button,) = [e for b in actions for e in b["elements"]]
    assert report_button["action_id"] == "report.open"
    assert report_button["value"] == "arbetsgrupp"
    assert report_button["text"]["text"] == SV("reminder.report_button")
    # Direct messages: one conversation opened per person, each message once.
    opened = [c.body["users"] for c in fake.calls_to("conversations.open", ok=True)]
    assert len(opened) == len(set(opened)) == 9
    direct = [c for c in fake.posted() if c.body["channel"].startswith("D")]
    assert len(direct) == 10
    every = Counter((c.body["channel"], texts(c.body["blocks"])) for c in fake.posted())
    assert set(every.values()) == {1}
    # Malin is asked for her update and reminded to convene: two messages a second apart.
    malin = [c.at for c in fake.posted("D0SKA0002")]
    assert len(malin) == 2 and malin[1] - malin[0] >= 1.0
    assert fake.count("chat.postMessage", ok=False) == 0


def test_a_429_is_honoured_with_retry_after_and_the_reminder_arrives_once_later(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    virtual = VirtualTime()
    clock = FixedClock(THU)
    service = reminder_service(runtime, slack_messenger(fake, virtual), clock, virtual)
    channel_key = next(k for k in due_now(service, THU) if "|channel|" in k)
    fake.fail_next("chat.postMessage", status=429, retry_after=30, channel=ARBETS)
    first = service.run_once()
    assert first.retrying == [channel_key]
    assert len(first.sent) == 10  # the direct messages were not held up by the busy channel
    assert statuses(runtime.engine)[channel_key] == "retry"
    assert [c.status for c in fake.calls_to("chat.postMessage")
            if c.body["channel"] == ARBETS] == [429]

    clock.now = THU + timedelta(seconds=10)  # before Retry-After has passed
    assert service.run_once().sent == []
    assert fake.posted(ARBETS) == []

    clock.now = THU + timedelta(seconds=31)
    assert service.run_once().sent == [channel_key]
    for later in (40, 120, 3600):
        clock.now = THU + timedelta(seconds=later)
        assert service.run_once().sent == []
    assert len(fake.posted(ARBETS)) == 1
    assert statuses(runtime.engine)[channel_key] == "sent"
    # Only the pacing waited (Malin's second message, the retry in the same channel), and
    # only in virtual time.
    assert virtual.sleeps and all(s <= 1.0 for s in virtual.sleeps)


def test_a_server_error_is_retried_later_with_backoff(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    clock = FixedClock(THU)
    service = reminder_service(runtime, slack_messenger(fake, VirtualTime()), clock)
    channel_key = next(k for k in due_now(service, THU) if "|channel|" in k)
    fake.fail_next("chat.postMessage", status=500, channel=ARBETS)
    assert service.run_once().retrying == [channel_key]
    clock.now = THU + timedelta(seconds=31)
    assert service.run_once().sent == [channel_key]
    assert len(fake.posted(ARBETS)) == 1


def test_posting_is_paced_to_one_message_a_second_per_channel(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    """KF-gruppen's channel gets two requests for updates at the same minute (two series)."""

    virtual = VirtualTime()
    fake.clock = virtual.monotonic
    fake.limit_channels(1.0, retry_after=1)
    clock = FixedClock(NOV25)
    service = reminder_service(runtime, slack_messenger(fake, virtual), clock, virtual)
    started = time.monotonic()
    report = service.run_once()
    assert time.monotonic() - started < 10  # virtual waiting: nothing really slept a second
    assert report.retrying == [] and report.failed == []
    assert fake.count("chat.postMessage", ok=False) == 0
    posts: dict[str, list[float]] = {}
    for call in fake.posted():
        posts.setdefault(call.body["channel"], []).append(call.at)
    assert len(posts[KF]) == 2
    for moments in posts.values():
        assert all(b - a >= 1.0 for a, b in itertools.pairwise(moments))
    assert virtual.sleeps and all(0 < s <= 1.0 for s in virtual.sleeps)


def test_without_pacing_slack_would_refuse_the_second_message(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    """The control for the test above: the fake does enforce Slack's limit."""

    virtual = VirtualTime()
    fake.clock = virtual.monotonic
    fake.limit_channels(1.0, retry_after=1)
    clock = FixedClock(NOV25)
    service = reminder_service(runtime, slack_messenger(fake, virtual, min_interval=0), clock,
                               virtual)
    report = service.run_once()
    refused = fake.calls_to("chat.postMessage", ok=False)
    assert {c.status for c in refused} == {429}
    assert KF in {c.body["channel"] for c in refused}
    # Each 429's Retry-After (a second) was waited out in the tick: everything arrived, once.
    assert report.retrying == [] and report.failed == []
    assert len(fake.posted(KF)) == 2
    every = Counter((c.body["channel"], texts(c.body["blocks"])) for c in fake.posted())
    assert set(every.values()) == {1}


def test_a_reminder_waiting_for_its_turn_never_blocks_the_chat(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    """The tick sends in a worker thread: while it waits, commands are acknowledged and answered."""

    waiting, release = threading.Event(), threading.Event()
    virtual = VirtualTime()

    def blocking_sleep(seconds: float) -> None:
        waiting.set()
        release.wait(timeout=10)
        virtual.now += seconds

    client = WebClient(token=BOT_TOKEN, base_url=fake.base_url, timeout=5)
    messenger = SlackMessenger(client)
    clock = FixedClock(NOV25)
    service = ReminderService(StoreFactory(runtime.engine, clock), {"slack": messenger}, clock,
                              monotonic=virtual.monotonic, sleep=blocking_sleep)
    ticker = Ticker([service.run_once], interval_seconds=20)

    async def scenario(slack: Slack) -> tuple[Answer, dict[str, Any], bool]:
        tick = asyncio.create_task(ticker.tick())
        try:
            for _ in range(500):
                if waiting.is_set():
                    break
                await asyncio.sleep(0.02)
            assert waiting.is_set(), "the reminders never had to wait"
            ack = await slack.command(LINNEA, "hjälp", name="during")
            body = await slack.answer("during")
            still_waiting = not release.is_set() and not tick.done()
        finally:
            release.set()
        await asyncio.wait_for(tick, timeout=30)
        return ack, body, still_waiting

    ack, body, still_waiting = drive(runtime, fake, scenario)
    assert still_waiting
    assert ack.status == 200 and ack.seconds < ACK_LIMIT
    assert "rapportera" in texts(body["blocks"])
    assert len(fake.posted(KF)) == 2




def test_opening_a_direct_message_is_preparation_and_sending_is_the_post_alone(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    """The reminder service marks a delivery "sending" between `prepare` and `send`:
    `conversations.open` happens in `prepare`, and `send` makes no call but the one post."""

    messenger = slack_messenger(fake, VirtualTime())
    prepared = messenger.prepare(Target("person", "slack", LINNEA, person_id="linnea.ek"))
    assert fake.counts() == Counter({"conversations.open": 1})
    messenger.send(prepared, Reply.text("Hej"))
    assert fake.counts() == Counter({"conversations.open": 1, "chat.postMessage": 1})
    assert [c.body["channel"] for c in fake.posted()] == [prepared.route] == ["D0FYR0002"]
    # Known since: no second `conversations.open`; a channel needs none at all.
    assert messenger.prepare(Target("person", "slack", LINNEA)).route == "D0FYR0002"
    assert messenger.prepare(Target("channel", "slack", ARBETS)).route == ARBETS
    assert fake.count("conversations.open") == 1


def test_a_direct_message_whose_conversation_cannot_be_opened_is_retried_never_half_sent(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    clock = FixedClock(THU)
    virtual = VirtualTime()
    service = reminder_service(runtime, slack_messenger(fake, virtual), clock, virtual)
    fake.fail_next("conversations.open", status=500)
    first = service.run_once()
    [key] = first.retrying
    assert "|person:" in key and len(first.sent) == 10
    # It never reached "sending": nothing was posted for it, and it goes out on its retry.
    assert statuses(runtime.engine)[key] == "retry"
    assert len(fake.posted()) == 10
    clock.now = THU + timedelta(seconds=31)
    assert service.run_once().sent == [key]
    assert len(fake.posted()) == 11
