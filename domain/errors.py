"""Errors that every layer may name without knowing who raises them."""

from __future__ import annotations


class StoreUnavailable(Exception):
    """The database cannot be reached, is locked by someone else, or did not answer in time.

    Nothing of the unit of work that met it was saved (it was rolled back), and the same
    request may well succeed in a moment. `storage/` raises it (see `storage.db`); the chat
    kernel answers it with the catalog's "try again" (`app/dispatch.py`). It lives here,
    below both, so that neither names the other, and the kernel never names SQLAlchemy.
    """
