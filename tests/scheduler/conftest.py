"""Fixtures the scheduler's tests share."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from storage.repositories import StoreFactory
from tests.conftest import FixedClock


@pytest.fixture
def stores(synced_engine: Engine, clock: FixedClock) -> StoreFactory:
    """The example configuration's stores on the fixed clock (SQLite, and PostgreSQL)."""

    return StoreFactory(synced_engine, clock)
