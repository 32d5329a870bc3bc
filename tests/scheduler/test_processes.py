"""Real processes: two bots on one PostgreSQL database, and a bot killed in the middle of a send
(with one sending thread, and with many deliveries in flight at once).

Each process is `python -m tests.scheduler.worker` (see there); what reaches "the channel" is
the shared file the workers append to, one line per delivery key.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from domain.config import Config
from scheduler.messenger import LogMessenger
from scheduler.reminders import DEFAULT_WORKERS, STALE_CLAIM, ReminderService
from storage.db import create_db_engine, upgrade
from storage.repositories import StoreFactory
from storage.sync import sync_config
from tests.conftest import ROOT
from tests.scheduler.support import local, outbox, statuses

TIMEOUT = 120  # seconds, for any one process
THU_NOON = local("2026-09-03T12:00:00+02:00")  # Thursday's 11 are 3 h old, Wednesday's 27 h
MON = local("2026-09-07T09:00:00+02:00")


def start_worker(db_url: str, now: datetime, out: Path, instance: str,
                 *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.scheduler.worker", db_url, now.isoformat(), str(out),
         "--instance", instance, *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_when_hanging(process: subprocess.Popen[str], out: Path,
                      until: Callable[[], bool] | None = None) -> None:
    """Waits until the worker says it hangs (OUT_FILE.hanging), and then until `until` holds
    (if given), then SIGKILLs it."""

    marker = Path(f"{out}.hanging")
    deadline = time.monotonic() + TIMEOUT
    try:
        while not marker.exists() or (until is not None and not until()):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the worker never got there"
            time.sleep(0.02)
    finally:
        process.kill()  # SIGKILL: no cleanup, no exception handlers
        process.communicate(timeout=TIMEOUT)


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


def lines(out: Path) -> list[str]:
    if not out.exists():
        return []
    return [line.split("\t")[0] for line in out.read_text("utf-8").splitlines()]


def expected_at(engine: Engine, now: datetime) -> tuple[set[str], set[str]]:
    """(to send, to record as missed) at `now`, as a single healthy service would see it."""

    service = ReminderService(StoreFactory(engine), {"log": LogMessenger()}, lambda: now)
    due = service.due(now)
    late = {d.key for d in due if now - d.reminder.due_at > service.grace}
    return {d.key for d in due} - late, late


def test_two_bot_processes_on_postgresql_send_every_reminder_exactly_once(
    postgres_url: str, example_config: Config, tmp_path: Path
) -> None:
    engine = create_db_engine(postgres_url)
    try:
        upgrade(engine)
        with Session(engine) as session:
            sync_config(session, example_config)
            session.commit()
        out = tmp_path / "channel.txt"
        to_send: set[str] = set()
        missed: set[str] = set()
        reports: list[dict[str, Any]] = []
        for round_, now in enumerate((THU_NOON, MON)):
            send, late = expected_at(engine, now)
            to_send |= send
            missed |= late - set(statuses(engine))
            barrier = tmp_path / f"barrier-{round_}"
            workers = [
                start_worker(postgres_url, now, out, f"bot-{name}", "--barrier", str(barrier),
                             "--parties", "2")
                for name in ("a", "b")
            ]
            reports += [finish(w) for w in workers]
        assert len(to_send) == 11 + 17 and len(missed) == 9
        written = Counter(lines(out))
        assert set(written) == to_send
        assert set(written.values()) == {1}
        assert Counter(k for r in reports for k in r["sent"]) == Counter(to_send)
        assert Counter(k for r in reports for k in r["missed"]) == Counter(missed)
        assert statuses(engine) == {**dict.fromkeys(to_send, "sent"),
                                    **dict.fromkeys(missed, "missed")}
    finally:
        engine.dispose()


def test_a_bot_killed_between_send_and_mark_sends_nothing_twice_after_restart(
    synced_engine: Engine, database_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "channel.txt"
    to_send, _late = expected_at(synced_engine, THU_NOON)
    kill_when_hanging(start_worker(database_url, THU_NOON, out, "bot-a", "--hang-after-first"),
                      out)
    victim = Path(f"{out}.hanging").read_text("utf-8")
    assert lines(out) == [victim]
    at_kill = statuses(synced_engine)
    # The one in its send is "sending"; those claimed ahead and never handed over "claimed".
    assert [k for k, s in at_kill.items() if s == "sending"] == [victim]
    claimed = {k for k, s in at_kill.items() if s == "claimed"}
    assert set(at_kill.values()) <= {"sending", "claimed", "missed"}

    restarted = finish(start_worker(database_url, THU_NOON + timedelta(minutes=1), out, "bot-b"))
    assert set(restarted["skipped"]) >= claimed | {victim}
    assert set(restarted["sent"]) == to_send - claimed - {victim}
    assert claimed  # claimed ahead, in this test
    later = finish(start_worker(database_url, THU_NOON + STALE_CLAIM + timedelta(minutes=1),
                                out, "bot-c"))
    # The stale claims never reached the platform: sent now. The one cut off in its send is
    # recorded, never sent again.
    assert later["interrupted"] == [victim] and set(later["sent"]) == claimed
    written = Counter(lines(out))
    assert set(written) == to_send and set(written.values()) == {1}
    assert statuses(synced_engine)[victim] == "interrupted"


HANG_AFTER = 3


def test_a_crash_with_concurrent_sending(
    synced_engine: Engine, database_url: str, tmp_path: Path
) -> None:
    """Killed with several deliveries in flight at once (the default pool of sending threads).

    When it dies, HANG_AFTER deliveries have gone out; the sending threads are stuck in other
    sends (marked "sending", nothing out) and more may be claimed ahead ("claimed"). A restart
    skips both; once they are STALE_CLAIM old, the "sending" ones are "interrupted", never sent
    again, and the "claimed" ones, which never reached the platform, are sent. At most one
    delivery per sending thread can be lost that way, and none is sent twice.
    """

    out = tmp_path / "channel.txt"
    to_send, late = expected_at(synced_engine, MON)
    assert len(to_send) == 17 and not late
    def stuck_in_sends() -> bool:
        """Sending threads in sends that hang: "sending", and nothing went out."""

        at = statuses(synced_engine)
        return len({k for k, s in at.items() if s == "sending"} - set(lines(out))) > 1

    kill_when_hanging(
        start_worker(database_url, MON, out, "bot-a", "--hang-after", str(HANG_AFTER),
                     "--workers", str(DEFAULT_WORKERS)),
        out,
        stuck_in_sends,
    )
    went_out = lines(out)
    assert len(went_out) == len(set(went_out)) == HANG_AFTER
    at_kill = statuses(synced_engine)
    sending = {k for k, s in at_kill.items() if s == "sending"}
    claimed = {k for k, s in at_kill.items() if s == "claimed"}
    # Several in flight: marked "sending", stuck in a sending thread, never out.
    assert len(sending - set(went_out)) > 1
    assert len(sending) <= DEFAULT_WORKERS
    assert set(at_kill.values()) <= {"claimed", "sending", "sent"}
    assert {k for k, s in at_kill.items() if s == "sent"} <= set(went_out)
    assert not claimed & set(went_out)
    assert set(went_out) <= set(at_kill)

    restarted = finish(start_worker(database_url, MON + timedelta(minutes=1), out, "bot-b"))
    assert set(restarted["skipped"]) == set(at_kill)
    assert set(restarted["sent"]) == to_send - set(at_kill)
    later = finish(start_worker(database_url, MON + STALE_CLAIM + timedelta(minutes=1),
                                out, "bot-c"))
    assert sorted(later["interrupted"]) == sorted(sending)
    assert sorted(later["sent"]) == sorted(claimed)

    written = Counter(lines(out))
    assert set(written.values()) == {1}  # nothing twice
    final = outbox(synced_engine)
    assert set(final) == to_send
    # Out once and marked sent, or cut off in its send and recorded as such: nothing lost
    # without a trace, and nothing that never left is lost.
    for key, row in final.items():
        if row.status == "sent":
            assert key in written
        else:
            assert row.status == "interrupted" and key in sending and row.last_error
    assert set(written) == {k for k, r in final.items() if r.status == "sent"} | (
        sending & set(went_out)
    )
