"""The reminder outbox (`storage/outbox_repo.py`), on SQLite and PostgreSQL.

Each operation moves a row only from the states it names, and only for the instance that
holds the claim where it says so: that is what makes a delivery go out at most once when two
runs, or a run and a stale one, meet on the same row.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError

from domain.reminders import Delivery, Reminder
from storage.models_reminders import OutboxDelivery
from storage.repositories import StoreFactory
from tests.conftest import FixedClock

NOW = datetime(2026, 9, 3, 7, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def delivery(n: int, platform: str = "slack", due: datetime = NOW) -> Delivery:
    reminder = Reminder(
        key=f"serie:2026-09-08@2026-09-08|update_request_dm|person:p{n}",
        rule="update_request_dm", group_id="grupp", meeting_id="serie:2026-09-08",
        series_id="serie", meeting_start=NOW + timedelta(days=5),
        recipient=f"person:p{n}", due_at=due,
    )
    return Delivery(reminder, platform)


@pytest.fixture
def stores(engine: Engine, clock: FixedClock) -> StoreFactory:
    return StoreFactory(engine, clock)


def states(stores: StoreFactory) -> dict[str, tuple[str, str]]:
    with stores() as store:
        return {row.key: (row.status, row.claimed_by) for row in store.outbox.log()}


ONE, TWO, THREE = delivery(1), delivery(2), delivery(3)


def test_a_claim_is_won_once_and_a_batch_wins_the_rest(stores: StoreFactory) -> None:
    with stores() as store:
        assert store.outbox.claim([ONE, TWO], by="a", at=NOW) == {ONE.key, TWO.key}
    with stores() as store:
        # One of them taken already: the other two are still won, in the same transaction.
        assert store.outbox.claim([TWO, THREE, ONE], by="b", at=NOW) == {THREE.key}
    assert states(stores) == {ONE.key: ("claimed", "a"), TWO.key: ("claimed", "a"),
                              THREE.key: ("claimed", "b")}
    with stores() as store:
        claims = store.outbox.claims([ONE.key, THREE.key, "unknown"])
    assert set(claims) == {ONE.key, THREE.key}
    assert (claims[ONE.key].status, claims[ONE.key].claimed_by) == ("claimed", "a")
    assert claims[ONE.key].claimed_at == NOW


def test_a_missed_delivery_is_final_at_once(stores: StoreFactory) -> None:
    with stores() as store:
        assert store.outbox.claim([ONE], by="a", at=NOW, status="missed") == {ONE.key}
        with pytest.raises(ValueError, match="claimed or missed"):
            store.outbox.claim([TWO], by="a", at=NOW, status="sent")
    with stores() as store:
        [row] = store.outbox.log()
    assert (row.status, row.finished_at) == ("missed", NOW)


def test_only_the_holder_of_a_claim_marks_it_sending_and_only_once(
    stores: StoreFactory,
) -> None:
    with stores() as store:
        store.outbox.claim([ONE, TWO], by="a", at=NOW)
    with stores() as store:
        assert store.outbox.mark_sending([ONE.key, TWO.key], by="b", at=NOW) == set()
        assert store.outbox.mark_sending([ONE.key], by="a", at=NOW + MINUTE) == {ONE.key}
        assert store.outbox.mark_sending([ONE.key], by="a", at=NOW + MINUTE) == set()
    assert states(stores) == {ONE.key: ("sending", "a"), TWO.key: ("claimed", "a")}
    with stores() as store:
        claims = store.outbox.claims([ONE.key])
    assert claims[ONE.key].claimed_at == NOW + MINUTE  # when the send began


def test_release_gives_back_only_own_claims_that_never_left(stores: StoreFactory) -> None:
    with stores() as store:
        store.outbox.claim([ONE, TWO], by="a", at=NOW)
        store.outbox.claim([THREE], by="b", at=NOW)
        store.outbox.mark_sending([TWO.key], by="a", at=NOW)
    with stores() as store:
        store.outbox.release([ONE.key, TWO.key, THREE.key], by="a")
    assert states(stores) == {TWO.key: ("sending", "a"), THREE.key: ("claimed", "b")}


def test_a_held_429_goes_back_to_claimed_for_its_holder_only(stores: StoreFactory) -> None:
    with stores() as store:
        store.outbox.claim([ONE], by="a", at=NOW)
        store.outbox.mark_sending([ONE.key], by="a", at=NOW)
    with stores() as store:
        store.outbox.unsend(ONE.key, by="b")
    assert states(stores)[ONE.key] == ("sending", "a")
    with stores() as store:
        store.outbox.unsend(ONE.key, by="a")
    assert states(stores)[ONE.key] == ("claimed", "a")


def test_mark_sent_moves_sending_rows_and_settles_interrupted_ones_of_their_sender(
    stores: StoreFactory,
) -> None:
    with stores() as store:
        store.outbox.claim([ONE, TWO, THREE], by="a", at=NOW)
        store.outbox.mark_sending([ONE.key, TWO.key, THREE.key], by="a", at=NOW)
    with stores() as store:
        store.outbox.mark_sent([ONE.key], at=NOW)
        interrupted = store.outbox.interrupt_stale(NOW + MINUTE, NOW)
    assert {key for key, _rule, _group in interrupted} == {TWO.key, THREE.key}
    with stores() as store:
        # A plain mark does not touch an interrupted row; the sender settling its own does.
        store.outbox.mark_sent([TWO.key], at=NOW)
        store.outbox.mark_sent([THREE.key], at=NOW, by="b")
    assert {k: s for k, (s, _) in states(stores).items()} == {
        ONE.key: "sent", TWO.key: "interrupted", THREE.key: "interrupted"}
    with stores() as store:
        store.outbox.mark_sent([TWO.key, THREE.key], at=NOW, by="a")
    assert {s for s, _ in states(stores).values()} == {"sent"}


def test_only_sending_rows_older_than_the_limit_are_interrupted(stores: StoreFactory) -> None:
    with stores() as store:
        store.outbox.claim([ONE, TWO, THREE], by="a", at=NOW)
        store.outbox.mark_sending([ONE.key], by="a", at=NOW)
        store.outbox.mark_sending([TWO.key], by="a", at=NOW + 5 * MINUTE)
    with stores() as store:
        interrupted = store.outbox.interrupt_stale(NOW + MINUTE, NOW + 10 * MINUTE)
    assert interrupted == [(ONE.key, "update_request_dm", "grupp")]
    with stores() as store:
        [row] = [r for r in store.outbox.log() if r.key == ONE.key]
    assert (row.status, row.finished_at) == ("interrupted", NOW + 10 * MINUTE)
    assert row.last_error
    assert states(stores)[TWO.key][0] == "sending" and states(stores)[THREE.key][0] == "claimed"


def test_a_stale_claim_is_taken_over_once_and_its_old_holder_can_no_longer_send_it(
    stores: StoreFactory,
) -> None:
    with stores() as store:
        store.outbox.claim([ONE], by="a", at=NOW)
        store.outbox.claim([TWO], by="a", at=NOW + 5 * MINUTE)
        store.outbox.claim([THREE], by="a", at=NOW)
        store.outbox.mark_sending([THREE.key], by="a", at=NOW)
    with stores() as store:
        taken = store.outbox.reclaim_stale(NOW + MINUTE, NOW + 10 * MINUTE, by="b")
    assert taken == [ONE]
    with stores() as store:
        assert store.outbox.reclaim_stale(NOW + MINUTE, NOW + 10 * MINUTE, by="c") == []
    with stores() as store:
        assert store.outbox.mark_sending([ONE.key], by="a", at=NOW + 11 * MINUTE) == set()
        assert store.outbox.mark_sending([ONE.key], by="b", at=NOW + 11 * MINUTE) == {ONE.key}
    assert states(stores) == {ONE.key: ("sending", "b"), TWO.key: ("claimed", "a"),
                              THREE.key: ("sending", "a")}


def test_a_retry_waits_for_its_time_and_is_claimed_again_once(stores: StoreFactory) -> None:
    with stores() as store:
        store.outbox.claim([ONE, TWO], by="a", at=NOW)
        store.outbox.mark_sending([ONE.key, TWO.key], by="a", at=NOW)
    with stores() as store:
        store.outbox.retry(ONE.key, attempts=1, error="slack_fatal_error", next_at=NOW + MINUTE)
        store.outbox.retry(TWO.key, attempts=0, error="slack_429", next_at=NOW + 2 * MINUTE)
        assert store.outbox.attempts(ONE.key) == 1
    with stores() as store:
        assert store.outbox.claim_retries(NOW + MINUTE - timedelta(seconds=1), by="b") == []
    with stores() as store:
        assert store.outbox.claim_retries(NOW + MINUTE, by="b") == [ONE]
    with stores() as store:
        assert store.outbox.claim_retries(NOW + MINUTE, by="c") == []
    assert states(stores) == {ONE.key: ("claimed", "b"), TWO.key: ("retry", "a")}
    with stores() as store:
        [row] = [r for r in store.outbox.log() if r.key == TWO.key]
    assert (row.attempts, row.last_error, row.next_attempt_at) == (
        0, "slack_429", NOW + 2 * MINUTE)


def test_finish_is_final_with_its_error_and_attempts(stores: StoreFactory) -> None:
    with stores() as store:
        store.outbox.claim([ONE], by="a", at=NOW)
    with stores() as store:
        store.outbox.finish(ONE.key, "failed", at=NOW + MINUTE, error="slack_channel_not_found",
                            attempts=5)
    with stores() as store:
        [row] = store.outbox.log()
    assert (row.status, row.finished_at, row.last_error, row.attempts) == (
        "failed", NOW + MINUTE, "slack_channel_not_found", 5)


def test_the_log_is_in_due_order_and_can_start_later(stores: StoreFactory) -> None:
    late, early = delivery(1, due=NOW + MINUTE), delivery(2, due=NOW)
    with stores() as store:
        store.outbox.claim([late, early], by="a", at=NOW)
    with stores() as store:
        assert [r.key for r in store.outbox.log()] == [early.key, late.key]
        assert [r.key for r in store.outbox.log(since=NOW + MINUTE)] == [late.key]


def test_a_state_outside_the_outbox_states_is_refused_by_the_database(
    stores: StoreFactory,
) -> None:
    with stores() as store:
        store.outbox.claim([ONE], by="a", at=NOW)
    with pytest.raises(IntegrityError), stores() as store:
        store.session.execute(update(OutboxDelivery).values(status="pending"))
    assert states(stores)[ONE.key] == ("claimed", "a")


def test_the_claims_of_an_instance_known_dead_are_taken_over_at_once(
    stores: StoreFactory,
) -> None:
    with stores() as store:
        store.outbox.claim([ONE], by="dead", at=NOW)
        store.outbox.claim([TWO], by="alive", at=NOW)
        store.outbox.claim([THREE], by="dead", at=NOW)
        store.outbox.mark_sending([THREE.key], by="dead", at=NOW)
    with stores() as store:
        assert store.outbox.claimers() == {"dead", "alive"}
        taken = store.outbox.reclaim_stale(NOW - MINUTE, NOW + MINUTE, by="b", dead={"dead"})
    # Fresh claims, but their holder is gone; its send under way is not taken over.
    assert taken == [ONE]
    assert states(stores) == {ONE.key: ("claimed", "b"), TWO.key: ("claimed", "alive"),
                              THREE.key: ("sending", "dead")}
