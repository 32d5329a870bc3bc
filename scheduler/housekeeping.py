"""Housekeeping the tick does: forget old platform delivery ids (resends come within minutes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete

from storage import models as m
from storage.repositories import StoreFactory

DELIVERY_MEMORY = timedelta(days=2)


def forget_old_deliveries(stores: StoreFactory, clock: Callable[[], datetime]) -> int:
    with stores() as store:
        result = store.session.execute(
            delete(m.ProcessedDelivery).where(m.ProcessedDelivery.at < clock() - DELIVERY_MEMORY)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
