"""The real store factory and dispatcher on the synced example database (as the handler
tests have them)."""

from tests.handlers.conftest import dispatcher, stores

__all__ = ["dispatcher", "stores"]
