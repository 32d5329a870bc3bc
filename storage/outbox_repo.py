"""The reminder outbox: one row per delivery, and every change of its state.

The states (`OUTBOX_STATUSES`) and who moves a row from one to the next:

    (none) --claim--> claimed --mark_sending--> sending --mark_sent--> sent
      |                 |  ^                       |
      |                 |  '--unsend (429 held)----+--retry--> retry --claim_retries--> claimed
      |                 |--release--> (none)       |--finish--> failed
      |                 |--retry / finish          '--interrupt_stale--> interrupted
      |                 '--reclaim_stale (another run: stale, or its claimer dead)--> claimed
      '--claim(missed)--> missed

- claimed: the delivery is this instance's to send; nothing has gone to the platform yet.
  A run that finds a claim older than the stale limit, or held by a process it knows has
  died, takes it over and sends it (the claimer can no longer mark it "sending", see below).
- sending: marked immediately before the one HTTP call that delivers it, and only by the
  instance that holds the claim (a conditional update: when another run took the claim over,
  the mark fails and nothing is sent). A process that dies now leaves the row "sending":
  nobody knows whether it arrived, so a later run records it "interrupted", never sends it.
- sent, failed, missed, interrupted: final. retry: waits for `next_attempt_at`.

Every write is one statement with its condition in the WHERE clause (never read-then-write
across transactions), so two instances, or an instance and its own next tick, cannot both win.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from domain.reminders import Delivery, Reminder
from storage.models_reminders import OUTBOX_STATUSES, OutboxDelivery

# What a database that fails raises, for callers that do not speak SQLAlchemy (the scheduler).
DatabaseError = SQLAlchemyError
CHUNK = 500

__all__ = ["CHUNK", "OUTBOX_STATUSES", "Claim", "DatabaseError", "SqlOutbox"]


@dataclass(frozen=True)
class Claim:
    """An outbox row as the planner sees it: its state, who claimed it, and when."""

    status: str
    claimed_by: str
    claimed_at: datetime


class SqlOutbox:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- reading ----------------------------------------------------------------------------

    def claims(self, keys: Sequence[str]) -> dict[str, Claim]:
        """Of these delivery keys, those in the outbox, with their state and claimer."""

        found: dict[str, Claim] = {}
        for start in range(0, len(keys), CHUNK):
            rows = self.session.execute(
                select(OutboxDelivery.key, OutboxDelivery.status, OutboxDelivery.claimed_by,
                       OutboxDelivery.claimed_at)
                .where(OutboxDelivery.key.in_(list(keys[start : start + CHUNK])))
            )
            found.update((key, Claim(status, by, at)) for key, status, by, at in rows)
        return found

    def log(self, since: datetime | None = None) -> list[OutboxDelivery]:
        query = select(OutboxDelivery).order_by(OutboxDelivery.due_at, OutboxDelivery.id)
        if since is not None:
            query = query.where(OutboxDelivery.due_at >= since)
        return list(self.session.scalars(query))

    def attempts(self, key: str) -> int:
        return int(self.session.scalar(
            select(OutboxDelivery.attempts).where(OutboxDelivery.key == key)) or 0)

    # -- claiming ---------------------------------------------------------------------------

    def claim(self, deliveries: Sequence[Delivery], *, by: str, at: datetime,
              status: str = "claimed") -> set[str]:
        """Inserts a row per delivery (`claimed`, or `missed` for one past its grace); answers
        the keys won. One insert of them all in the usual case; when one of them is already
        there, each in its own savepoint. In key order, so two instances never deadlock."""

        ordered = sorted(deliveries, key=lambda d: d.key)
        if not ordered:
            return set()
        try:
            with self.session.begin_nested():
                self.session.execute(insert(OutboxDelivery),
                                     [_values(d, by, at, status) for d in ordered])
            return {d.key for d in ordered}
        except IntegrityError:
            pass
        won: set[str] = set()
        for delivery in ordered:
            try:
                with self.session.begin_nested():
                    self.session.execute(insert(OutboxDelivery),
                                         [_values(delivery, by, at, status)])
            except IntegrityError:
                continue
            won.add(delivery.key)
        return won

    def release(self, keys: Sequence[str], *, by: str) -> None:
        """Gives back claims never handed to the platform: a later run claims them afresh."""

        for start in range(0, len(keys), CHUNK):
            self.session.execute(
                delete(OutboxDelivery).where(
                    OutboxDelivery.key.in_(list(keys[start : start + CHUNK])),
                    OutboxDelivery.status == "claimed",
                    OutboxDelivery.claimed_by == by,
                )
            )

    def claim_retries(self, now: datetime, *, by: str) -> list[Delivery]:
        """Retries that are due, each claimed again by a conditional update: the ones won."""

        rows = self.session.execute(
            select(OutboxDelivery.id, *_REMINDER_COLUMNS).where(
                OutboxDelivery.status == "retry", OutboxDelivery.next_attempt_at <= now
            ).order_by(OutboxDelivery.id)
        ).all()
        won: list[Delivery] = []
        for row_id, *columns in rows:
            result = self.session.execute(
                update(OutboxDelivery)
                .where(OutboxDelivery.id == row_id, OutboxDelivery.status == "retry")
                .values(status="claimed", claimed_by=by, claimed_at=now)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                won.append(_delivery(columns))
        return won

    def claimers(self) -> set[str]:
        """The instances that hold claims not yet handed to the platform."""

        return set(self.session.scalars(
            select(OutboxDelivery.claimed_by).where(OutboxDelivery.status == "claimed")
            .distinct()
        ))

    def reclaim_stale(self, before: datetime, now: datetime, *, by: str,
                      dead: Collection[str] = ()) -> list[Delivery]:
        """Claims that never reached "sending", older than `before` or held by an instance
        known to be `dead`: taken over, to be sent. Conditional on the old claim, so of two
        runs taking over one claim only one wins."""

        stale = OutboxDelivery.claimed_at < before
        if dead:
            stale = or_(stale, OutboxDelivery.claimed_by.in_(sorted(dead)))
        rows = self.session.execute(
            select(OutboxDelivery.id, OutboxDelivery.claimed_by, OutboxDelivery.claimed_at,
                   *_REMINDER_COLUMNS)
            .where(OutboxDelivery.status == "claimed", stale)
            .order_by(OutboxDelivery.id)
        ).all()
        won: list[Delivery] = []
        for row_id, old_by, old_at, *columns in rows:
            result = self.session.execute(
                update(OutboxDelivery)
                .where(OutboxDelivery.id == row_id, OutboxDelivery.status == "claimed",
                       OutboxDelivery.claimed_by == old_by, OutboxDelivery.claimed_at == old_at)
                .values(claimed_by=by, claimed_at=now)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                won.append(_delivery(columns))
        return won

    # -- sending ----------------------------------------------------------------------------

    def mark_sending(self, keys: Sequence[str], *, by: str, at: datetime) -> set[str]:
        """claimed → sending, only for claims `by` still holds; answers the keys marked. The
        caller sends exactly those, right after the commit."""

        marked: set[str] = set()
        for start in range(0, len(keys), CHUNK):
            rows = self.session.execute(
                update(OutboxDelivery)
                .where(OutboxDelivery.key.in_(list(keys[start : start + CHUNK])),
                       OutboxDelivery.status == "claimed", OutboxDelivery.claimed_by == by)
                .values(status="sending", claimed_at=at)
                .returning(OutboxDelivery.key)
            ).scalars().all()
            marked.update(rows)
        return marked

    def unsend(self, key: str, *, by: str) -> None:
        """sending → claimed: the platform refused it (a 429 waited out in the same tick), so
        it did not arrive and may be sent again, still under this claim."""

        self.session.execute(
            update(OutboxDelivery)
            .where(OutboxDelivery.key == key, OutboxDelivery.status == "sending",
                   OutboxDelivery.claimed_by == by)
            .values(status="claimed")
        )

    def mark_sent(self, keys: Sequence[str], *, at: datetime, by: str | None = None) -> None:
        """sending → sent. With `by`: settling sends a failed tick could not mark, which
        another run may meanwhile have called "interrupted" (they did go out)."""

        states = ("sending",) if by is None else ("sending", "interrupted")
        for start in range(0, len(keys), CHUNK):
            query = update(OutboxDelivery).where(
                OutboxDelivery.key.in_(list(keys[start : start + CHUNK])),
                OutboxDelivery.status.in_(states),
            )
            if by is not None:
                query = query.where(OutboxDelivery.claimed_by == by)
            self.session.execute(query.values(status="sent", finished_at=at, last_error=""))

    def retry(self, key: str, *, attempts: int, error: str, next_at: datetime) -> None:
        """claimed or sending → retry at `next_at`."""

        self.session.execute(
            update(OutboxDelivery).where(OutboxDelivery.key == key)
            .values(status="retry", attempts=attempts, last_error=error,
                    next_attempt_at=next_at)
        )

    def finish(self, key: str, status: str, *, at: datetime, error: str = "",
               attempts: int | None = None) -> None:
        """Any open state → `status` (sent, failed, missed): final."""

        values: dict[str, object] = {"status": status, "finished_at": at, "last_error": error}
        if attempts is not None:
            values["attempts"] = attempts
        self.session.execute(
            update(OutboxDelivery).where(OutboxDelivery.key == key).values(**values)
        )

    def interrupt_stale(self, before: datetime, now: datetime) -> list[tuple[str, str, str]]:
        """sending since before `before` → interrupted: the process died during the send.
        One conditional update (a run settling these as "sent" meanwhile wins). Answers
        (key, rule, group) of each."""

        rows = self.session.execute(
            update(OutboxDelivery)
            .where(OutboxDelivery.status == "sending", OutboxDelivery.claimed_at < before)
            .values(status="interrupted", finished_at=now,
                    last_error="process stopped during the send")
            .returning(OutboxDelivery.key, OutboxDelivery.rule, OutboxDelivery.group_id)
        ).all()
        return [(key, rule, group) for key, rule, group in rows]


_REMINDER_COLUMNS = (
    OutboxDelivery.reminder_key, OutboxDelivery.rule, OutboxDelivery.group_id,
    OutboxDelivery.meeting_id, OutboxDelivery.series_id, OutboxDelivery.meeting_start,
    OutboxDelivery.recipient, OutboxDelivery.due_at, OutboxDelivery.platform,
)


def _delivery(columns: Sequence[object]) -> Delivery:
    key, rule, group, meeting, series, start, recipient, due, platform = columns
    reminder = Reminder(
        key=str(key), rule=rule, group_id=str(group),  # type: ignore[arg-type]
        meeting_id=str(meeting), series_id=str(series),
        meeting_start=start, recipient=str(recipient), due_at=due,  # type: ignore[arg-type]
    )
    return Delivery(reminder, str(platform))


def _values(delivery: Delivery, by: str, at: datetime, status: str) -> dict[str, object]:
    if status not in ("claimed", "missed"):
        raise ValueError(f"a delivery is claimed or missed, not {status}")
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
        "claimed_by": by,
        "claimed_at": at,
        "finished_at": at if status == "missed" else None,
        "last_error": "",
    }
