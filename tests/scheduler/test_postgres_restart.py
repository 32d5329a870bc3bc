"""PostgreSQL stopped and started under load, with two bot processes ticking on it.

The server is the test's own (initdb in a temporary folder, a free port on 127.0.0.1), so the
shared one at 5432 stays up. Skipped where initdb and pg_ctl are not installed, or where we run
as root and cannot run them as the `postgres` user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from domain.config import Config
from scheduler.reminders import STALE_CLAIM, ReminderService
from storage.db import create_db_engine, upgrade
from storage.repositories import StoreFactory
from storage.sync import sync_config
from tests.scheduler.support import outbox
from tests.scheduler.test_processes import (
    MON,
    THU_NOON,
    TIMEOUT,
    expected_at,
    finish,
    lines,
    start_worker,
)

pytestmark = pytest.mark.slow

OUTAGE = 1.5  # seconds PostgreSQL is down
DURING = THU_NOON + timedelta(minutes=1)  # the bots' clock while it is down
WORKERS = 4  # sending threads per bot: fewer than Thursday's destinations, so it takes rounds
SEND_DELAY = 0.3  # seconds each send takes (the platform's latency)
EVERY = 0.2  # seconds between two ticks of one bot


class OwnPostgres:
    """A PostgreSQL server in a temporary folder, run by the `postgres` user when we are root."""

    def __init__(self, folder: Path, port: int, as_user: list[str]) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.log = folder / "server.log"
        self.port = port
        self.as_user = as_user
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    def run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        result = subprocess.run(
            [*self.as_user, *command], cwd=self.folder, env=env, capture_output=True,
            text=True, timeout=60, check=False,
        )
        if check and result.returncode != 0:
            log = self.log.read_text("utf-8", "replace") if self.log.exists() else ""
            pytest.fail(f"{command[0]} failed: {result.stdout}{result.stderr}\n{log}")
        return result

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                 "-E", "UTF8", "--locale=C", "--no-sync")
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.folder}'\n"
                # fsync only matters if the machine itself goes down: every commit is still
                # written to the operating system before it returns, so stopping PostgreSQL,
                # even with -m immediate, loses no commit. (synchronous_commit stays on: off
                # could lose commits on an immediate stop, and with them claims.)
                "fsync = off\n"
            )

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast", *, check: bool = True) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=check)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres_user() -> list[str]:
    """The prefix that runs a command as someone PostgreSQL accepts, or skips the test."""

    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and there is no postgres user to run initdb as")
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("running as root and runuser is missing: cannot run initdb as postgres")
    prefix = [runuser, "-u", "postgres", "--"]
    if subprocess.run([*prefix, "true"], capture_output=True, check=False).returncode != 0:
        pytest.skip("running as root and cannot switch to the postgres user")
    return prefix


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[OwnPostgres]:
    missing = [tool for tool in ("initdb", "pg_ctl") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not on PATH: no PostgreSQL server of our own")
    as_user = _as_postgres_user()
    folder = Path(tempfile.mkdtemp(prefix="samverkan-pg-"))
    if as_user:
        entry = pwd.getpwnam("postgres")
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    server = OwnPostgres(folder, _free_port(), as_user)
    try:
        server.init()
        server.start()
        yield server
    finally:
        if (server.data / "postmaster.pid").exists():
            server.stop("immediate", check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_postgresql_stopped_and_started_under_load_loses_nothing_and_sends_nothing_twice(
    own_postgres: OwnPostgres, example_config: Config, tmp_path: Path
) -> None:
    """Two bots tick every EVERY s on one database; PostgreSQL goes down during a send.

    Thursday noon: 11 reminders to send (10 destinations), 9 from Wednesday too old (missed).
    Once the first lines have gone out, PostgreSQL is stopped (-m immediate: a crash, every
    connection cut), the bots' clock moves on a minute (their ticks fail meanwhile) and it is
    started again OUTAGE s later. Once every Thursday delivery has its row, the clock moves to
    Monday 09:00 (17 more fall due). The bots tick on through it all; then one last tick runs
    after STALE_CLAIM. (The clock moves only a minute during the outage because a reminder
    older than the lookback is no longer planned at all: an outage of days is another test's.)

    What is acceptable, per delivery:
    - out once and "sent": the ideal, and what every Monday delivery must be (the database
      is up again by then; two bots share the work);
    - out once and "sent" although the tick that sent it was cut off before its mark: the
      same bot marks it at its first tick that reaches the database again;
    - claimed ahead by the cut-off tick and never handed over ("claimed"): the same bot keeps
      the claim and sends it at its first tick that reaches the database again ("sent"), or
      records it "missed" if by then it is past the grace period; never silently dropped;
    - out once or not, and "interrupted": a mark as "sending" whose commit the crash left in
      doubt (the bot cannot know the row says so, and does not send it); recorded with its
      reason;
    - "missed" also for the 9 Wednesday ones, older than the grace period at the first tick.
    Never acceptable: a key out twice, a key out that the outbox does not know, a row left
    "claimed", "sending", "retry" or "failed", a Monday delivery not sent.
    """

    engine = create_db_engine(own_postgres.url)
    processes: list[subprocess.Popen[str]] = []
    try:
        upgrade(engine)
        with Session(engine) as session:
            sync_config(session, example_config)
            session.commit()
        thursday, wednesday = expected_at(engine, THU_NOON)
        monday = expected_at(engine, MON)[0] - thursday - wednesday
        assert (len(thursday), len(wednesday), len(monday)) == (11, 9, 17)
        capacity = ReminderService(StoreFactory(engine), {}, lambda: MON).claim_capacity
        engine.dispose()  # its connections die with the server; the bots' must recover

        out, clock, stop = tmp_path / "channel.txt", tmp_path / "clock", tmp_path / "stop"
        processes = [
            start_worker(own_postgres.url, THU_NOON, out, f"bot-{name}",
                         "--barrier", str(tmp_path / "barrier"), "--parties", "2",
                         "--workers", str(WORKERS), "--send-delay", str(SEND_DELAY),
                         "--ticks", "1000", "--every", str(EVERY),
                         "--clock", str(clock), "--stop", str(stop))
            for name in ("a", "b")
        ]
        _wait_for(lambda: len(lines(out)) >= 2, "the first sends")
        own_postgres.stop("immediate")
        clock.write_text(DURING.isoformat(), "utf-8")
        time.sleep(OUTAGE)
        own_postgres.start()
        _wait_for(lambda: thursday <= set(outbox(engine)), "a row for each Thursday delivery")
        clock.write_text(MON.isoformat(), "utf-8")
        _wait_for(lambda: monday <= set(lines(out)), "Monday's reminders")
        stop.touch()
        reports = [finish(p) for p in processes]
        final = finish(start_worker(own_postgres.url, MON + STALE_CLAIM + timedelta(minutes=1),
                                    out, "bot-c"))
        rows = outbox(engine)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()
        engine.dispose()

    errors = [e for r in reports for e in r["tick_errors"]]
    # Each is the outage, recognised as such (storage.db's DatabaseUnavailable), not a bug.
    assert all(e["error"].startswith("DatabaseUnavailable") for e in errors), errors
    # The outage hit during deliveries: a tick failed after it had sent something ...
    cut_off = [e for e in errors if e["sent"] > 0 and e["at"] == THU_NOON.isoformat()]
    assert cut_off, errors
    # ... and the bots ticked on while the database was down.
    assert any(e["at"] == DURING.isoformat() for e in errors), errors

    written = Counter(lines(out))
    assert set(written.values()) == {1}, written  # nothing twice
    assert set(written) <= thursday | monday
    assert set(rows) == thursday | wednesday | monday
    status = {key: row.status for key, row in rows.items()}
    assert {k for k in wednesday if status[k] == "missed"} == wednesday
    assert {k: status[k] for k in monday} == dict.fromkeys(monday, "sent")
    assert monday <= set(written)
    for key in thursday:
        if status[key] == "sent":
            assert key in written
        elif status[key] == "missed":  # claimed ahead, given back after the outage: too late
            assert key not in written
        else:
            assert status[key] == "interrupted" and rows[key].last_error, (key, status[key])
    interrupted = {k for k in thursday if status[k] == "interrupted"}
    assert len(interrupted) <= capacity * len(cut_off)
    # What the bots reported sent (ticks that finished) was marked sent, once.
    reported = Counter(k for r in [*reports, final] for k in r["sent"])
    assert set(reported.values()) <= {1}
    assert set(reported) <= {k for k, s in status.items() if s == "sent"}, (
        {k: (status.get(k), rows[k].claimed_by, rows[k].last_error) for k in reported
         if status.get(k) != "sent"}, reports)
    assert final["sent"] == [] and final["interrupted"] == []
    assert set(status.values()) <= {"sent", "interrupted", "missed"}
    assert {k for k in wednesday if status[k] == "missed"} == wednesday
