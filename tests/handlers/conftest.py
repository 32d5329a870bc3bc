"""The handlers' tests speak to the real `Dispatcher` over the real storage: these two
fixtures give both (a test module may define its own)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from handlers.dispatch import Dispatcher
from storage.repositories import StoreFactory
from tests.conftest import FixedClock


@pytest.fixture
def stores(synced_engine: Engine, clock: FixedClock) -> StoreFactory:
    return StoreFactory(synced_engine, clock)


@pytest.fixture
def dispatcher(stores: StoreFactory, clock: FixedClock) -> Dispatcher:
    return Dispatcher(stores, clock)
