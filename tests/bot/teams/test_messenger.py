"""The reminder messenger: proactive messages, pacing, Teams' errors, connector clients."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta
from typing import ClassVar

import pytest

from app.messages import Reply
from bot.messengers import build_messengers
from bot.runtime import Runtime
from bot.teams import connector
from bot.teams.connector import CONNECTOR_TIMEOUT, ConnectorCache, Pacer, send_error
from bot.teams.messenger import TeamsMessenger
from scheduler.messenger import PermanentSendError, RateLimited, Target, TransientSendError
from tests.bot.teams.support import (
    ARBETS,
    KF,
    LINNEA,
    SV,
    THU,
    due_now,
    elements,
    install_in,
    references,
    reminder_service,
    teams_messenger,
)
from tests.conftest import FixedClock
from tests.fakes import VirtualTime
from tests.fakes.bf_connector import FakeBotFramework
from tests.scheduler.support import statuses

# --- reminders ----------------------------------------------------------------------------------


def test_the_installation_sends_reminders_through_teams(runtime: Runtime) -> None:
    messengers = build_messengers(runtime.settings, runtime.stores)
    assert set(messengers) == {"teams"}
    assert isinstance(messengers["teams"], TeamsMessenger)
    assert set(build_messengers(runtime.settings)) == {"log"}  # references need the database


def test_reminders_reach_the_groups_channel_and_members_personal_chats_once(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    install_in(runtime, fake, ARBETS)
    virtual = VirtualTime()
    fake.clock = virtual.monotonic
    fake.limit_conversations()
    clock = FixedClock(THU)
    service = reminder_service(runtime, teams_messenger(runtime, fake, virtual), clock)
    expected = due_now(service, THU)
    assert len(expected) == 11 and all(key.endswith("|teams") for key in expected)
    reports = []
    for at in (THU, THU, THU + timedelta(seconds=20), THU + timedelta(hours=2)):
        clock.now = at
        reports.append(service.run_once())
    assert set(reports[0].sent) == expected
    assert all(r.sent == [] and r.retrying == [] for r in reports[1:])
    assert {k: v for k, v in statuses(runtime.engine).items() if k in expected} == dict.fromkeys(
        expected, "sent")

    # The channel: one new post (not a reply), with the button that opens the form.
    (channel_post,) = fake.messages(ARBETS)
    assert channel_post.kind == "send" and channel_post.conversation == ARBETS
    actions = [a for e in elements(channel_post.cards[0]) if e["type"] == "ActionSet"
               for a in e["actions"]]
    assert [a["data"] for a in actions] == [{"action": "report.open", "value": "arbetsgrupp"}]
    assert actions[0]["title"] == SV("reminder.report_button")
    # Personal chats: opened once per person with their AAD object id, each message once.
    opened = [c.body["members"][0]["id"] for c in fake.calls_of("create", ok=True)]
    assert len(opened) == len(set(opened)) == 9 and LINNEA in opened
    personal = [c for c in fake.messages() if c.conversation.startswith("a:1personal-")]
    assert len(personal) == 10
    every = Counter((c.conversation, c.text) for c in fake.messages())
    assert set(every.values()) == {1}
    # Each was remembered: the next reminder needs no new chat.
    assert sum(1 for kind, _ in references(runtime.engine) if kind == "personal") == 9
    assert fake.calls_of(ok=False) == []


def test_a_429_is_honoured_with_retry_after_and_the_reminder_arrives_once_later(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    install_in(runtime, fake, ARBETS)
    clock = FixedClock(THU)
    service = reminder_service(runtime, teams_messenger(runtime, fake, VirtualTime()), clock)
    channel_key = next(k for k in due_now(service, THU) if "|channel|" in k)
    fake.fail_next(429, retry_after=30, conversation=ARBETS)
    first = service.run_once()
    assert first.retrying == [channel_key]
    assert len(first.sent) == 10  # the personal chats were not held up by the busy channel
    assert statuses(runtime.engine)[channel_key] == "retry"
    # One attempt: no retry hidden in the HTTP client, no 30 s slept inside it.
    assert [c.status for c in fake.calls_of("send") if c.conversation == ARBETS] == [429]

    clock.now = THU + timedelta(seconds=10)  # before Retry-After has passed
    assert service.run_once().sent == []
    clock.now = THU + timedelta(seconds=31)
    assert service.run_once().sent == [channel_key]
    for later in (40, 120, 3600):
        clock.now = THU + timedelta(seconds=later)
        assert service.run_once().sent == []
    assert len(fake.messages(ARBETS)) == 1
    assert statuses(runtime.engine)[channel_key] == "sent"


@pytest.mark.parametrize("status", [503, 412, 502, 504])
def test_a_transient_error_is_retried_later_with_backoff(
    runtime: Runtime, fake: FakeBotFramework, status: int
) -> None:
    install_in(runtime, fake, ARBETS)
    clock = FixedClock(THU)
    service = reminder_service(runtime, teams_messenger(runtime, fake, VirtualTime()), clock)
    channel_key = next(k for k in due_now(service, THU) if "|channel|" in k)
    fake.fail_next(status, conversation=ARBETS)
    assert service.run_once().retrying == [channel_key]
    assert statuses(runtime.engine)[channel_key] == "retry"
    clock.now = THU + timedelta(seconds=10)
    assert service.run_once().sent == []
    clock.now = THU + timedelta(seconds=31)
    assert service.run_once().sent == [channel_key]
    assert len(fake.messages(ARBETS)) == 1
    assert [c.status for c in fake.calls_of("send") if c.conversation == ARBETS] == [status, 201]


def test_a_bot_removed_from_the_team_fails_at_once_and_is_not_repeated(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    virtual = VirtualTime()
    messenger = teams_messenger(runtime, fake, virtual)
    target = Target("channel", "teams", ARBETS, group_id="arbetsgrupp")
    with pytest.raises(PermanentSendError) as nowhere:
        messenger.send(target, Reply.text("Hej"))
    assert nowhere.value.code == "teams_not_installed"
    install_in(runtime, fake, KF)  # installed elsewhere: the service URL is known
    fake.fail_next(403, conversation=ARBETS)
    with pytest.raises(PermanentSendError) as refused:
        messenger.send(target, Reply.text("Hej"))
    assert refused.value.code == "teams_403"


def test_a_connector_that_does_not_answer_is_a_transient_failure_soon(
    runtime: Runtime, fake: FakeBotFramework, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_in(runtime, fake, ARBETS)
    monkeypatch.setattr(connector, "CONNECTOR_TIMEOUT", 0.5)
    fake.delay("send", 3.0)
    messenger = teams_messenger(runtime, fake, VirtualTime())
    started = time.monotonic()
    with pytest.raises(TransientSendError):
        messenger.send(Target("channel", "teams", ARBETS), Reply.text("Hej"))
    assert time.monotonic() - started < 2.5  # not msrest's 100 s, not the fake's 3 s


def test_posting_is_paced_to_teams_limits_per_conversation(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    install_in(runtime, fake, ARBETS, KF)
    virtual = VirtualTime()
    fake.clock = virtual.monotonic
    fake.limit_conversations()
    messenger = teams_messenger(runtime, fake, virtual)
    started = time.monotonic()
    for n in range(20):
        messenger.send(Target("channel", "teams", ARBETS), Reply.text(f"Meddelande {n}"))
    waited = len(virtual.sleeps)
    messenger.send(Target("channel", "teams", KF), Reply.text("Till en annan kanal"))
    assert time.monotonic() - started < 20  # virtual waiting
    assert fake.calls_of(ok=False) == []
    moments = [c.at for c in fake.messages(ARBETS)]
    assert len(moments) == 20
    for window, limit in ((1.0, 7), (2.0, 8), (30.0, 60)):
        for i, start in enumerate(moments):
            assert sum(1 for t in moments[i:] if t < start + window - 1e-9) <= limit
    # 7 at once, the 8th a second later, 7 more at two seconds, one at three, four at four.
    assert max(moments) - min(moments) == pytest.approx(4.0)
    # The other channel was not held up by the busy one.
    assert len(fake.messages(KF)) == 1 and len(virtual.sleeps) == waited


def test_without_pacing_teams_would_refuse_the_eighth_message(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    """The control for the test above: the fake does enforce Teams' limit."""

    install_in(runtime, fake, ARBETS)
    virtual = VirtualTime()
    fake.clock = virtual.monotonic
    fake.limit_conversations()
    messenger = teams_messenger(runtime, fake, virtual, pacer=Pacer(virtual.monotonic, ()))
    with pytest.raises(RateLimited) as limited:
        for n in range(8):
            messenger.send(Target("channel", "teams", ARBETS), Reply.text(f"Meddelande {n}"))
    assert limited.value.code == "teams_429" and limited.value.retry_after == 1
    assert len(fake.messages(ARBETS)) == 7


def test_the_pacer_books_each_window_and_never_sleeps_on_an_idle_conversation() -> None:
    virtual = VirtualTime()
    pacer = Pacer(virtual.monotonic)
    waits = [pacer.reserve("19:x@thread.tacv2;messageid=1") for _ in range(9)]
    assert waits[:7] == [0.0] * 7 and waits[7] == pytest.approx(1.0)
    assert waits[8] == pytest.approx(2.0)  # the eighth within two seconds was the last
    assert pacer.reserve("19:y@thread.tacv2") == 0.0


@pytest.mark.parametrize(
    ("status", "expected", "code"),
    [(429, RateLimited, "teams_429"), (412, TransientSendError, "teams_412"),
     (502, TransientSendError, "teams_502"), (503, TransientSendError, "teams_503"),
     (504, TransientSendError, "teams_504"), (403, PermanentSendError, "teams_403"),
     (404, PermanentSendError, "teams_404")],
)
def test_connector_statuses_become_the_reminder_services_errors(
    status: int, expected: type, code: str
) -> None:
    class Response:
        status_code = status
        headers: ClassVar[dict[str, str]] = {"Retry-After": "17"}

    class Failure(Exception):
        response = Response()

    error = send_error(Failure())
    assert type(error) is expected and error.code == code
    if isinstance(error, RateLimited):
        assert error.retry_after == 17
    assert type(send_error(ConnectionError())) is TransientSendError


def test_connector_clients_are_kept_per_service_url_and_try_once() -> None:
    from botframework.connector.aio import ConnectorClient
    from botframework.connector.auth import MicrosoftAppCredentials

    made: list[str] = []

    class Factory:
        async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
            made.append(service_url)
            return ConnectorClient(MicrosoftAppCredentials("", ""), base_url=service_url)

    async def scenario() -> None:
        cache = ConnectorCache(size=2)
        first = await cache.get(Factory(), "https://smba.example/emea/", None)
        assert await cache.get(Factory(), "https://smba.example/emea/", None) is first
        assert first.config.retry_policy.policy.total == 0
        assert first.config.connection.timeout == CONNECTOR_TIMEOUT
        await cache.get(Factory(), "https://smba.example/amer/", None)
        await cache.get(Factory(), "https://smba.example/apac/", None)  # the oldest goes
        assert await cache.get(Factory(), "https://smba.example/emea/", None) is not first

    asyncio.run(scenario())
    assert made == ["https://smba.example/emea/", "https://smba.example/amer/",
                    "https://smba.example/apac/", "https://smba.example/emea/"]


def test_opening_a_personal_chat_is_preparation_and_sending_is_the_post_alone(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    """The reminder service marks a delivery "sending" between `prepare` and `send`: opening
    the 1:1 chat happens in `prepare`, and `send` makes no call but the one post."""

    def calls() -> list[str]:
        return [c.kind for c in fake.calls if c.kind != "token"]  # sign-in, not Teams

    install_in(runtime, fake, ARBETS)
    messenger = teams_messenger(runtime, fake, VirtualTime())
    prepared = messenger.prepare(Target("person", "teams", LINNEA, person_id="linnea.ek"))
    assert calls() == ["create"]
    assert fake.messages() == []
    conversation = fake.calls_of("create", ok=True)[0]
    messenger.send(prepared, Reply.text("Hej"))
    assert calls() == ["create", "send"]
    (post,) = fake.messages()
    assert post.conversation.startswith("a:1personal-")
    assert conversation.status == 201
    # The channel's conversation is known from the installation: nothing to ask Teams.
    channel = messenger.prepare(Target("channel", "teams", ARBETS))
    assert calls() == ["create", "send"]
    messenger.send(channel, Reply.text("Hej"))
    assert [c.conversation for c in fake.messages()][-1] == ARBETS
