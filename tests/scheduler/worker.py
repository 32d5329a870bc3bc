"""A reminder process for the multi-process tests: one `run_once` at a fixed time.

    python -m tests.scheduler.worker DB_URL NOW OUT_FILE [--instance ID]
        [--barrier DIR --parties N] [--hang-after-first]

Every delivery it sends appends one line, "<delivery key>\\t<instance>", to OUT_FILE (opened
for appending and flushed at once, so lines from several processes interleave whole). With
--barrier, it waits until N workers have reached the barrier, so that they run together. With
--hang-after-first, it stops after the first delivery has gone out, before marking it, and
waits there to be killed (it writes OUT_FILE.hanging to say so). The run's report is printed
as JSON on stdout.
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

from handlers.messages import Reply
from scheduler.messenger import Target
from scheduler.reminders import DEFAULT_WORKERS, ReminderService
from storage.db import create_db_engine
from storage.repositories import StoreFactory


class KeyedService(ReminderService):
    """Remembers which delivery each sending thread is on, so the messenger can write its key."""

    _local = threading.local()

    @property
    def current_key(self) -> str:
        return str(getattr(self._local, "key", ""))

    def _send(self, delivery: Any, *args: Any, **kwargs: Any) -> float | None:
        self._local.key = delivery.key
        return super()._send(delivery, *args, **kwargs)


class FileMessenger:
    platform = "log"

    def __init__(self, out: Path, instance: str, hang_after_first: bool) -> None:
        self.out = out
        self.instance = instance
        self.hang_after_first = hang_after_first
        self.service: KeyedService | None = None

    def send(self, target: Target, reply: Reply) -> None:
        assert self.service is not None
        with self.out.open("a", encoding="utf-8") as file:
            file.write(f"{self.service.current_key}\t{self.instance}\n")
            file.flush()
            os.fsync(file.fileno())
        if self.hang_after_first:
            Path(f"{self.out}.hanging").write_text(self.service.current_key, encoding="utf-8")
            time.sleep(120)  # killed long before this ends
            raise SystemExit("not killed")


def wait_at_barrier(directory: Path, instance: str, parties: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / instance).touch()
    deadline = time.monotonic() + 60
    while len(list(directory.iterdir())) < parties:
        if time.monotonic() > deadline:
            raise SystemExit("barrier timed out")
        time.sleep(0.005)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db_url")
    parser.add_argument("now")
    parser.add_argument("out")
    parser.add_argument("--instance", default=f"worker-{os.getpid()}")
    parser.add_argument("--barrier")
    parser.add_argument("--parties", type=int, default=2)
    parser.add_argument("--hang-after-first", action="store_true")
    args = parser.parse_args(argv)

    now = datetime.fromisoformat(args.now)
    engine = create_db_engine(args.db_url)
    try:
        messenger = FileMessenger(Path(args.out), args.instance, args.hang_after_first)
        service = KeyedService(
            StoreFactory(engine, lambda: now),
            {"log": messenger},
            lambda: now,
            instance_id=args.instance,
            # Killed in the middle: one delivery between claim and mark, as the test expects.
            workers=1 if args.hang_after_first else DEFAULT_WORKERS,
        )
        messenger.service = service
        service.due(now)  # warm up (imports, connections) before the barrier
        if args.barrier:
            wait_at_barrier(Path(args.barrier), args.instance, args.parties)
        report = service.run_once(now)
    finally:
        engine.dispose()
    json.dump(
        {"instance": args.instance, "sent": report.sent, "missed": report.missed,
         "skipped": report.skipped, "interrupted": report.interrupted},
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
