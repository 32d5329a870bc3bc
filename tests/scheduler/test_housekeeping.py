"""The tick's housekeeping: platform delivery ids older than DELIVERY_MEMORY are forgotten."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from scheduler.housekeeping import DELIVERY_MEMORY, forget_old_deliveries
from storage.repositories import StoreFactory
from tests.conftest import FixedClock


def test_old_delivery_ids_are_forgotten_and_recent_ones_kept(
    engine: Engine, clock: FixedClock
) -> None:
    stores = StoreFactory(engine, clock)
    now = clock()
    with stores() as store:
        assert store.deliveries.first_time("slack", "old", at=now - DELIVERY_MEMORY - timedelta(1))
        assert store.deliveries.first_time("slack", "recent", at=now - timedelta(hours=1))
    assert forget_old_deliveries(stores, clock) == 1
    with stores() as store:
        assert not store.deliveries.seen("slack", "old")
        assert store.deliveries.seen("slack", "recent")
    assert forget_old_deliveries(stores, clock) == 0
