"""`samverkan gdpr export|dispose` and `samverkan audit`, in-process through `bot.cli.main`.

The command line reads the real clock, so rows are written relative to now: "old" is ten
years back (past every rule), "young" a month back (inside every rule).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.i18n import translator
from bot.cli import main
from scheduler.disposal import dispose_daily
from storage import models as m
from storage import models_reminders as mr
from storage import models_updates as mu
from storage.db import create_db_engine
from storage.repositories import StoreFactory
from tests.conftest import EXAMPLE, FixedClock
from tests.handlers.test_gdpr import _outbox, seed

SV = translator("sv")
RULES = """
[[disposal]]
kind = "delivered_reminders"
after_months = 13
reference = "Dokumenthanteringsplan 2026, punkt 4.2"

[[disposal]]
kind = "audit_entries"
after_months = 24
reference = "Dokumenthanteringsplan 2026, punkt 1.3"
"""
NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=3650)
YOUNG = NOW - timedelta(days=30)


pytestmark = pytest.mark.usefixtures("cli_database")


def sync(tmp_path: Path, extra: str) -> int:
    config = tmp_path / "config.toml"
    config.write_text(EXAMPLE.read_text("utf-8") + extra, "utf-8")
    return main(["config", "sync", str(config)])


@pytest.fixture
def engine(cli_database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
           ) -> Iterator[Engine]:
    assert sync(tmp_path, RULES) == 0
    engine = create_db_engine(cli_database)
    seed(engine, YOUNG + timedelta(days=30))  # the seed writes 30 days before the time given
    with Session(engine) as s:
        s.add(_outbox("old-sent", "person:linnea.ek", OLD))
        s.add(_outbox("old-failed", "person:linnea.ek", OLD, status="failed"))
        s.add(_outbox("old-retry", "person:linnea.ek", OLD, status="retry"))
        s.add(_outbox("young-sent", "person:linnea.ek", YOUNG))
        s.add(m.AuditLog(at=OLD, actor_id="linnea.ek", action="calendar.move", outcome="ok",
                         detail="old"))
        s.add(m.AuditLog(at=OLD, actor_id="scheduler", action="gdpr.dispose", outcome="ok",
                         detail="kind=x count=0"))
        s.add(m.ProcessedDelivery(platform="slack", delivery_id="old", at=OLD))
        old_update = mu.Update(uid="old-u", activity_code="VIP-1", group_id="arbetsgrupp",
                               author_id="linnea.ek", created_at=OLD, updated_at=OLD,
                               status="on_track", summary="Tio år gammal")
        s.add(old_update)
        s.flush()
        s.add(mu.UpdateVersion(update_id=old_update.id, version=1, at=OLD,
                               actor_id="linnea.ek", activity_code="VIP-1",
                               status="on_track", summary="Tio år gammal"))
        s.commit()
    capsys.readouterr()
    yield engine
    engine.dispose()


def counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        return {
            model.__tablename__: int(s.scalar(select(func.count()).select_from(model)) or 0)
            for model in (mr.OutboxDelivery, m.AuditLog, m.ProcessedDelivery, mu.Update,
                          mu.UpdateVersion, mu.Decision, mu.NextStep)
        }


def outbox_keys(engine: Engine) -> set[str]:
    with Session(engine) as s:
        return set(s.scalars(select(mr.OutboxDelivery.key)))


def audit_rows(engine: Engine) -> list[tuple[str | None, str, str]]:
    with Session(engine) as s:
        return [(a.actor_id, a.action, a.detail)
                for a in s.scalars(select(m.AuditLog).order_by(m.AuditLog.id))]


def test_export_writes_the_persons_extract_and_is_audited(
    engine: Engine, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["gdpr", "export", "linnea.ek"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["person"]["id"] == "linnea.ek"
    assert "HENRIK-" not in json.dumps(data)
    assert ("cli", "gdpr.extract", "json person=linnea.ek") in audit_rows(engine)
    target = tmp_path / "utdrag.md"
    assert main(["gdpr", "export", "linnea.ek", "--format", "md", "--output", str(target)]) == 0
    assert "Linnéa Ek" in target.read_text("utf-8")


def test_export_of_an_unknown_person_exits_2(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["gdpr", "export", "nobody"]) == 2
    assert SV("gdpr.cli.unknown_person", person="nobody") in capsys.readouterr().err


def test_a_dry_run_shows_what_would_go_and_changes_nothing(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    before = counts(engine)
    assert main(["gdpr", "dispose", "--dry-run", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["dry_run"] is True
    assert {r["kind"]: r["count"] for r in shown["rules"]} == {
        "audit_entries": 1, "delivered_reminders": 2,
    }
    assert counts(engine) == before
    assert main(["gdpr", "dispose", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert SV("gdpr.dispose.dry_run") in out and "punkt 4.2" in out
    assert counts(engine) == before


def test_dispose_removes_only_what_the_rules_allow_and_logs_it(engine: Engine) -> None:
    before = counts(engine)
    assert main(["gdpr", "dispose"]) == 0
    after = counts(engine)
    assert outbox_keys(engine) == {"k-linnea", "k-henrik", "k-channel", "old-retry",
                                   "young-sent"}
    # No rule for processed deliveries; updates and their history are public records.
    for kept in ("processed_deliveries", "updates", "update_versions", "decisions",
                 "next_steps"):
        assert after[kept] == before[kept], kept
    entries = audit_rows(engine)
    assert ("linnea.ek", "calendar.move", "old") not in entries
    assert ("scheduler", "gdpr.dispose", "kind=x count=0") in entries  # proof is kept
    logged = [d for actor, action, d in entries if action == "gdpr.dispose" and actor == "cli"]
    assert len(logged) == 2
    reminders = next(d for d in logged if "kind=delivered_reminders" in d)
    assert "count=2" in reminders and "rule=Dokumenthanteringsplan 2026, punkt 4.2" in reminders
    assert "linnea" not in " ".join(logged)


def test_updates_are_never_disposed_and_a_rule_for_them_is_refused(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    public = RULES + '\n[[disposal]]\nkind = "updates"\nafter_months = 1\nreference = "x"\n'
    assert sync(tmp_path, public) == 2
    assert SV("config.disposal_public_record", value="updates") in capsys.readouterr().err
    before = counts(engine)
    assert main(["gdpr", "dispose"]) == 0
    assert counts(engine)["updates"] == before["updates"]
    assert counts(engine)["update_versions"] == before["update_versions"]


def test_without_rules_nothing_is_disposed(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sync(tmp_path, "") == 0
    before = counts(engine)
    capsys.readouterr()
    assert main(["gdpr", "dispose"]) == 0
    assert SV("gdpr.dispose.no_rules") in capsys.readouterr().out
    assert counts(engine) == before


def test_audit_lists_the_log_as_json_and_since_a_date(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["gdpr", "dispose"]) == 0
    capsys.readouterr()
    assert main(["audit", "--format", "json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert {"at", "actor", "action", "outcome", "detail"} == set(entries[0])
    assert any(e["action"] == "gdpr.dispose" and e["actor"] == "cli" for e in entries)
    assert main(["audit", "--since", YOUNG.date().isoformat(), "--format", "json"]) == 0
    recent = json.loads(capsys.readouterr().out)
    assert recent and all(e["at"] >= YOUNG.date().isoformat() for e in recent)
    assert len(recent) < len(entries)
    assert main(["audit"]) == 0
    assert SV("gdpr.audit.title", count=len(entries)) in capsys.readouterr().out
    assert main(["audit", "--since", "inte-ett-datum"]) == 2


def test_the_scheduler_disposes_at_most_once_a_day(engine: Engine) -> None:
    clock = FixedClock(NOW)
    stores = StoreFactory(engine, clock)
    assert dispose_daily(stores, clock) == 3
    assert dispose_daily(stores, clock) is None  # another tick, or another instance
    assert [a for a in audit_rows(engine) if a[1] == "gdpr.dispose" and a[0] == "scheduler"
            and a[2].startswith("kind=delivered")]
    clock.now = NOW + timedelta(days=1)
    assert dispose_daily(stores, clock) == 0
