"""A reminder process for the multi-process tests: `run_once` at a fixed time, or a few ticks.

    python -m tests.scheduler.worker DB_URL NOW OUT_FILE [--instance ID]
        [--barrier DIR --parties N] [--workers N] [--send-delay SECONDS]
        [--hang-after-first | --hang-after N]
        [--ticks N --every SECONDS [--clock FILE] [--stop FILE]]

Every delivery it sends appends one line, "<delivery key>\\t<instance>", to OUT_FILE (opened
for appending and flushed at once, so lines from several processes interleave whole). With
--send-delay, each send first waits that long (the platform's latency), then the line is
written. With --barrier, it waits until N workers have reached the barrier, so that they run
together.

With --hang-after N, the first N deliveries go out (N lines); the N-th then stops before
returning, and every later send stops before anything goes out, all waiting there to be killed
(it writes OUT_FILE.hanging, holding the N-th key, once the N-th line is written). Other
deliveries may be in flight in other sending threads at that moment: that is the point.
--hang-after-first is --hang-after 1 with one sending thread (exactly one delivery is between
claim and mark when it is killed).

With --ticks N, it runs up to N ticks, one every --every seconds (real time), as the bot's
ticker does: a tick that fails with a database error is recorded and the next tick runs. Each
tick runs at the time written (ISO 8601) in the --clock file, read again at every tick, or at
NOW when there is none. It stops early, before a tick, once the --stop file exists.

The report is printed as JSON on stdout: the keys of the ticks that succeeded (sent, missed,
skipped, interrupted; concatenated over ticks, so a key twice would show), the number of ticks
run, and "tick_errors": one entry per failed tick, with its time, the error, and how many
deliveries this process sent during that tick before it failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from app.messages import Reply
from scheduler.messenger import LocalMessenger, Target
from scheduler.reminders import DEFAULT_WORKERS, ReminderService, RunReport
from storage.db import SERVING, create_db_engine
from storage.repositories import StoreFactory

HANG = 120  # seconds a hanging send waits; killed long before this ends


class KeyedService(ReminderService):
    """Remembers which delivery each sending thread is on, so the messenger can write its key."""

    _local = threading.local()

    @property
    def current_key(self) -> str:
        return str(getattr(self._local, "key", ""))

    def _deliver(self, delivery: Any, *args: Any, **kwargs: Any) -> Any:
        self._local.key = delivery.key
        return super()._deliver(delivery, *args, **kwargs)


class FileMessenger(LocalMessenger):
    platform = "log"

    def __init__(self, out: Path, instance: str, *, hang_after: int | None = None,
                 delay: float = 0.0) -> None:
        self.out = out
        self.instance = instance
        self.hang_after = hang_after
        self.delay = delay
        self.service: KeyedService | None = None
        self.sent = 0  # by this process, over all ticks
        self._lock = threading.Lock()

    def send(self, target: Target, reply: Reply) -> None:
        assert self.service is not None
        key = self.service.current_key
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            if self.hang_after is not None and self.sent >= self.hang_after:
                hang = True  # after the N-th: nothing more goes out
            else:
                with self.out.open("a", encoding="utf-8") as file:
                    file.write(f"{key}\t{self.instance}\n")
                    file.flush()
                    os.fsync(file.fileno())
                self.sent += 1
                hang = self.sent == self.hang_after
                if hang:
                    Path(f"{self.out}.hanging").write_text(key, encoding="utf-8")
        if hang:
            time.sleep(HANG)
            raise SystemExit("not killed")


class Clock:
    """The time of the current tick: NOW, or what the --clock file says."""

    def __init__(self, now: datetime, path: Path | None) -> None:
        self.now = now
        self.path = path

    def read(self) -> datetime:
        if self.path is not None and self.path.exists():
            text = self.path.read_text("utf-8").strip()
            if text:
                self.now = datetime.fromisoformat(text)
        return self.now

    def __call__(self) -> datetime:
        return self.now


def wait_at_barrier(directory: Path, instance: str, parties: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / instance).touch()
    deadline = time.monotonic() + 60
    while len(list(directory.iterdir())) < parties:
        if time.monotonic() > deadline:
            raise SystemExit("barrier timed out")
        time.sleep(0.005)


def run_ticks(service: KeyedService, messenger: FileMessenger, clock: Clock, *, ticks: int,
              every: float, stop: Path | None) -> tuple[list[RunReport], list[dict[str, Any]]]:
    """Runs up to `ticks` ticks `every` seconds apart; a database error fails only its tick."""

    reports: list[RunReport] = []
    errors: list[dict[str, Any]] = []
    began = time.monotonic()
    for tick in range(ticks):
        if stop is not None and stop.exists():
            break
        pause = began + tick * every - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        now = clock.read()
        sent_before = messenger.sent
        try:
            reports.append(service.run_once(now))
        except SQLAlchemyError as error:  # the bot's ticker logs it and ticks again later
            errors.append({
                "tick": tick,
                "at": now.isoformat(),
                "error": f"{type(error).__name__}: {str(error).splitlines()[0]}",
                "sent": messenger.sent - sent_before,
            })
    return reports, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db_url")
    parser.add_argument("now")
    parser.add_argument("out")
    parser.add_argument("--instance", default=f"worker-{os.getpid()}")
    parser.add_argument("--barrier")
    parser.add_argument("--parties", type=int, default=2)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--send-delay", type=float, default=0.0)
    hang = parser.add_mutually_exclusive_group()
    hang.add_argument("--hang-after-first", action="store_true")
    hang.add_argument("--hang-after", type=int)
    parser.add_argument("--ticks", type=int, default=1)
    parser.add_argument("--every", type=float, default=1.0)
    parser.add_argument("--clock")
    parser.add_argument("--stop")
    args = parser.parse_args(argv)

    clock = Clock(datetime.fromisoformat(args.now), Path(args.clock) if args.clock else None)
    hang_after = 1 if args.hang_after_first else args.hang_after
    # Killed in the middle with --hang-after-first: one delivery between claim and mark.
    workers = args.workers or (1 if args.hang_after_first else DEFAULT_WORKERS)
    # Waiting on the database as `samverkan serve` does: two of them contend for claims.
    engine = create_db_engine(args.db_url, SERVING)
    try:
        messenger = FileMessenger(Path(args.out), args.instance, hang_after=hang_after,
                                  delay=args.send_delay)
        service = KeyedService(
            StoreFactory(engine, clock),
            {"log": messenger},
            clock,
            instance_id=args.instance,
            workers=workers,
        )
        messenger.service = service
        service.due(clock.read())  # warm up (imports, connections) before the barrier
        if args.barrier:
            wait_at_barrier(Path(args.barrier), args.instance, args.parties)
        errors: list[dict[str, Any]] = []
        if args.ticks == 1 and not args.clock and not args.stop:
            reports = [service.run_once(clock.now)]
        else:
            reports, errors = run_ticks(
                service, messenger, clock, ticks=args.ticks, every=args.every,
                stop=Path(args.stop) if args.stop else None,
            )
    finally:
        engine.dispose()
    json.dump(
        {"instance": args.instance,
         "sent": [k for r in reports for k in r.sent],
         "missed": [k for r in reports for k in r.missed],
         "skipped": [k for r in reports for k in r.skipped],
         "interrupted": [k for r in reports for k in r.interrupted],
         "ticks": len(reports) + len(errors),
         "tick_errors": errors},
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
