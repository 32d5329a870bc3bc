"""The reminder service: plan what is due, claim each delivery in the database, send, mark.

Guarantees, and what gives each one:
- At most once: a delivery is claimed by inserting its unique key (series, meeting, rule,
  recipient, platform) in its own transaction before anything is sent. Two instances, a
  restart, or a tick that overlaps the last one all meet the same unique constraint.
- A crash between claim and mark leaves the row "sending"; a later run marks it "interrupted"
  and does not send it again (nobody can know whether it arrived; a second copy is the worse
  failure). The log and `samverkan reminders log` say so.
- The message is read from the database before the claim, so nothing but the send itself
  stands between claim and mark: a database that fails before the send leaves nothing claimed.
- After downtime, a delivery that fell due less than the grace period ago is sent on the next
  tick; an older one is recorded as "missed" and not sent.
- A platform's 429 is honoured per delivery (`retry_after`), other transient errors are retried
  with backoff up to a limit, then the delivery is "failed" and the administrators are told.
- A database that cannot be reached makes the tick fail as a whole. Claims it had made and not
  sent are given back, and sends it could not mark are marked, by the same process's next tick
  that reaches the database (kept in memory until then); the rest is that tick's work, inside
  the grace period. Only a process that dies leaves "interrupted" rows.

Sending (throughput): the deliveries of a tick are grouped per destination (platform and
recipient: one channel, or one person's direct messages) and sent concurrently across
destinations by a bounded pool of `workers` threads. One destination's deliveries go in the
planned order, one at a time, each starting at least the messenger's `min_interval` (seconds;
1.0 for Slack's one message a second per channel, 0 when a messenger has none) after the
platform answered the previous one to that destination, or `retry_after` after a 429. Each
delivery still goes prepare → claim → send → mark, but claims and marks are written in
batches (one commit for many deliveries); at most `claim_capacity` deliveries are ever between
claim and mark, so a crash leaves at most that many "interrupted", never one sent twice.
"""

from __future__ import annotations

import heapq
import logging
import queue
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.followup import milestone_reminders_due
from app.i18n import translator
from app.messages import Reply
from app.reminders import render_reminder
from domain.reminders import (
    GroupAudience,
    Member,
    Reminder,
    ReminderRules,
    due_reminders,
    previous_meeting_start,
)
from domain.schedule import Meeting
from scheduler.messenger import (
    Messenger,
    PermanentSendError,
    RateLimited,
    SendError,
    Target,
    TransientSendError,
)
from storage import models as m
from storage.models_reminders import OutboxDelivery
from storage.repositories import SqlStore, StoreFactory

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=10)
LOOKBACK = timedelta(days=3)
# How far ahead of now meetings are planned: the longest lead the configuration allows (update
# requests 60 days before, convener 30 working days before) plus the days off it may roll over.
PLAN_AHEAD = timedelta(days=75)

# A message ready to send, or the error code that says why there is none.
Prepared = tuple[Target, Reply] | str
# Threads that send one tick's deliveries (across destinations; one at a time per destination).
DEFAULT_WORKERS = 16
# A 429's Retry-After up to this (seconds) holds the destination's next delivery in the tick; a
# longer one does not hold the tick: the next delivery is tried and retried like the first.
MAX_INLINE_WAIT = 5.0
# How often one delivery is sent again within the tick after such a 429, before it is left to
# the retries of later ticks.
MAX_INLINE_TRIES = 3
# A destination with a delivery claimed by another instance less than this ago is its, for now.
BUSY_WINDOW = timedelta(minutes=1)
# Claims are made ahead, in batches: once a destination is due within CLAIM_SOON seconds, every
# destination due within CLAIM_AHEAD is claimed in the same transaction (one commit, not one per
# message). Marks as "sent" are written at least every MARK_EVERY seconds.
CLAIM_SOON = 0.05
CLAIM_AHEAD = 0.5
MARK_EVERY = 0.25
# (platform, "channel" or "person", group or person id): one queue, paced on its own.
Destination = tuple[str, str, str]


@dataclass(frozen=True)
class Delivery:
    reminder: Reminder
    platform: str

    @property
    def key(self) -> str:
        return f"{self.reminder.key}|{self.platform}"


@dataclass(frozen=True)
class Hold:
    """A 429 worth waiting for: the delivery is sent again, still claimed, after `retry_after`."""

    retry_after: float


@dataclass
class RunReport:
    sent: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    interrupted: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    would_send: list[str] = field(default_factory=list)


def default_instance_id() -> str:
    return f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"


class ReminderService:
    def __init__(
        self,
        stores: StoreFactory,
        messengers: Mapping[str, Messenger],
        clock: Callable[[], datetime],
        *,
        grace: timedelta = timedelta(hours=6),
        max_attempts: int = 5,
        instance_id: str | None = None,
        default_language: str = "sv",
        lookback: timedelta = LOOKBACK,
        workers: int = DEFAULT_WORKERS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stores = stores
        self.messengers = dict(messengers)
        self.clock = clock
        self.grace = grace
        self.max_attempts = max_attempts
        self.instance_id = instance_id or default_instance_id()
        self.default_language = default_language
        self.lookback = lookback
        self.workers = max(1, workers)
        # Deliveries claimed and not yet sent, at most: what a crash could leave "interrupted".
        self.claim_capacity = max(self.workers * 64, 256)
        self.monotonic = monotonic
        self._report_lock = threading.Lock()
        # Left by a tick whose database failed: sent but not yet marked, claimed but never sent.
        self._sent_unmarked: list[Delivery] = []
        self._unreleased: list[Delivery] = []

    # -- planning ---------------------------------------------------------------------------

    def due(self, now: datetime) -> list[Delivery]:
        """What is due at `now` (including the lookback), whether or not it was handled."""

        with self.stores() as store:
            return self._plan(store, now)

    def _plan(self, store: SqlStore, now: datetime) -> list[Delivery]:
        from app.schedule_text import schedule_of

        window = ((now - self.lookback).date(), (now + PLAN_AHEAD).date())
        meetings: list[Meeting] = []
        rules: dict[str, ReminderRules] = {}
        audiences: dict[str, GroupAudience] = {}
        reported: dict[str, frozenset[str]] = {}
        for group in store.calendar.groups():
            calendar = store.calendar.calendar(group.id)
            if calendar is None:
                continue
            all_meetings = schedule_of(store, group.id)
            near = [mt for mt in all_meetings if window[0] <= mt.start.date() <= window[1]]
            meetings.extend(near)
            rules.update(store.reminders.rules(group.id))
            audiences[group.id] = GroupAudience(
                group_id=group.id,
                has_channel=bool(self._channel_platforms(group.channels)),
                members=tuple(Member(pid, dm) for pid, dm in store.reminders.members(group.id)),
            )
            for meeting in near:
                since = previous_meeting_start(all_meetings, meeting)
                reported[meeting.id] = store.reminders.reported_since(group.id, since)
        deliveries: list[Delivery] = []
        for reminder in [
            *due_reminders(meetings, rules, audiences, reported, now=now,
                           lookback=self.lookback),
            # The plan's milestones (rule `milestone`): app/followup.py plans them.
            *milestone_reminders_due(store, now, self.lookback),
        ]:
            for platform in self._platforms_for(store, reminder):
                deliveries.append(Delivery(reminder, platform))
        return deliveries

    def _channel_platforms(self, channels: Mapping[str, str]) -> list[str]:
        platforms = list(channels)
        configured = [p for p in platforms if p in self.messengers]
        # Console and log messengers stand in for every channel (demo, dry runs).
        local = [p for p in self.messengers if p in ("console", "log")]
        return configured or (local if platforms or local else [])

    def _platforms_for(self, store: SqlStore, reminder: Reminder) -> list[str]:
        group = store.calendar.group(reminder.group_id)
        if reminder.person_id is None:
            if group is None:
                return []
            return self._channel_platforms(group.channels)
        known = store.reminders.platforms_of(reminder.person_id)
        # A person on several doors is written to once, on the first door registered.
        for platform in self.messengers:
            if platform in known:
                return [platform]
        local = [p for p in self.messengers if p in ("console", "log")]
        return local[:1]

    # -- running ---------------------------------------------------------------------------

    def run_once(self, now: datetime | None = None, *, dry_run: bool = False) -> RunReport:
        now = now or self.clock()
        report = RunReport()
        if not dry_run:
            self._settle_last_tick(now, report)
            self._mark_interrupted(now, report)
        deliveries = self.due(now)
        with self.stores() as store:
            handled = store.reminders.claims([d.key for d in deliveries])
        if dry_run:
            report.would_send = [d.key for d in deliveries if d.key not in handled]
            return report
        # A destination another instance claimed for moments ago is being worked through by it:
        # left to it this tick, so that the destination's pace holds across instances too.
        busy = {
            self._destination(d) for d in deliveries
            if d.key in handled and handled[d.key][0] != self.instance_id
            and now - handled[d.key][1] < BUSY_WINDOW
        }
        to_send: list[Delivery] = []
        for delivery in deliveries:
            if delivery.key in handled or self._destination(delivery) in busy:
                report.skipped.append(delivery.key)
                continue
            if now - delivery.reminder.due_at <= self.grace:
                to_send.append(delivery)
                continue
            if not self._claim(delivery, now, "missed"):
                report.skipped.append(delivery.key)
                continue
            log.warning(
                "reminder missed",
                extra={"rule": delivery.reminder.rule, "group": delivery.reminder.group_id},
            )
            report.missed.append(delivery.key)
        self._deliver_all(to_send, now, report)
        self._run_retries(now, report)
        return report

    # -- the send pipeline ------------------------------------------------------------------

    @staticmethod
    def _destination(delivery: Delivery) -> Destination:
        """Where a delivery lands: one channel of a group, or one person's direct messages."""

        reminder = delivery.reminder
        if reminder.person_id is None:
            return (delivery.platform, "channel", reminder.group_id)
        return (delivery.platform, "person", reminder.person_id)

    def interval(self, platform: str) -> float:
        """Seconds between two messages to one destination on `platform` (0: no limit)."""

        return float(getattr(self.messengers.get(platform), "min_interval", 0.0) or 0.0)

    def _deliver_one(self, delivery: Delivery, now: datetime, report: RunReport) -> None:
        """Prepare, claim, send, mark one delivery (the messenger paces its own sends)."""

        prepared = self._prepare(delivery)
        if not self._claim(delivery, now, "sending"):
            with self._report_lock:
                report.skipped.append(delivery.key)
            return
        self._send(delivery, prepared, now, report)

    def _deliver_all(self, deliveries: list[Delivery], now: datetime, report: RunReport) -> None:
        """Sends per destination in order, paced, concurrently across destinations.

        The calling thread schedules. Each destination is in one place at a time: waiting (a
        heap by the time its next delivery may start), claimed (its next delivery claimed and
        waiting for that time), in flight in the pool, or done. Claims are made ahead and in
        batches: once the earliest waiting destination is almost due, every destination due
        within `CLAIM_AHEAD` has its next delivery's message read and claimed in one
        transaction (in key order, so two instances never deadlock). A finished delivery puts
        its destination back at finish + interval (or after a 429's Retry-After). Sent
        deliveries are marked in batches too: a crash before the mark leaves them "sending",
        later "interrupted", never sent twice. At most `claim_capacity` deliveries are claimed
        and not yet sent at any time. An error in any delivery (a database that fails) stops
        the scheduling, releases the claims not yet started, lets the deliveries in flight
        finish, marks what was sent, and is raised: the tick fails as a whole, as before.
        """

        queues: dict[Destination, deque[Delivery]] = {}
        for delivery in deliveries:
            queues.setdefault(self._destination(delivery), deque()).append(delivery)
        if not queues:
            return
        if self.workers == 1 or (len(queues) == 1 and not any(
            self.interval(dest[0]) for dest in queues
        )):
            for delivery in deliveries:
                self._deliver_one(delivery, now, report)
            return
        capacity = self.claim_capacity
        start = self.monotonic()
        waiting = [(start, order, dest) for order, dest in enumerate(queues)]
        heapq.heapify(waiting)
        # (when it may start, destination's order, destination, delivery, message, tries so far)
        claimed: list[tuple[float, int, Destination, Delivery, Prepared, int]] = []
        # (destination's order, destination, when its next delivery may start, the delivery
        # again after a short 429 (still claimed, so it keeps its place), error)
        Again = tuple[Delivery, Prepared, int] | None
        Done = tuple[int, Destination, float, Again, BaseException | None]
        done: queue.SimpleQueue[Done] = queue.SimpleQueue()
        unmarked: list[Delivery] = []

        def job(order: int, dest: Destination, delivery: Delivery, prepared: Prepared,
                tries: int) -> None:
            error, again = None, None
            try:
                retry_after = self._send(delivery, prepared, now, report, unmarked=unmarked,
                                         hold=tries < MAX_INLINE_TRIES)
            except BaseException as caught:  # handed to the scheduling thread, raised there
                error, retry_after = caught, None
            # The destination's next message may start one interval after the platform has
            # answered this one (so the two cannot arrive within one interval, whatever the
            # delays on the way); after a 429, once the platform's Retry-After has passed.
            rest = self.interval(delivery.platform)
            if isinstance(retry_after, Hold):
                again = (delivery, prepared, tries + 1)
                retry_after = retry_after.retry_after
            if retry_after is not None and retry_after <= MAX_INLINE_WAIT:
                rest = max(rest, retry_after)
            done.put((order, dest, self.monotonic() + rest, again, error))

        def claim_ahead(clock: float) -> None:
            picked: list[tuple[float, int, Destination]] = []
            while (waiting and waiting[0][0] <= clock + CLAIM_AHEAD
                   and in_flight + len(claimed) + len(picked) < capacity):
                picked.append(heapq.heappop(waiting))
            batch = [queues[dest].popleft() for _at, _order, dest in picked]
            prepared = [self._prepare(delivery) for delivery in batch]
            won = self._claim_many(batch, now)
            for (at, order, dest), delivery, message in zip(picked, batch, prepared, strict=True):
                if delivery.key in won:
                    heapq.heappush(claimed, (at, order, dest, delivery, message, 0))
                    continue
                # Another instance claimed it first: it is working through this destination
                # now, so this one leaves it (its pacing holds only within one process). What
                # that instance does not get to is sent by a later tick.
                report.skipped.append(delivery.key)
                queues[dest].clear()

        failure: BaseException | None = None
        in_flight = 0
        last_mark = self.monotonic()
        with ThreadPoolExecutor(self.workers, thread_name_prefix="reminders") as pool:
            try:
                while waiting or claimed or in_flight:
                    clock = self.monotonic()
                    # Claim in batches, not one commit per finished delivery: only when there
                    # is room for a good batch, or when nothing else is claimed to go on with.
                    room = capacity - in_flight - len(claimed)
                    if (waiting and waiting[0][0] <= clock + CLAIM_SOON
                            and (room >= capacity // 8 or (room > 0 and not claimed))):
                        claim_ahead(clock)
                    while claimed and claimed[0][0] <= self.monotonic():
                        _at, order, dest, delivery, message, tries = heapq.heappop(claimed)
                        pool.submit(job, order, dest, delivery, message, tries)
                        in_flight += 1
                    if unmarked and (not in_flight or len(unmarked) >= capacity
                                     or self.monotonic() - last_mark > MARK_EVERY):
                        self._mark_sent(unmarked, now, report)
                        last_mark = self.monotonic()
                    wake = [self.monotonic() + MARK_EVERY]
                    if claimed:
                        wake.append(claimed[0][0])
                    if waiting and capacity - in_flight - len(claimed) >= capacity // 8:
                        wake.append(waiting[0][0] - CLAIM_SOON)
                    timeout = max(0.0, min(wake) - self.monotonic())
                    if not in_flight:
                        if timeout > 0:
                            threading.Event().wait(timeout)
                        continue
                    try:
                        order, dest, next_at, again, error = done.get(timeout=timeout)
                    except queue.Empty:
                        continue
                    in_flight -= 1
                    if error is not None:
                        failure = failure or error
                        waiting.clear()
                    elif again is not None and failure is None:
                        heapq.heappush(claimed, (next_at, order, dest, *again))
                    elif again is not None:
                        self._release([again[0]])
                    elif queues[dest] and failure is None:
                        heapq.heappush(waiting, (next_at, order, dest))
                    if failure is not None and claimed:
                        self._release([entry[3] for entry in claimed])
                        claimed.clear()
            except BaseException as error:
                failure = failure or error
                waiting.clear()
                if claimed:
                    self._release([entry[3] for entry in claimed])
                    claimed.clear()
                held = []
                while in_flight:
                    again = done.get()[3]
                    in_flight -= 1
                    if again is not None:
                        held.append(again[0])
                if held:
                    self._release(held)
            finally:
                if unmarked:
                    try:
                        self._mark_sent(unmarked, now, report)
                    except SQLAlchemyError as error:
                        # Sent, but the database would not say so now: the next tick will.
                        with self._report_lock:
                            self._sent_unmarked.extend(unmarked)
                        failure = failure or error
        if failure is not None:
            raise failure

    def _claim_many(self, deliveries: list[Delivery], now: datetime) -> set[str]:
        """Claims in one transaction, each row in its own savepoint; answers the keys won."""

        ordered = sorted(deliveries, key=lambda d: d.key)
        if not ordered:
            return set()
        won: set[str] = set()
        with self.stores() as store:
            try:  # the usual case: none was claimed before, one insert of them all
                with store.session.begin_nested():
                    store.session.execute(
                        insert(OutboxDelivery),
                        [self._outbox_values(d, now, "sending") for d in ordered],
                    )
                return {d.key for d in ordered}
            except IntegrityError:
                pass
            for delivery in ordered:
                try:
                    with store.session.begin_nested():
                        store.session.execute(
                            insert(OutboxDelivery), [self._outbox_values(delivery, now, "sending")]
                        )
                except IntegrityError:
                    continue
                won.add(delivery.key)
        return won

    def _release(self, deliveries: list[Delivery]) -> None:
        """Gives back claims that were never sent, so that a later tick sends them. If the
        database cannot be reached now, they are kept and given back at the next tick."""

        try:
            self._give_back([d.key for d in deliveries])
        except SQLAlchemyError:
            log.warning("claims not released yet; the next tick releases them",
                        extra={"count": len(deliveries)})
            with self._report_lock:
                self._unreleased.extend(deliveries)

    def _give_back(self, keys: list[str]) -> None:
        with self.stores() as store:
            store.session.execute(
                delete(OutboxDelivery).where(
                    OutboxDelivery.key.in_(keys),
                    OutboxDelivery.status == "sending",
                    OutboxDelivery.claimed_by == self.instance_id,
                )
            )

    def _settle_last_tick(self, now: datetime, report: RunReport) -> None:
        """What a tick that failed on the database left to write: sends to mark "sent" (also
        if another instance has meanwhile called them interrupted: they did go out), claims
        never sent to give back. Raises while the database still fails; kept until it works."""

        with self._report_lock:
            unmarked, unreleased = list(self._sent_unmarked), list(self._unreleased)
        if unmarked:
            with self.stores() as store:
                store.session.execute(
                    update(OutboxDelivery)
                    .where(
                        OutboxDelivery.key.in_([d.key for d in unmarked]),
                        OutboxDelivery.status.in_(("sending", "interrupted")),
                        OutboxDelivery.claimed_by == self.instance_id,
                    )
                    .values(status="sent", finished_at=now, last_error="")
                )
            report.sent.extend(d.key for d in unmarked)
            with self._report_lock:
                del self._sent_unmarked[: len(unmarked)]
        if unreleased:
            self._give_back([d.key for d in unreleased])
            with self._report_lock:
                del self._unreleased[: len(unreleased)]

    def _mark_sent(self, unmarked: list[Delivery], now: datetime, report: RunReport) -> None:
        """Marks a batch "sent"; it leaves `unmarked` only once the database has said yes."""

        taken = list(unmarked)
        keys = [d.key for d in taken]
        with self.stores() as store:
            store.session.execute(
                update(OutboxDelivery)
                .where(OutboxDelivery.key.in_(keys))
                .values(status="sent", finished_at=now, last_error="")
            )
        del unmarked[: len(taken)]
        report.sent.extend(keys)

    def _claim(self, delivery: Delivery, now: datetime, status: str) -> bool:
        try:
            with self.stores() as store:
                store.session.add(self._outbox_row(delivery, now, status))
        except IntegrityError:
            return False
        return True

    def _outbox_row(self, delivery: Delivery, now: datetime, status: str) -> OutboxDelivery:
        return OutboxDelivery(**self._outbox_values(delivery, now, status))

    def _outbox_values(self, delivery: Delivery, now: datetime, status: str) -> dict[str, object]:
        reminder = delivery.reminder
        return {
            "key": delivery.key,
            "reminder_key": reminder.key,
            "rule": reminder.rule,
            "group_id": reminder.group_id,
            "series_id": reminder.series_id,
            "meeting_id": reminder.meeting_id,
            "meeting_start": reminder.meeting_start,
            "recipient": reminder.recipient,
            "platform": delivery.platform,
            "due_at": reminder.due_at,
            "status": status,
            "attempts": 0,
            "claimed_by": self.instance_id,
            "claimed_at": now,
            "finished_at": now if status == "missed" else None,
        }

    def _run_retries(self, now: datetime, report: RunReport) -> None:
        """Each retry that is due: read its message, claim it, send it, one at a time."""

        with self.stores() as store:
            rows = store.session.scalars(
                select(OutboxDelivery).where(
                    OutboxDelivery.status == "retry", OutboxDelivery.next_attempt_at <= now
                )
            ).all()
            candidates = [(row.id, self._reminder_of(row), row.platform) for row in rows]
        for row_id, reminder, platform in candidates:
            delivery = Delivery(reminder, platform)
            prepared = self._prepare(delivery)
            with self.stores() as store:
                result = store.session.execute(
                    update(OutboxDelivery)
                    .where(OutboxDelivery.id == row_id, OutboxDelivery.status == "retry")
                    .values(status="sending", claimed_by=self.instance_id, claimed_at=now)
                )
                claimed = result.rowcount == 1  # type: ignore[attr-defined]
            if claimed:
                self._send(delivery, prepared, now, report)

    @staticmethod
    def _reminder_of(row: OutboxDelivery) -> Reminder:
        return Reminder(
            key=row.reminder_key,
            rule=row.rule,  # type: ignore[arg-type]
            group_id=row.group_id,
            meeting_id=row.meeting_id,
            series_id=row.series_id,
            meeting_start=row.meeting_start,
            recipient=row.recipient,
            due_at=row.due_at,
        )

    def _mark_interrupted(self, now: datetime, report: RunReport) -> None:
        # One conditional UPDATE, not read-then-write: a bot that marks the same rows "sent"
        # meanwhile (settling a tick the database cut off) must win, not be overwritten.
        with self.stores() as store:
            rows = store.session.execute(
                update(OutboxDelivery)
                .where(
                    OutboxDelivery.status == "sending",
                    OutboxDelivery.claimed_at < now - STALE_CLAIM,
                )
                .values(status="interrupted", finished_at=now,
                        last_error="process stopped between claim and mark")
                .returning(OutboxDelivery.key, OutboxDelivery.rule, OutboxDelivery.group_id)
            ).all()
        for key, rule, group_id in rows:
            report.interrupted.append(key)
            log.warning(
                "reminder delivery interrupted; not sent again",
                extra={"rule": rule, "group": group_id},
            )

    def _prepare(self, delivery: Delivery) -> Prepared:
        try:
            target, reply = self._message(delivery)
        except LookupError as error:
            return str(error)
        return (target, reply) if reply is not None else "meeting_gone"

    def _send(
        self,
        delivery: Delivery,
        prepared: Prepared,
        now: datetime,
        report: RunReport,
        *,
        unmarked: list[Delivery] | None = None,
        hold: bool = False,
    ) -> float | Hold | None:
        """Sends and marks; answers the platform's `retry_after` when it said 429. With
        `unmarked`, a delivery that went out is put there, for the caller to mark "sent". With
        `hold`, a 429 short enough to wait for (`MAX_INLINE_WAIT`) is answered as `Hold`: the
        delivery stays claimed and unmarked, for the caller to send again after the wait."""

        if isinstance(prepared, str):
            self._finish(delivery, now, "failed", prepared, report.failed)
            return None
        target, reply = prepared
        messenger = self.messengers[delivery.platform]
        try:
            messenger.send(target, reply)
        except RateLimited as error:
            if hold and error.retry_after <= MAX_INLINE_WAIT:
                return Hold(error.retry_after)
            self._retry(
                delivery,
                now,
                error,
                now + timedelta(seconds=error.retry_after),
                report,
                counts=False,
            )
            return error.retry_after
        except TransientSendError as error:
            self._retry(delivery, now, error, None, report, counts=True)
        except (PermanentSendError, SendError) as error:
            self._finish(delivery, now, "failed", error.code, report.failed)
            self._alert_admins(delivery, error.code)
        except Exception as error:
            # A messenger fault we did not foresee is treated as transient: retried with
            # backoff, then failed and reported, never left looking like a crash.
            log.exception(
                "messenger raised an unexpected error", extra={"rule": delivery.reminder.rule}
            )
            self._retry(
                delivery, now, TransientSendError(type(error).__name__), None, report, counts=True
            )
        else:
            if unmarked is not None:
                unmarked.append(delivery)
                return None
            try:
                self._finish(delivery, now, "sent", "", report.sent)
            except SQLAlchemyError:
                with self._report_lock:  # it went out; the next tick marks it
                    self._sent_unmarked.append(delivery)
                raise
        return None

    def _message(self, delivery: Delivery) -> tuple[Target, Reply | None]:
        reminder = delivery.reminder
        with self.stores() as store:
            group = store.calendar.group(reminder.group_id)
            if group is None:
                raise LookupError("group_gone")
            if reminder.person_id is None:
                address = group.channels.get(delivery.platform) or group.id
                target = Target(
                    "channel",
                    delivery.platform,
                    address,
                    group_id=group.id,
                    label=f"#{group.short_name}",
                )
                language = self.default_language
            else:
                person = store.people.get(reminder.person_id)
                if person is None or not person.active:
                    raise LookupError("person_gone")
                address = store.reminders.platforms_of(person.id).get(delivery.platform, person.id)
                target = Target(
                    "person",
                    delivery.platform,
                    address,
                    group_id=group.id,
                    person_id=person.id,
                    label=person.name,
                )
                language = person.language
            return target, render_reminder(store, reminder, language)

    def _retry(
        self,
        delivery: Delivery,
        now: datetime,
        error: SendError,
        at: datetime | None,
        report: RunReport,
        *,
        counts: bool,
    ) -> None:
        with self.stores() as store:
            row = store.session.scalars(
                select(OutboxDelivery).where(OutboxDelivery.key == delivery.key)
            ).one()
            attempts = row.attempts + (1 if counts else 0)
            # Rate limits do not count as attempts, but a reminder the platform still will not
            # take once the grace period is over has become useless: it fails and is reported.
            too_late = not counts and now - delivery.reminder.due_at > self.grace
            if attempts >= self.max_attempts or too_late:
                row.status, row.finished_at, row.last_error = "failed", now, error.code
                row.attempts = attempts
                report.failed.append(delivery.key)
                failed = True
            else:
                backoff = timedelta(seconds=30 * 2 ** max(0, attempts - 1))
                row.status, row.attempts, row.last_error = "retry", attempts, error.code
                row.next_attempt_at = at or now + backoff
                report.retrying.append(delivery.key)
                failed = False
        if failed:
            self._alert_admins(delivery, error.code)

    def _finish(
        self, delivery: Delivery, now: datetime, status: str, error: str, bucket: list[str]
    ) -> None:
        with self.stores() as store:
            store.session.execute(
                update(OutboxDelivery)
                .where(OutboxDelivery.key == delivery.key)
                .values(status=status, finished_at=now, last_error=error)
            )
        bucket.append(delivery.key)
        if status == "failed":
            log.error(
                "reminder delivery failed",
                extra={
                    "rule": delivery.reminder.rule,
                    "group": delivery.reminder.group_id,
                    "code": error,
                },
            )

    def _alert_admins(self, delivery: Delivery, code: str) -> None:
        """Tells each administrator directly; an alert that fails is only logged."""

        with self.stores() as store:
            admins = store.session.scalars(
                select(m.Person).where(m.Person.is_admin, m.Person.active)
            ).all()
            group = store.calendar.group(delivery.reminder.group_id)
            recipients = [
                (a.id, a.name, a.language, store.reminders.platforms_of(a.id)) for a in admins
            ]
        for person_id, name, language, platforms in recipients:
            t = translator(language)
            reply = Reply.text(
                t(
                    "reminder.failed_alert",
                    group=group.name if group else "?",
                    rule=t(f"reminder.rule.{delivery.reminder.rule}"),
                    code=code,
                )
            )
            for platform, messenger in self.messengers.items():
                address = platforms.get(platform, person_id)
                try:
                    messenger.send(
                        Target("person", platform, address, person_id=person_id, label=name),
                        reply,
                    )
                    break
                except SendError:
                    log.error("administrator alert failed", extra={"platform": platform})
