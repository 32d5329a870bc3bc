"""Milestone reminders go through the outbox like every reminder, with the rule `milestone`:
`samverkan reminders due` lists them, `run` sends each once, and a milestone done in time
is not reminded at all.

The example's "Underlag till SRO" of 18 March 2027 (goal area GS, owners VGR and GR) is
reminded 14 days before, Thursday 4 March 2027 at 09:00, in the arbetsgrupp (which carries
GS-1) and to VGR's and GR's representatives there (Johan Wikström, Amir Haddad).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.cli import main
from storage.db import create_db_engine
from storage.repositories import StoreFactory
from tests.conftest import EXAMPLE

REMINDED = "2027-03-04T09:00:00+01:00"
PART = "milestone:sro-mars-2027:2027-03-18|milestone"
EXPECTED = {f"{PART}|channel|log", f"{PART}|person:johan.wikstrom|log",
            f"{PART}|person:amir.haddad|log"}

pytestmark = pytest.mark.usefixtures("cli_database")


@pytest.fixture
def db(cli_database: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["config", "sync", str(EXAMPLE)]) == 0
    capsys.readouterr()
    return cli_database


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code = main([*argv, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def milestone_keys(records: list[dict[str, Any]]) -> set[str]:
    return {r["key"] for r in records if r["rule"] == "milestone"}


def test_due_lists_the_milestone_reminders(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    records = run_json(capsys, "reminders", "due", "--now", REMINDED)
    assert milestone_keys(records) == EXPECTED
    channel = next(r for r in records if r["key"] == f"{PART}|channel|log")
    assert channel["group"] == "arbetsgrupp" and channel["due_at"] == REMINDED
    assert channel["meeting"] == "milestone:sro-mars-2027"
    # The day before, nothing of it is due yet.
    earlier = run_json(capsys, "reminders", "due", "--now", "2027-03-03T09:00:00+01:00")
    assert not any(r["meeting"] == "milestone:sro-mars-2027" for r in earlier)


def test_run_sends_each_once(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    first = run_json(capsys, "reminders", "run", "--now", REMINDED)
    assert EXPECTED <= set(first["sent"])
    again = run_json(capsys, "reminders", "run", "--now", "2027-03-04T09:05:00+01:00")
    assert not EXPECTED & set(again["sent"])
    log = run_json(capsys, "reminders", "log")
    assert {r["key"] for r in log if r["status"] == "sent"} >= EXPECTED


def test_a_milestone_done_in_time_is_not_reminded(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = create_db_engine(db)
    try:
        with StoreFactory(engine)() as store:
            assert store.followup.mark_done("sro-mars-2027", actor_id="amir.haddad",
                                            at=datetime(2027, 2, 1, 9, 0, tzinfo=UTC))
    finally:
        engine.dispose()
    records = run_json(capsys, "reminders", "due", "--now", REMINDED)
    assert milestone_keys(records) == set()
