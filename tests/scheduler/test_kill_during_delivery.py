"""A reminder run killed with SIGKILL at each step of a delivery, through a fake Slack.

The run is a real process (`python -m tests.scheduler.slack_worker`) on a file SQLite database
(and PostgreSQL where it answers), sending with the real `SlackMessenger` to the fake Slack Web
API of this test on a loopback port. It is killed at one step of one delivery:

- open: while Slack has not answered `conversations.open` (a direct message being prepared);
- claimed: claimed, before its message is read and its target prepared;
- post: while Slack has the `chat.postMessage` and has not answered;
- marking: Slack has answered the post; the run has not marked it "sent".

Then the run is started again, a minute later and once the claims are stale. From what reached
the fake (every request, answered or not): nothing arrives twice, and every reminder that was
due arrives exactly once. A delivery that was never handed to Slack (open, claimed) is sent by
the later run; the one whose post was under way (post, marking) is recorded "interrupted" and
never sent again: it arrived once, or (had the kill come before Slack had it) not at all, but
never twice.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from scheduler.messenger import LogMessenger
from scheduler.reminders import STALE_CLAIM, ReminderService
from storage.repositories import StoreFactory
from tests.conftest import ROOT
from tests.fakes.slack_api import FakeSlackApi, serve_fake_slack
from tests.scheduler.support import local, statuses

THU = local("2026-09-03T09:00:00+02:00")  # Arbetsgruppen's 11 (channel, DMs); 9 a day late
TIMEOUT = 60.0  # seconds, for any one process or wait


@pytest.fixture
def fake() -> Iterator[FakeSlackApi]:
    with serve_fake_slack() as running:
        try:
            yield running
        finally:
            running.release()  # a held request is answered at last, to nobody


def start(database_url: str, now: datetime, fake: FakeSlackApi, instance: str,
          *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.scheduler.slack_worker", database_url, now.isoformat(),
         fake.base_url, "--instance", instance, *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def finish(process: subprocess.Popen[str]) -> dict[str, Any]:
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    assert process.returncode == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def kill_when(process: subprocess.Popen[str], reached: threading.Event | Path) -> None:
    """SIGKILLs the process once it has reached the step (the fake's event is set, or the
    run wrote its marker file): no cleanup, no exception handlers, no `finally`."""

    deadline = time.monotonic() + TIMEOUT
    try:
        while not (reached.is_set() if isinstance(reached, threading.Event) else reached.exists()):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the run never reached the step"
            time.sleep(0.01)
    finally:
        process.kill()
        process.communicate(timeout=TIMEOUT)


def expected_at(engine: Engine, now: datetime) -> tuple[set[str], set[str]]:
    """(to send, to record as missed) through Slack at `now`, as one healthy run sees it."""

    service = ReminderService(StoreFactory(engine), {"slack": LogMessenger()}, lambda: now)
    due = service.due(now)
    late = {d.key for d in due if now - d.reminder.due_at > service.grace}
    return {d.key for d in due} - late, late


def posts(fake: FakeSlackApi) -> Counter[tuple[str, str]]:
    """Every `chat.postMessage` that reached Slack, answered or not, as what people see."""

    return Counter(
        (str(body.get("channel")), json.dumps(body.get("blocks") or body.get("text")))
        for body in fake.received_calls("chat.postMessage")
    )


@pytest.mark.parametrize("step", ["open", "claimed", "post", "marking"])
def test_a_run_killed_at_any_step_sends_nothing_twice_and_loses_nothing_that_never_left(
    synced_engine: Engine, database_url: str, fake: FakeSlackApi, tmp_path: Path, step: str
) -> None:
    to_send, late = expected_at(synced_engine, THU)
    assert len(to_send) == 11 and len(late) == 9
    marker = tmp_path / "stopped"
    extra: list[str] = []
    reached: threading.Event | Path = marker
    if step == "open":
        reached = fake.hold("conversations.open")
    elif step == "post":
        reached = fake.hold("chat.postMessage")
    else:
        extra = ["--stop-at", step, "--marker", str(marker)]
    kill_when(start(database_url, THU, fake, "bot-a", *extra), reached)

    at_kill = statuses(synced_engine)
    in_flight = {k for k, s in at_kill.items() if s == "sending"}
    assert {k for k, s in at_kill.items() if s == "missed"} == late
    assert set(at_kill.values()) <= {"claimed", "sending", "sent", "missed"}
    if step in ("open", "claimed"):
        # Nothing handed to Slack is unaccounted for: the cut-off delivery is only claimed.
        assert in_flight == set()
        assert fake.count("chat.postMessage") == len(posts(fake))
    else:
        # One sending thread: exactly the one delivery whose post was under way.
        assert len(in_flight) == 1
    never_left = {k for k, s in at_kill.items() if s == "claimed"}
    assert never_left
    before = posts(fake)

    # A minute later: the claims are another run's, not yet stale; nothing of them is sent.
    soon = finish(start(database_url, THU + timedelta(minutes=1), fake, "bot-b"))
    assert set(soon["skipped"]) >= never_left | in_flight
    assert set(soon["sent"]) == to_send - set(at_kill)
    # Once stale: the claims that never left are sent; the post under way is not.
    later = finish(start(database_url, THU + STALE_CLAIM + timedelta(minutes=1), fake, "bot-c"))
    assert sorted(later["interrupted"]) == sorted(in_flight)
    assert set(later["sent"]) == never_left
    assert later["failed"] == [] and later["retrying"] == []

    received = posts(fake)
    assert set(received.values()) == {1}  # nothing twice
    assert len(received) == len(to_send)  # everything that was due, once
    assert statuses(synced_engine) == {**dict.fromkeys(to_send - in_flight, "sent"),
                                       **dict.fromkeys(in_flight, "interrupted"),
                                       **dict.fromkeys(late, "missed")}
    assert len(received) - len(before) == len(never_left) + len(to_send - set(at_kill))
    if step == "post":
        # Slack had it and never answered (the run is dead): it reached Slack, once.
        assert fake.count("chat.postMessage") == len(received) - 1
    if step == "marking":
        assert fake.count("chat.postMessage", ok=True) == len(received)


def test_the_claims_of_a_run_known_to_have_died_are_sent_at_once_on_the_same_host(
    synced_engine: Engine, database_url: str, fake: FakeSlackApi
) -> None:
    """With the ids bots give themselves (host and process), a run a minute later on the same
    host sees that the process holding the claims is gone, and sends them without waiting for
    them to grow stale."""

    to_send, _late = expected_at(synced_engine, THU)
    kill_when(start(database_url, THU, fake, "auto"), fake.hold("conversations.open"))
    at_kill = statuses(synced_engine)
    never_left = {k for k, s in at_kill.items() if s == "claimed"}
    assert never_left and "sending" not in at_kill.values()

    soon = finish(start(database_url, THU + timedelta(minutes=1), fake, "auto"))
    sent_before = {k for k, s in at_kill.items() if s == "sent"}
    assert set(soon["sent"]) == to_send - sent_before
    assert never_left <= set(soon["sent"])
    received = posts(fake)
    assert set(received.values()) == {1} and len(received) == len(to_send)
    assert {k: s for k, s in statuses(synced_engine).items() if k in to_send} == dict.fromkeys(
        to_send, "sent")
