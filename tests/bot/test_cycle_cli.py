"""`samverkan reminders due --format json` lists announcements and reminders alike, each with its
recipient; for a convener away, the convener reminder's recipient is the stand-in.

The changes are made through the real dispatcher on the CLI's own database (SQLite file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.dispatch import Dispatcher
from app.messages import Command
from bot.cli import main
from handlers.commands import COMMANDS
from storage.db import create_db_engine
from storage.repositories import StoreFactory
from tests.conftest import FixedClock
from tests.scheduler.support import local

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vastra-gotaland.toml"
TUE1 = local("2026-09-01T10:00:00+02:00")


def due(capsys: pytest.CaptureFixture[str], now: str) -> list[dict[str, Any]]:
    code = main(["reminders", "due", "--now", now, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    records: list[dict[str, Any]] = json.loads(out)
    return records


def test_due_lists_announcements_and_the_stand_in_as_the_conveners_recipient(
    cli_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "sync", str(EXAMPLE)]) == 0
    engine = create_db_engine(cli_database)
    try:
        clock = FixedClock(TUE1)
        dispatcher = Dispatcher(StoreFactory(engine, clock), clock, COMMANDS)
        for person, text in (("johan.wikstrom", "sammankallande sätt 8/9 gr --grupp arbetsgrupp"),
                             ("amir.haddad", "frånvaro 7/9 9/9")):
            reply = dispatcher.handle(Command(platform="console", user_id=person, text=text))
            assert not reply.is_error, reply.plain_text()
    finally:
        engine.dispose()
    capsys.readouterr()
    now = [r for r in due(capsys, "2026-09-01T10:05:00+02:00")
           if r["group"] == "arbetsgrupp" and r["due_at"] == "2026-09-01T10:00:00+02:00"]
    assert {(r["rule"], r["recipient"]) for r in now} == {
        ("announce_change", "channel"),
        ("announce_change", "person:malin.hedlund"),
        ("announce_change", "person:amir.haddad"),
        ("announce_change", "person:therese.lund"),
        ("absence_stand_in", "person:therese.lund"),
    }
    assert {r["state"] for r in now} == {"due"}
    thursday = due(capsys, "2026-09-03T09:00:00+02:00")
    (convener,) = [r for r in thursday if r["rule"] == "convener_prepare"
                   and r["meeting"] == "manadsmote:2026-09-08"]
    assert convener["recipient"] == "person:therese.lund"
