"""The delivery loop: one tick's deliveries, per destination in order, paced, concurrently.

This is the one place where reminders are paced. The deliveries are grouped per destination
(platform and recipient: one channel, or one person's direct messages) and sent concurrently
across destinations by a bounded pool of `workers` threads. One destination's deliveries go in
the planned order, one at a time, each starting at least the messenger's `min_interval` after
the platform answered the previous one to that destination (so two cannot arrive within one
interval, whatever the delays on the way), or after a 429's Retry-After.

The calling thread schedules. Each destination is in one place at a time: waiting (a heap by
the time its next delivery may start), claimed (its next delivery claimed and waiting for that
time), in flight in the pool, or done. Claims are made ahead and in batches: once the earliest
waiting destination is almost due, every destination due within `CLAIM_AHEAD` has its next
delivery claimed in one transaction. A claimed delivery has not been handed to the platform;
the job that sends it prepares it, marks it "sending" and sends it (see `Job`). Sent deliveries
are marked in batches. At most `capacity` deliveries are claimed and not yet finished at any
time. An error in any delivery (a database that fails) stops the scheduling, gives back the
claims not yet started, lets the deliveries in flight finish, marks what was sent, and is
raised: the tick fails as a whole.
"""

from __future__ import annotations

import heapq
import queue
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from domain.reminders import Delivery

# Claims are made ahead, in batches: once a destination is due within CLAIM_SOON seconds, every
# destination due within CLAIM_AHEAD is claimed in the same transaction (one commit, not one per
# message). Marks as "sent" are written at least every MARK_EVERY seconds.
CLAIM_SOON = 0.05
CLAIM_AHEAD = 0.5
MARK_EVERY = 0.25
# A 429's Retry-After up to this (seconds) holds the destination's next delivery in the tick; a
# longer one does not hold the tick: the delivery is left to the retries of later ticks.
MAX_INLINE_WAIT = 5.0
# How often one delivery is sent again within the tick after such a 429.
MAX_INLINE_TRIES = 3
# (platform, "channel" or "person", group or person id): one queue, paced on its own.
Destination = tuple[str, str, str]


def destination(delivery: Delivery) -> Destination:
    """Where a delivery lands: one channel of a group, or one person's direct messages."""

    reminder = delivery.reminder
    if reminder.person_id is None:
        return (delivery.platform, "channel", reminder.group_id)
    return (delivery.platform, "person", reminder.person_id)


@dataclass(frozen=True)
class Hold:
    """A 429 worth waiting for: the delivery is sent again, still claimed, after `retry_after`."""

    retry_after: float


@dataclass(frozen=True)
class Outcome:
    """What a job tells the loop: the platform's Retry-After (or a `Hold`), and what it
    prepared, so that a held delivery is not prepared twice."""

    wait: float | Hold | None = None
    prepared: object = None


class Job(Protocol):
    """One delivery, already claimed: prepare it, mark it "sending", send it, and put it in
    `unmarked` when it went out (the loop marks those "sent" in batches)."""

    def __call__(self, delivery: Delivery, prepared: object, *, hold: bool,
                 unmarked: list[Delivery]) -> Outcome: ...


@dataclass
class Steps:
    """What the loop does to the outbox and the clock, given by the service."""

    claim: Callable[[list[Delivery]], set[str]]
    job: Job
    mark_sent: Callable[[list[Delivery]], None]
    release: Callable[[list[Delivery]], None]
    # Seconds between two deliveries to one destination of a platform.
    interval: Callable[[str], float]
    skipped: Callable[[Delivery], None]
    monotonic: Callable[[], float]
    sleep: Callable[[float], None]
    # Sends that went out but could not be marked: kept for the next tick.
    unmarked_left: Callable[[list[Delivery]], None]
    is_database_error: Callable[[BaseException], bool]


# (when it may start, destination's order, destination, delivery, prepared, tries so far)
Claimed = tuple[float, int, Destination, Delivery, object, int]
# (destination's order, destination, when its next delivery may start, the delivery again after
# a short 429 (still claimed, so it keeps its place), error)
Again = tuple[Delivery, object, int] | None
Done = tuple[int, Destination, float, Again, BaseException | None]


class DeliveryLoop:
    def __init__(self, steps: Steps, *, workers: int, capacity: int) -> None:
        self.steps = steps
        self.workers = max(1, workers)
        self.capacity = capacity

    def run(self, deliveries: list[Delivery]) -> None:
        self.queues: dict[Destination, deque[Delivery]] = {}
        for delivery in deliveries:
            self.queues.setdefault(destination(delivery), deque()).append(delivery)
        if not self.queues:
            return
        steps = self.steps
        start = steps.monotonic()
        self.waiting = [(start, order, dest) for order, dest in enumerate(self.queues)]
        heapq.heapify(self.waiting)
        self.claimed: list[Claimed] = []
        self.done: queue.SimpleQueue[Done] = queue.SimpleQueue()
        self.unmarked: list[Delivery] = []
        self.in_flight = 0
        failure: BaseException | None = None
        with ThreadPoolExecutor(self.workers, thread_name_prefix="reminders") as pool:
            try:
                failure = self._schedule(pool)
            except BaseException as error:
                failure = failure or error
                self._wind_down()
            finally:
                if self.unmarked:
                    try:
                        steps.mark_sent(self.unmarked)
                    except BaseException as error:
                        if not steps.is_database_error(error):
                            raise
                        # Sent, but the database would not say so now: the next tick will.
                        steps.unmarked_left(list(self.unmarked))
                        failure = failure or error
        if failure is not None:
            raise failure

    def _schedule(self, pool: ThreadPoolExecutor) -> BaseException | None:
        steps, capacity = self.steps, self.capacity
        failure: BaseException | None = None
        last_mark = steps.monotonic()
        while self.waiting or self.claimed or self.in_flight:
            clock = steps.monotonic()
            # Claim in batches, not one commit per finished delivery: only when there is room
            # for a good batch, or when nothing else is claimed to go on with.
            room = capacity - self.in_flight - len(self.claimed)
            if (self.waiting and self.waiting[0][0] <= clock + CLAIM_SOON
                    and (room >= capacity // 8 or (room > 0 and not self.claimed))):
                self._claim_ahead(clock)
            # Marked before more are sent: with nothing in flight, at once.
            if self.unmarked and (not self.in_flight or len(self.unmarked) >= capacity
                                  or steps.monotonic() - last_mark > MARK_EVERY):
                steps.mark_sent(self.unmarked)
                last_mark = steps.monotonic()
            # No more in flight than there are sending threads: a claim waits here, not queued
            # in the pool, so that a delivery is "sending" only while a thread sends it.
            while (self.claimed and self.in_flight < self.workers
                   and self.claimed[0][0] <= steps.monotonic()):
                _at, order, dest, delivery, prepared, tries = heapq.heappop(self.claimed)
                pool.submit(self._job, order, dest, delivery, prepared, tries)
                self.in_flight += 1
            wake = [steps.monotonic() + MARK_EVERY]
            if self.claimed and self.in_flight < self.workers:
                wake.append(self.claimed[0][0])
            if self.waiting and capacity - self.in_flight - len(self.claimed) >= capacity // 8:
                wake.append(self.waiting[0][0] - CLAIM_SOON)
            timeout = max(0.0, min(wake) - steps.monotonic())
            if not self.in_flight:
                if timeout > 0:
                    steps.sleep(timeout)
                continue
            try:
                order, dest, next_at, again, error = self.done.get(timeout=timeout)
            except queue.Empty:
                continue
            self.in_flight -= 1
            if error is not None:
                failure = failure or error
                self.waiting.clear()
            elif again is not None and failure is None:
                heapq.heappush(self.claimed, (next_at, order, dest, *again))
            elif again is not None:
                steps.release([again[0]])
            elif self.queues[dest] and failure is None:
                heapq.heappush(self.waiting, (next_at, order, dest))
            if failure is not None and self.claimed:
                steps.release([entry[3] for entry in self.claimed])
                self.claimed.clear()
        return failure

    def _wind_down(self) -> None:
        """After an error in the scheduling itself: give back what was claimed and not
        started, wait for the jobs in flight, give back what they held."""

        self.waiting.clear()
        if self.claimed:
            self.steps.release([entry[3] for entry in self.claimed])
            self.claimed.clear()
        held = []
        while self.in_flight:
            again = self.done.get()[3]
            self.in_flight -= 1
            if again is not None:
                held.append(again[0])
        if held:
            self.steps.release(held)

    def _claim_ahead(self, clock: float) -> None:
        picked: list[tuple[float, int, Destination]] = []
        while (self.waiting and self.waiting[0][0] <= clock + CLAIM_AHEAD
               and self.in_flight + len(self.claimed) + len(picked) < self.capacity):
            picked.append(heapq.heappop(self.waiting))
        batch = [self.queues[dest].popleft() for _at, _order, dest in picked]
        won = self.steps.claim(batch)
        for (at, order, dest), delivery in zip(picked, batch, strict=True):
            if delivery.key in won:
                heapq.heappush(self.claimed, (at, order, dest, delivery, None, 0))
                continue
            # Another instance claimed it first: it is working through this destination now,
            # so this one leaves it (the pace holds only within one process). What that
            # instance does not get to is sent by a later tick.
            self.steps.skipped(delivery)
            self.queues[dest].clear()

    def _job(self, order: int, dest: Destination, delivery: Delivery, prepared: object,
             tries: int) -> None:
        error: BaseException | None = None
        again: Again = None
        wait: float | Hold | None = None
        try:
            outcome = self.steps.job(delivery, prepared, hold=tries < MAX_INLINE_TRIES,
                                     unmarked=self.unmarked)
            wait = outcome.wait
        except BaseException as caught:  # handed to the scheduling thread, raised there
            error = caught
        # The destination's next message may start one interval after the platform has
        # answered this one; after a 429, once the platform's Retry-After has passed.
        rest = self.steps.interval(delivery.platform)
        if isinstance(wait, Hold):
            again = (delivery, outcome.prepared, tries + 1)
            wait = wait.retry_after
        if wait is not None and wait <= MAX_INLINE_WAIT:
            rest = max(rest, wait)
        self.done.put((order, dest, self.steps.monotonic() + rest, again, error))


class SendingMarks:
    """Marks deliveries "sending" for the sending threads, together: each thread asks just
    before its own send. Up to `writers` writes run at once (a database that syncs each
    commit to disk takes milliseconds per commit, and commits at once share the sync); a
    thread that asks while they all run waits for the next write, which takes every key asked
    for meanwhile. Few commits for many deliveries, and none marked before the thread that
    sends it is about to."""

    def __init__(self, write: Callable[[list[str]], set[str]], writers: int = 3) -> None:
        self._write = write
        self._writers = max(1, writers)
        self._cond = threading.Condition()
        self._pending: list[str] = []
        self._writing = 0
        self._done: dict[str, bool | BaseException] = {}

    def mark(self, key: str) -> bool:
        """True once the delivery is marked; False if its claim is no longer this run's."""

        with self._cond:
            self._pending.append(key)
            while True:
                if key in self._done:
                    return self._answer(self._done.pop(key))
                if self._writing < self._writers and key in self._pending:
                    batch, self._pending = self._pending, []
                    self._writing += 1
                    break
                self._cond.wait()
        outcome: dict[str, bool | BaseException]
        try:
            won = self._write(batch)
            outcome = {k: k in won for k in batch}
        except BaseException as error:  # every thread of the batch gets it
            outcome = dict.fromkeys(batch, error)
        with self._cond:
            self._writing -= 1
            self._done.update(outcome)
            self._cond.notify_all()
            return self._answer(self._done.pop(key))

    @staticmethod
    def _answer(result: bool | BaseException) -> bool:
        if isinstance(result, BaseException):
            raise result
        return result
