"""The composition root: settings → engine → store factory → dispatcher."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from app.core import Options
from app.dispatch import Dispatcher
from bot.settings import Settings

# The one place outside handlers/ that knows the command modules: it registers them.
from handlers.commands import COMMANDS as COMMANDS
from storage.db import PATIENT, Patience, create_db_engine, upgrade
from storage.repositories import StoreFactory, utc_now


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    stores: StoreFactory
    dispatcher: Dispatcher

    def close(self) -> None:
        self.engine.dispose()


def build_runtime(
    settings: Settings,
    *,
    database_url: str | None = None,
    clock: Callable[[], datetime] = utc_now,
    migrate: bool = True,
    patience: Patience = PATIENT,
) -> Runtime:
    """`patience`: how long its units of work wait on the database (`storage.db`); `serve`
    passes SERVING. Migrations are patient whatever it is: they may take long, once."""

    url = database_url or settings.database_url
    engine = create_db_engine(url, patience)
    if migrate:
        if patience == PATIENT:
            upgrade(engine)
        else:
            migrating = create_db_engine(url)
            try:
                upgrade(migrating)
            finally:
                migrating.dispose()
    stores = StoreFactory(engine, clock)
    dispatcher = Dispatcher(
        stores,
        clock,
        COMMANDS,
        options=Options(
            edit_window_days=settings.edit_window_days,
            stale_after_days=settings.stale_after_days,
            public_base_url=settings.public_base_url,
            export_link_hours=settings.export_link_hours,
            secret_key=settings.secret_key.get_secret_value() if settings.secret_key else "",
        ),
        default_language=settings.default_language,
    )
    return Runtime(settings, engine, stores, dispatcher)
