"""Housekeeping the tick does: forget old platform delivery ids (resends come within minutes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from storage.repositories import StoreFactory

DELIVERY_MEMORY = timedelta(days=2)


def forget_old_deliveries(stores: StoreFactory, clock: Callable[[], datetime]) -> int:
    with stores() as store:
        return store.deliveries.forget_before(clock() - DELIVERY_MEMORY)
