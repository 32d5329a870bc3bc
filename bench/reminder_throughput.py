"""Reminder throughput: many reminders due at once against a rate-limited (fake) Slack.

    python bench/reminder_throughput.py [--channels 1000] [--per-channel 10] [--workers 32]
        [--database-url URL]   (PostgreSQL: the schema bench_reminders is recreated)

What is real and what is not:
- real: `ReminderService.run_once` (existing-key check, claims by unique key in batches, the
  mark as "sending" just before each post (the sending threads share commits), send, "sent"
  marks in batches: every delivery is a row in `outbox`), the delivery loop (per destination,
  paced, a bounded thread pool), `SlackMessenger` with slack_sdk's `WebClient`
  over loopback HTTP, and a fake Slack Web API (tests/fakes/slack_api.py) that answers
  `chat.postMessage` with 429 (`Retry-After: 1`) when a channel gets more than one message a
  second. The fake runs in its own process, so its work does not share this one's GIL.
- stubbed (ONLY here): the planner (`due`) returns N×K channel deliveries due now, and the
  message (`_message`) is a short text naming the delivery, instead of reading a synthetic
  configuration of 1,000 groups; this measures the send pipeline, not planning or rendering.

Reports the total time of the tick (the median of `--repeat` runs, each on a fresh database
and on channels of its own), the bound the rate limit sets ((K-1) seconds: the first message
of a channel at 0, the K-th at K-1; and K seconds, K messages at one a second), the ratios,
messages accepted, duplicates (a delivery key accepted twice), and the 429 count.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from slack_sdk import WebClient  # noqa: E402

from app.messages import Reply  # noqa: E402
from bench.generate import fresh_engine  # noqa: E402
from bot.slack.messenger import SlackMessenger  # noqa: E402
from domain.reminders import Reminder  # noqa: E402
from scheduler.messenger import Target  # noqa: E402
from scheduler.reminders import DEFAULT_WORKERS, Delivery, ReminderService  # noqa: E402
from storage.db import upgrade  # noqa: E402
from storage.repositories import StoreFactory  # noqa: E402

TOKEN = "xoxb-bench"
NOW = datetime(2026, 9, 3, 7, 0, tzinfo=UTC)


def fake_slack(conn: Connection) -> None:
    """The fake Slack in its own process: sends its port, waits for "stop", sends its tally."""

    sys.path.insert(0, str(ROOT))
    from tests.fakes.slack_api import FakeSlackApi

    fake = FakeSlackApi(bot_token=TOKEN).start()
    fake.limit_channels(interval=1.0, retry_after=1.0)
    conn.send(fake.port)
    conn.recv()
    posts = fake.calls_to("chat.postMessage")
    accepted = [c for c in posts if c.ok]
    keys = Counter(str(c.body.get("text", "")) for c in accepted)
    per_channel = Counter(str(c.body.get("channel")) for c in accepted)
    gaps: dict[str, float] = {}
    last: dict[str, float] = {}
    for call in accepted:
        channel = str(call.body.get("channel"))
        if channel in last:
            gaps[channel] = min(gaps.get(channel, 1e9), call.at - last[channel])
        last[channel] = call.at
    conn.send({
        "accepted": len(accepted),
        "rejected_429": sum(1 for c in posts if c.status == 429),
        "duplicates": sum(n - 1 for n in keys.values() if n > 1),
        "channels": len(per_channel),
        "min_gap": min(gaps.values()) if gaps else None,
    })
    fake.stop()


class BenchService(ReminderService):
    """The real service with the planner and the message stubbed (see the module's doc)."""

    channels = 1000
    per_channel = 10
    run = 0  # each repeat has channels of its own, so the fake's limit starts afresh

    def due(self, now: datetime) -> list[Delivery]:
        deliveries = []
        for k in range(self.per_channel):
            for c in range(self.channels):
                reminder = Reminder(
                    key=f"bench|r{self.run}g{c:05d}|m{k:03d}|update_request|channel",
                    rule="update_request",
                    group_id=f"r{self.run}g{c:05d}",
                    meeting_id=f"m{k:03d}",
                    series_id="bench",
                    meeting_start=now + timedelta(days=2),
                    recipient="channel",
                    due_at=now,
                )
                deliveries.append(Delivery(reminder, "slack"))
        return deliveries

    def _message(self, delivery: Delivery) -> tuple[Target, Reply] | str:
        group = delivery.reminder.group_id
        target = Target("channel", "slack", f"C{group.upper()}", group_id=group, label=group)
        return target, Reply.text(delivery.key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--per-channel", type=int, default=10)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp dir")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the median is reported")
    args = parser.parse_args(argv)

    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=fake_slack, args=(child,), daemon=True)
    process.start()
    port = parent.recv()
    client = WebClient(token=TOKEN, base_url=f"http://127.0.0.1:{port}/api/", timeout=15)
    times: list[float] = []
    sent = 0
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        for run in range(args.repeat):
            # A fresh database each run: a new SQLite file, or the schema `bench_reminders`
            # dropped and made again (a second run on old rows would find everything sent).
            engine = fresh_engine(url, "bench_reminders")
            upgrade(engine)
            service = BenchService(
                StoreFactory(engine, lambda: NOW),
                {"slack": SlackMessenger(client)},
                lambda: NOW,
                workers=args.workers,
            )
            service.channels, service.per_channel, service.run = (
                args.channels, args.per_channel, run)
            started = time.perf_counter()
            report = service.run_once(NOW)
            times.append(time.perf_counter() - started)
            sent += len(report.sent)
            engine.dispose()
    parent.send("stop")
    tally: dict[str, Any] = parent.recv()
    process.join(timeout=10)

    total = args.channels * args.per_channel
    strict = (args.per_channel - 1) * 1.0
    loose = args.per_channel * 1.0
    median = statistics.median(times)
    print(f"reminder throughput: {args.channels} channels x {args.per_channel} reminders = "
          f"{total} per run, {args.repeat} runs, {args.workers} workers, "
          f"database {url.split(':')[0]}")
    print("  planner and message text stubbed (bench only); claim/send/mark, SlackMessenger, "
          "WebClient and the rate-limited fake Slack are real")
    print("  runs: " + ", ".join(f"{t:.2f} s" for t in times))
    print(f"  median {median:.2f} s; bound {strict:.0f} s (first at 0, last at "
          f"{args.per_channel - 1}) -> ratio {median / strict:.2f}; "
          f"vs {loose:.0f} s -> {median / loose:.2f}")
    print(f"  sent (reports) {sent}, accepted by Slack {tally['accepted']} in "
          f"{tally['channels']} channels, duplicates {tally['duplicates']}, "
          f"429 answers {tally['rejected_429']}, min gap per channel "
          f"{tally['min_gap'] if tally['min_gap'] is None else round(tally['min_gap'], 3)} s")
    ok = (tally["accepted"] == total * args.repeat and tally["duplicates"] == 0
          and sent == total * args.repeat)
    print("  all delivered once: " + ("yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
