"""The reminder service: plan what is due, claim each delivery in the outbox, send, mark.

The outbox's states (`storage/outbox_repo.py`): claimed → sending → sent, and retry, failed,
missed, interrupted. Guarantees, and what gives each one:
- At most once: a delivery is claimed by inserting its unique key (series, meeting, rule,
  recipient, platform) before anything is sent. Two instances, a restart, or a tick that
  overlaps the last one all meet the same unique constraint.
- "claimed" means nothing has gone to the platform yet. The preparation happens under the
  claim: the message is read and rendered, and the messenger prepares the target (Slack's
  `conversations.open`, Teams' 1:1 conversation). Only then, immediately before the one HTTP
  call that delivers it, is the delivery marked "sending", by a conditional update that only
  the holder of the claim can make; the send follows that commit.
- A crash before that leaves the row "claimed": a later run takes over a claim older than
  `STALE_CLAIM`, or at once one whose process it knows has died (same host, process gone:
  `scheduler/instances.py`), and sends it (its claimer can no longer mark it "sending", so it
  is sent once).
- A crash after it leaves the row "sending": a later run marks it "interrupted" once it is
  `STALE_CLAIM` old and does not send it again (nobody can know whether it arrived; a second
  copy is the worse failure). The log and `samverkan reminders log` say so. A crash leaves
  "sending" the deliveries in a send at that moment (at most one per sending thread,
  `workers`) and those the platform had accepted whose "sent" mark was not yet written
  (marks are batched): none of them is sent again.
- After downtime, a delivery that fell due less than the grace period ago is sent on the next
  tick; an older one is recorded as "missed" and not sent (a stale claim as well).
- A platform's 429 is honoured per delivery (`retry_after`): a short one is waited out within
  the tick (the row goes back to "claimed" meanwhile), a longer one is a retry at that time.
  Other transient errors, in the preparation or the send, are retried with backoff up to a
  limit, then the delivery is "failed" and the administrators are told.
- A database that cannot be reached makes the tick fail as a whole. Claims it had made and not
  sent are sent, and sends it could not mark are marked, by the same process's next tick that
  reaches the database (kept in memory until then; a claim it could give back is given back);
  the rest is that tick's work, inside the grace period. Only a process that dies (or a mark
  as "sending" whose commit the outage left in doubt) leaves "interrupted" rows.

Sending (throughput, `scheduler/delivery.py`): per destination in order, paced by the
messenger's `min_interval` (the one place reminders are paced), concurrently across
destinations by a pool of `workers` threads. Claims and "sent" marks are written in batches
(one commit for many deliveries), at most `claim_capacity` deliveries between claim and mark.
"sending" is asked for by each thread just before its own send; the threads asking at the
same moment share a commit (`SendingMarks`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.agenda import answer_message
from app.announcements import CYCLE_RULES
from app.i18n import translator
from app.messages import Reply
from app.reminders import render_reminder
from domain.agenda import answered_number
from domain.model import GroupInfo
from domain.reminders import Delivery
from scheduler.delivery import (
    MAX_INLINE_WAIT,
    DeliveryLoop,
    Destination,
    Hold,
    Outcome,
    SendingMarks,
    Steps,
    destination,
)
from scheduler.instances import default_instance_id, known_dead
from scheduler.messenger import (
    Messenger,
    PermanentSendError,
    RateLimited,
    SendError,
    Target,
    TransientSendError,
)
from scheduler.planning import LOOKBACK, Plan, Planner
from storage.outbox_repo import DatabaseError
from storage.repositories import StoreFactory

__all__ = ["DEFAULT_WORKERS", "STALE_CLAIM", "Delivery", "Destination", "Prepared",
           "ReminderService", "RunReport"]

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=10)
# Threads that send one tick's deliveries (across destinations; one at a time per destination).
# Each waits out a durable commit (the "sending" mark) before its send, so more threads than the
# sends alone would need: 32 keep 10,000 reminders within 1.2 x the pacing bound on PostgreSQL
# (16 took 1.35 x; bench/reminder_throughput.py).
DEFAULT_WORKERS = 32
# A destination with a delivery claimed by another instance less than this ago is its, for now.
BUSY_WINDOW = timedelta(minutes=1)
# A message ready to send, or the error code that says why there is none.
Prepared = tuple[Target, Reply] | str


@dataclass
class RunReport:
    sent: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    interrupted: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    would_send: list[str] = field(default_factory=list)


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
        sleep: Callable[[float], None] = time.sleep,
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
        # Deliveries claimed and not yet finished, at most.
        self.claim_capacity = max(self.workers * 64, 256)
        self.monotonic = monotonic
        self.sleep = sleep
        self.planner = Planner(self.messengers, lookback)
        self._plan = Plan()
        self._marks = SendingMarks(lambda _keys: set())
        self._lock = threading.Lock()
        # Left by a tick whose database failed: sent but not yet marked; claimed but never
        # handed to the platform (still this instance's: the next tick sends them).
        self._sent_unmarked: list[Delivery] = []
        self._held: list[Delivery] = []

    # -- planning ---------------------------------------------------------------------------

    def due(self, now: datetime) -> list[Delivery]:
        """What is due at `now` (including the lookback), whether or not it was handled."""

        with self.stores() as store:
            self._plan = self.planner.plan(store, now)
        return list(self._plan.deliveries)

    def interval(self, platform: str) -> float:
        """Seconds between two messages to one destination on `platform` (0: no limit)."""

        messenger = self.messengers.get(platform)
        return float(messenger.min_interval) if messenger is not None else 0.0

    # -- running ---------------------------------------------------------------------------

    def run_once(self, now: datetime | None = None, *, dry_run: bool = False) -> RunReport:
        now = now or self.clock()
        report = RunReport()
        self._marks = SendingMarks(lambda keys: self._mark_sending(keys, now))
        held = [] if dry_run else self._settle_last_tick(now, report)
        try:
            if not dry_run:
                self._interrupt_stale(now, report)
            self._plan_and_send(now, report, dry_run=dry_run)
        except BaseException:
            with self._lock:  # still claimed by this instance: the next tick sends them
                self._held.extend(held)
            raise
        if not dry_run:
            self._send_claimed(now, report, held)
        return report

    def _plan_and_send(self, now: datetime, report: RunReport, *, dry_run: bool) -> None:
        deliveries = self.due(now)
        with self.stores() as store:
            handled = store.outbox.claims([d.key for d in deliveries])
        if dry_run:
            report.would_send = [d.key for d in deliveries if d.key not in handled]
            return
        # A destination another instance claimed for moments ago is being worked through by it:
        # left to it this tick, so that the destination's pace holds across instances too.
        busy = {
            destination(d) for d in deliveries
            if d.key in handled and handled[d.key].claimed_by != self.instance_id
            and now - handled[d.key].claimed_at < BUSY_WINDOW
        }
        to_send: list[Delivery] = []
        late: list[Delivery] = []
        for delivery in deliveries:
            if delivery.key in handled or destination(delivery) in busy:
                report.skipped.append(delivery.key)
            elif now - delivery.reminder.due_at <= self.grace:
                to_send.append(delivery)
            else:
                late.append(delivery)
        self._record_missed(late, now, report)
        self._loop(now, report).run(to_send)

    def _loop(self, now: datetime, report: RunReport) -> DeliveryLoop:
        def job(delivery: Delivery, prepared: object, *, hold: bool,
                unmarked: list[Delivery]) -> Outcome:
            return self._deliver(delivery, now, report, prepared=prepared, hold=hold,
                                 unmarked=unmarked)

        def keep_unmarked(left: list[Delivery]) -> None:
            with self._lock:
                self._sent_unmarked.extend(left)

        steps = Steps(
            claim=lambda batch: self._claim(batch, now), job=job,
            mark_sent=lambda unmarked: self._mark_sent(unmarked, now, report),
            release=self._release, interval=self.interval,
            skipped=lambda delivery: report.skipped.append(delivery.key),
            monotonic=self.monotonic, sleep=self.sleep, unmarked_left=keep_unmarked,
            is_database_error=lambda error: isinstance(error, DatabaseError),
        )
        return DeliveryLoop(steps, workers=self.workers, capacity=self.claim_capacity)

    def _claim(self, batch: list[Delivery], now: datetime) -> set[str]:
        """Claims a batch in one transaction; answers the keys won."""

        with self.stores() as store:
            return store.outbox.claim(batch, by=self.instance_id, at=now)

    def _record_missed(self, late: list[Delivery], now: datetime, report: RunReport) -> None:
        if not late:
            return
        with self.stores() as store:
            won = store.outbox.claim(late, by=self.instance_id, at=now, status="missed")
        for delivery in late:
            if delivery.key not in won:
                report.skipped.append(delivery.key)
                continue
            log.warning(
                "reminder missed",
                extra={"rule": delivery.reminder.rule, "group": delivery.reminder.group_id},
            )
            report.missed.append(delivery.key)

    def _send_claimed(self, now: datetime, report: RunReport, held: list[Delivery]) -> None:
        """Claims this instance still holds from a tick the database cut off, claims another
        run left stale before their send, and retries that are due: each claimed by this run,
        then prepared, marked "sending" and sent, one at a time (past the grace period, a
        claim that never went out is recorded "missed")."""

        try:
            with self.stores() as store:
                dead = {c for c in store.outbox.claimers() if known_dead(c)}
                stale = store.outbox.reclaim_stale(now - STALE_CLAIM, now, by=self.instance_id,
                                                   dead=dead)
                retries = store.outbox.claim_retries(now, by=self.instance_id)
        except DatabaseError:
            with self._lock:
                self._held.extend(held)
            raise
        if stale:
            log.warning("reminders claimed by a stopped run are sent now",
                        extra={"count": len(stale)})
        kept = {d.key for d in held}
        claimed = [*held, *(d for d in stale if d.key not in kept)]
        for number, delivery in enumerate(claimed):
            try:
                if now - delivery.reminder.due_at > self.grace:
                    self._finish(delivery, now, "missed", "", report.missed)
                else:
                    self._deliver(delivery, now, report)
            except DatabaseError:
                with self._lock:  # still claimed by this instance: the next tick goes on
                    self._held.extend(claimed[number + 1 :])
                raise
        for delivery in retries:
            self._deliver(delivery, now, report)

    # -- one delivery -----------------------------------------------------------------------

    def _deliver(
        self,
        delivery: Delivery,
        now: datetime,
        report: RunReport,
        *,
        prepared: object = None,
        unmarked: list[Delivery] | None = None,
        hold: bool = False,
    ) -> Outcome:
        """A claimed delivery: prepare it (unless a held 429 left it prepared), mark it
        "sending", send it, mark it. With `unmarked`, a delivery that went out is put there,
        for the caller to mark "sent". With `hold`, a 429 short enough to wait for
        (`MAX_INLINE_WAIT`) is answered as `Hold`: the delivery goes back to "claimed", for the
        caller to send again after the wait."""

        messenger = self.messengers[delivery.platform]
        ready: tuple[Target, Reply]
        try:
            if isinstance(prepared, tuple):
                ready = prepared
            else:
                message = self._message(delivery)
                if isinstance(message, str):
                    self._finish(delivery, now, "failed", message, report.failed)
                    return Outcome()
                target, reply = message
                try:
                    ready = (messenger.prepare(target), reply)
                except Exception as error:  # classified like a send's
                    return Outcome(self._not_sent(delivery, now, report, error, hold=False))
            marked = self._marks.mark(delivery.key)
        except DatabaseError:
            # Nothing went to the platform: the claim is kept, and the next tick sends it.
            with self._lock:
                self._held.append(delivery)
            raise
        if not marked:  # another run took the claim over: it sends it
            report.skipped.append(delivery.key)
            return Outcome()
        try:
            messenger.send(*ready)
        except Exception as error:
            return Outcome(self._not_sent(delivery, now, report, error, hold=hold), ready)
        if unmarked is not None:
            unmarked.append(delivery)
            return Outcome()
        try:
            self._finish(delivery, now, "sent", "", report.sent)
        except DatabaseError:
            with self._lock:  # it went out; the next tick marks it
                self._sent_unmarked.append(delivery)
            raise
        return Outcome()

    def _not_sent(self, delivery: Delivery, now: datetime, report: RunReport,
                  error: Exception, *, hold: bool) -> float | Hold | None:
        """Records why a delivery did not go out (the platform refused it, or its preparation
        failed); answers the platform's `retry_after` after a 429, or a `Hold`."""

        if isinstance(error, RateLimited):
            if hold and error.retry_after <= MAX_INLINE_WAIT:
                with self.stores() as store:
                    store.outbox.unsend(delivery.key, by=self.instance_id)
                return Hold(error.retry_after)
            at = now + timedelta(seconds=error.retry_after)
            self._retry(delivery, now, error, at, report, counts=False)
            return error.retry_after
        if isinstance(error, TransientSendError):
            self._retry(delivery, now, error, None, report, counts=True)
        elif isinstance(error, (PermanentSendError, SendError)):
            self._finish(delivery, now, "failed", error.code, report.failed)
            self._alert_admins(delivery, error.code)
        else:
            # A messenger fault we did not foresee is treated as transient: retried with
            # backoff, then failed and reported, never left looking like a crash.
            log.error("messenger raised an unexpected error",
                      extra={"rule": delivery.reminder.rule}, exc_info=error)
            self._retry(delivery, now, TransientSendError(type(error).__name__), None, report,
                        counts=True)
        return None

    def _message(self, delivery: Delivery) -> Prepared:
        """Where the delivery goes and what it says, from this tick's plan; or why not."""

        reminder = delivery.reminder
        group = self._plan.groups.get(reminder.group_id)
        if group is None:
            return "group_gone"
        question = answered_number(reminder)
        if question is not None:
            return self._answer(delivery, group, question)
        meeting = self._plan.meeting(reminder)
        # An announcement is about a change (a cancellation too): it is worded from the change.
        # A milestone's reminder has no meeting (`app.followup` renders it from the plan).
        if reminder.rule not in (*CYCLE_RULES, "milestone") and (
            meeting is None or meeting.status == "cancelled"
        ):
            return "meeting_gone"
        with self.stores() as store:
            if reminder.person_id is None:
                address = group.channels.get(delivery.platform) or group.id
                target = Target("channel", delivery.platform, address, group_id=group.id,
                                label=f"#{group.short_name}")
                language = self.default_language
            else:
                person = store.people.get(reminder.person_id)
                if person is None or not person.active:
                    return "person_gone"
                address = store.reminders.platforms_of(person.id).get(delivery.platform,
                                                                      person.id)
                target = Target("person", delivery.platform, address, group_id=group.id,
                                person_id=person.id, label=person.name)
                language = person.language
            reply = render_reminder(store, reminder, language, group=group, meeting=meeting)
        return (target, reply) if reply is not None else "meeting_gone"

    def _answer(self, delivery: Delivery, group: GroupInfo, question: int) -> Prepared:
        """An answered question, to the channel of the group that raised it."""

        target = Target("channel", delivery.platform,
                        group.channels.get(delivery.platform) or group.id, group_id=group.id,
                        label=f"#{group.short_name}")
        with self.stores() as store:
            item = store.agenda.item(question)
            reply = answer_message(store, item, self.default_language) if item else None
        return (target, reply) if reply is not None else "question_gone"

    # -- the outbox --------------------------------------------------------------------------

    def _mark_sending(self, keys: list[str], now: datetime) -> set[str]:
        """claimed → sending for these keys, in one commit; answers those marked."""

        with self.stores() as store:
            return store.outbox.mark_sending(keys, by=self.instance_id, at=now)

    def _release(self, deliveries: list[Delivery]) -> None:
        """Gives back claims that were never sent, so that a later tick (of any instance)
        sends them. If the database cannot be reached now, this instance keeps them, and its
        next tick sends them."""

        try:
            with self.stores() as store:
                store.outbox.release([d.key for d in deliveries], by=self.instance_id)
        except DatabaseError:
            log.warning("claims kept; the next tick sends them", extra={"count": len(deliveries)})
            with self._lock:
                self._held.extend(deliveries)

    def _settle_last_tick(self, now: datetime, report: RunReport) -> list[Delivery]:
        """What a tick that failed on the database left: sends to mark "sent" (also if another
        instance has meanwhile called them interrupted: they did go out), and the claims it
        still holds, answered for this tick to send. Raises while the database still fails;
        kept until it works."""

        with self._lock:
            unmarked = list(self._sent_unmarked)
        if unmarked:
            with self.stores() as store:
                store.outbox.mark_sent([d.key for d in unmarked], at=now, by=self.instance_id)
            report.sent.extend(d.key for d in unmarked)
            with self._lock:
                del self._sent_unmarked[: len(unmarked)]
        with self._lock:
            held, self._held = self._held, []
        return held

    def _mark_sent(self, unmarked: list[Delivery], now: datetime, report: RunReport) -> None:
        """Marks a batch "sent"; it leaves `unmarked` only once the database has said yes."""

        taken = list(unmarked)
        keys = [d.key for d in taken]
        with self.stores() as store:
            store.outbox.mark_sent(keys, at=now)
        del unmarked[: len(taken)]
        report.sent.extend(keys)

    def _interrupt_stale(self, now: datetime, report: RunReport) -> None:
        with self.stores() as store:
            rows = store.outbox.interrupt_stale(now - STALE_CLAIM, now)
        for key, rule, group_id in rows:
            report.interrupted.append(key)
            log.warning(
                "reminder delivery interrupted; not sent again",
                extra={"rule": rule, "group": group_id},
            )

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
            attempts = store.outbox.attempts(delivery.key) + (1 if counts else 0)
            # Rate limits do not count as attempts, but a reminder the platform still will not
            # take once the grace period is over has become useless: it fails and is reported.
            too_late = not counts and now - delivery.reminder.due_at > self.grace
            failed = attempts >= self.max_attempts or too_late
            if failed:
                store.outbox.finish(delivery.key, "failed", at=now, error=error.code,
                                    attempts=attempts)
            else:
                backoff = timedelta(seconds=30 * 2 ** max(0, attempts - 1))
                store.outbox.retry(delivery.key, attempts=attempts, error=error.code,
                                   next_at=at or now + backoff)
        if failed:
            report.failed.append(delivery.key)
            self._alert_admins(delivery, error.code)
        else:
            report.retrying.append(delivery.key)

    def _finish(
        self, delivery: Delivery, now: datetime, status: str, error: str, bucket: list[str]
    ) -> None:
        with self.stores() as store:
            store.outbox.finish(delivery.key, status, at=now, error=error)
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

    # -- the administrators ------------------------------------------------------------------

    def _alert_admins(self, delivery: Delivery, code: str) -> None:
        """Tells each administrator directly; an alert that fails is only logged."""

        with self.stores() as store:
            admins = store.people.administrators()
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
                target = Target("person", platform, address, person_id=person_id, label=name)
                try:
                    messenger.send(messenger.prepare(target), reply)
                    break
                except SendError:
                    log.error("administrator alert failed", extra={"platform": platform})
