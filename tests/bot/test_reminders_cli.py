"""`samverkan reminders due|run|log`, run in-process through `bot.cli.main` on a SQLite file.

At Tue 1 Dec 2026 09:00 (winter time) the example has the day-before reminders of KF-gruppen's
two meetings on Wed 2 Dec in its channel; the nudges of Mon 30 Nov are a day old (past grace).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.i18n import translator
from bot.cli import main
from storage.db import create_db_engine
from storage.models_reminders import OUTBOX_STATUSES, OutboxDelivery

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "vastra-gotaland.toml"
NOW = "2026-12-01T09:00:00+01:00"
SV, EN = translator("sv"), translator("en")
DAY_BEFORE = {
    "varannan-vecka:2026-12-02@2026-12-02|day_before|channel|log",
    "med-forbundscheferna:2026-12-02@2026-12-02|day_before|channel|log",
}


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


def outbox_rows(url: str) -> int:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(OutboxDelivery)) or 0)
    finally:
        engine.dispose()


def test_due_lists_what_is_due_and_sends_nothing(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    records = run_json(capsys, "reminders", "due", "--now", NOW)
    by_key = {r["key"]: r for r in records}
    assert DAY_BEFORE <= set(by_key)
    record = by_key["varannan-vecka:2026-12-02@2026-12-02|day_before|channel|log"]
    assert record == {
        "key": "varannan-vecka:2026-12-02@2026-12-02|day_before|channel|log",
        "rule": "day_before",
        "group": "kf-arbetsgrupp",
        "meeting": "varannan-vecka:2026-12-02",
        "meeting_start": "2026-12-02T10:00:00+01:00",
        "recipient": "channel",
        "platform": "log",
        "due_at": NOW,
        "state": "due",
    }
    assert all(r["due_at"] <= NOW for r in records)
    # Monday's nudges are a day late: past the grace period, a run records them missed.
    states = Counter(r["state"] for r in records)
    assert states == {"due": len(DAY_BEFORE), "past_grace": 14}
    assert outbox_rows(db) == 0
    # Asking again changes nothing either.
    assert run_json(capsys, "reminders", "due", "--now", NOW) == records
    assert outbox_rows(db) == 0


def test_run_dry_run_sends_nothing(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    report = run_json(capsys, "reminders", "run", "--now", NOW, "--dry-run")
    assert report["dry_run"] is True
    assert DAY_BEFORE <= set(report["would_send"])
    assert report["sent"] == [] and report["missed"] == []
    assert outbox_rows(db) == 0


def test_run_sends_once_and_the_log_shows_it(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    first = run_json(capsys, "reminders", "run", "--now", NOW)
    assert set(first["sent"]) == DAY_BEFORE
    assert len(first["missed"]) == 14  # Monday's nudges, a day late
    log = run_json(capsys, "reminders", "log")
    assert {r["key"] for r in log if r["status"] == "sent"} == DAY_BEFORE
    assert {r["status"] for r in log} == {"sent", "missed"}
    sent = next(r for r in log if r["key"] in DAY_BEFORE)
    assert sent["finished_at"] == NOW and sent["due_at"] == NOW and sent["error"] is None
    # Cron runs it again (same time, and a minute later): nothing is sent twice.
    for now in (NOW, "2026-12-01T09:01:00+01:00"):
        again = run_json(capsys, "reminders", "run", "--now", now)
        assert again["sent"] == [] and again["missed"] == []
        assert set(again["already_handled"]) >= DAY_BEFORE
    assert run_json(capsys, "reminders", "log") == log
    # `due` now says what became of each.
    states = {r["key"]: r["state"] for r in run_json(capsys, "reminders", "due", "--now", NOW)}
    assert {states[k] for k in DAY_BEFORE} == {"sent"}
    assert set(states.values()) == {"sent", "missed"}


def test_run_without_format_prints_a_summary(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reminders", "run", "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert "sent  2" in out and "missed  14" in out


def test_a_bad_time_is_refused(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reminders", "run", "--now", "igår eller så"]) == 2
    assert capsys.readouterr().err
    assert outbox_rows(db) == 0


def test_the_log_says_each_state_in_the_readers_language(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_json(capsys, "reminders", "run", "--now", NOW)
    log = run_json(capsys, "reminders", "log")
    assert {(r["status"], r["status_text"]) for r in log} == {
        ("sent", SV("reminder.status.sent")), ("missed", SV("reminder.status.missed"))}
    english = run_json(capsys, "reminders", "log", "--lang", "en")
    assert {r["status_text"] for r in english} == {
        EN("reminder.status.sent"), EN("reminder.status.missed")}
    assert SV("reminder.status.sent") != EN("reminder.status.sent")
    assert main(["reminders", "log"]) == 0
    assert SV("reminder.status.missed") in capsys.readouterr().out


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_outbox_state_has_its_words(language: str) -> None:
    t = translator(language)
    for status in OUTBOX_STATUSES:
        assert t(f"reminder.status.{status}") != f"reminder.status.{status}"
        assert t(f"gdpr.value.delivery.{status}") != f"gdpr.value.delivery.{status}"
