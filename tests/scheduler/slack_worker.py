"""A reminder run through Slack in a process of its own, for the kill -9 tests.

    python -m tests.scheduler.slack_worker DB_URL NOW SLACK_API_URL [--instance ID|auto]
        [--workers N] [--stop-at claimed|marking --marker FILE]

It runs `run_once` at NOW with the real `SlackMessenger` and slack_sdk's `WebClient` against
SLACK_API_URL (the fake Slack Web API of the test, on a loopback port), and prints the report
as JSON. `--instance auto` is the id a bot gives itself (host, process, a tag). The steps
inside Slack's calls (a `conversations.open` or `chat.postMessage` that does not answer) are
the fake's to hold; the steps between them are held here: with
--stop-at, the run stops at the first delivery to reach that step, writes MARKER, and waits
there to be killed:

- claimed: the delivery is claimed and nothing else has happened (before its message is read
  and its target prepared);
- marking: Slack has answered the post, and the run is about to mark it "sent".
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from bot.slack.messenger import SlackMessenger
from scheduler.reminders import Prepared, ReminderService
from storage.db import SERVING, create_db_engine
from storage.repositories import StoreFactory
from tests.fakes.slack_api import BOT_TOKEN

HANG = 120  # seconds a stopped run waits; killed long before this ends


class StoppingService(ReminderService):
    stop_at: str | None = None
    marker: Path | None = None

    def _stop(self, step: str) -> None:
        if self.stop_at == step and self.marker is not None:
            self.marker.write_text(step, encoding="utf-8")
            time.sleep(HANG)
            raise SystemExit("not killed")

    def _message(self, delivery: Any) -> Prepared:
        self._stop("claimed")
        return super()._message(delivery)

    def _mark_sent(self, *args: Any, **kwargs: Any) -> None:
        self._stop("marking")
        super()._mark_sent(*args, **kwargs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db_url")
    parser.add_argument("now")
    parser.add_argument("slack_api_url")
    parser.add_argument("--instance", default="slack-worker")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--stop-at", choices=("claimed", "marking"))
    parser.add_argument("--marker")
    args = parser.parse_args(argv)

    now = datetime.fromisoformat(args.now)
    engine = create_db_engine(args.db_url, SERVING)
    try:
        client = WebClient(token=BOT_TOKEN, base_url=args.slack_api_url, timeout=30)
        service = StoppingService(StoreFactory(engine, lambda: now),
                                  {"slack": SlackMessenger(client)}, lambda: now,
                                  instance_id=None if args.instance == "auto" else args.instance,
                                  workers=args.workers)
        service.stop_at = args.stop_at
        service.marker = Path(args.marker) if args.marker else None
        report = service.run_once(now)
    finally:
        engine.dispose()
    json.dump({"sent": report.sent, "skipped": report.skipped, "missed": report.missed,
               "interrupted": report.interrupted, "failed": report.failed,
               "retrying": report.retrying}, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
