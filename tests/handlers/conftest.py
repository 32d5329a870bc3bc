"""What the handler tests share: the real store factory and dispatcher on the synced example
database, on the test's own clock."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from app.dispatch import Dispatcher
from handlers.commands import COMMANDS
from storage.repositories import StoreFactory
from tests.conftest import FixedClock


@pytest.fixture
def stores(synced_engine: Engine, clock: FixedClock) -> StoreFactory:
    return StoreFactory(synced_engine, clock)


@pytest.fixture
def dispatcher(stores: StoreFactory, clock: FixedClock) -> Dispatcher:
    return Dispatcher(stores, clock, COMMANDS)
