"""Disposal (gallring): the pure selection, and the configuration's `[[disposal]]` rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.config import load_config_text
from domain.disposal import (
    Record,
    Rule,
    audit_detail,
    cutoff,
    months_before,
    rules_by_kind,
    select,
)
from tests.conftest import EXAMPLE

NOW = datetime(2027, 10, 31, 3, 0, tzinfo=UTC)
REMINDERS = Rule("delivered_reminders", 13, "Dokumenthanteringsplan 2026, punkt 4.2")
AUDIT = Rule("audit_entries", 24, "DHP 2026, punkt 1.3")
DELIVERIES = Rule("processed_deliveries", 1, "DHP 2026, punkt 9.9")


def at(y: int, mo: int, d: int) -> datetime:
    return datetime(y, mo, d, 3, 0, tzinfo=UTC)


def test_a_month_is_a_calendar_month_with_the_day_clamped() -> None:
    assert months_before(NOW, 13) == at(2026, 9, 30)
    assert months_before(at(2027, 3, 31), 1) == at(2027, 2, 28)
    assert months_before(at(2028, 3, 31), 1) == at(2028, 2, 29)
    assert months_before(at(2027, 1, 15), 12) == at(2026, 1, 15)
    assert cutoff(REMINDERS, NOW) == at(2026, 9, 30)


def test_only_records_strictly_older_than_the_cutoff_are_due() -> None:
    old = Record("delivered_reminders", "1", at(2026, 9, 29), status="sent")
    edge = Record("delivered_reminders", "2", at(2026, 9, 30), status="sent")
    young = Record("delivered_reminders", "3", at(2027, 1, 1), status="sent")
    [selection] = select([REMINDERS], [old, edge, young], NOW)
    assert selection.records == (old,)
    assert selection.rule == REMINDERS and selection.cutoff == at(2026, 9, 30)


def test_reminders_still_under_way_are_never_disposed() -> None:
    old = at(2020, 1, 1)
    records = [Record("delivered_reminders", str(i), old, status=s)
               for i, s in enumerate(("sent", "missed", "failed", "interrupted", "sending",
                                      "retry"))]
    [selection] = select([REMINDERS], records, NOW)
    assert {r.status for r in selection.records} == {"sent", "missed", "failed", "interrupted"}


def test_the_records_of_disposals_are_kept_by_the_audit_rule() -> None:
    entries = [Record("audit_entries", "1", at(2020, 1, 1), action="calendar.cancel"),
               Record("audit_entries", "2", at(2020, 1, 1), action="gdpr.dispose")]
    [selection] = select([AUDIT], entries, NOW)
    assert [r.key for r in selection.records] == ["1"]


def test_nothing_is_disposed_without_a_rule_for_its_kind() -> None:
    old = at(2000, 1, 1)
    records = [Record("processed_deliveries", "slack:1", old),
               Record("audit_entries", "1", old, action="x"),
               Record("updates", "1", old), Record("decisions", "1", old),
               Record("update_versions", "1", old), Record("next_steps", "1", old)]
    assert select([], records, NOW) == []
    [selection] = select([DELIVERIES], records, NOW)
    assert [r.kind for r in selection.records] == ["processed_deliveries"]


def test_public_records_cannot_be_disposed_even_by_a_rule_naming_them() -> None:
    old = at(2000, 1, 1)
    rules = [Rule(kind, 1, "x") for kind in ("updates", "update_versions", "decisions",
                                             "next_steps")]
    records = [Record(rule.kind, "1", old) for rule in rules]
    assert rules_by_kind(rules) == {}
    assert select(rules, records, NOW) == []


def test_a_rule_applies_even_when_nothing_is_due_and_the_longer_rule_wins() -> None:
    shorter = Rule("delivered_reminders", 2, "short")
    assert rules_by_kind([shorter, REMINDERS])["delivered_reminders"] == REMINDERS
    [selection] = select([REMINDERS], [], NOW)
    assert selection.count == 0


def test_the_audit_detail_names_the_rule_and_counts_without_personal_data() -> None:
    record = Record("delivered_reminders", "7", at(2020, 1, 1), status="sent")
    [selection] = select([REMINDERS], [record], NOW)
    detail = audit_detail(selection)
    assert "kind=delivered_reminders" in detail and "count=1" in detail
    assert "rule=Dokumenthanteringsplan 2026, punkt 4.2" in detail
    assert "before=2026-09-30" in detail


# --- the configuration ------------------------------------------------------------------


def with_disposal(block: str) -> str:
    return EXAMPLE.read_text("utf-8") + "\n" + block


RULE = """
[[disposal]]
kind = "delivered_reminders"
after_months = 13
reference = "Dokumenthanteringsplan 2026, punkt 4.2"
"""


def test_a_disposal_rule_is_read_from_the_configuration() -> None:
    result = load_config_text(with_disposal(RULE))
    assert result.ok, result.problems
    assert result.config is not None
    [rule] = result.config.disposal
    assert (rule.kind, rule.after_months) == ("delivered_reminders", 13)


@pytest.mark.parametrize(("block", "code"), [
    (RULE.replace("delivered_reminders", "chat_logs"), "config.not_one_of"),
    (RULE.replace("delivered_reminders", "updates"), "config.disposal_public_record"),
    (RULE.replace("delivered_reminders", "decisions"), "config.disposal_public_record"),
    (RULE.replace("after_months = 13", "after_months = 0"), "config.too_small"),
    (RULE.replace('reference = "Dokumenthanteringsplan 2026, punkt 4.2"\n', ""),
     "config.missing"),
    (RULE + "colour = 'blue'\n", "config.unknown_key"),
    (RULE + RULE, "config.duplicate_id"),
])
def test_bad_disposal_rules_are_refused(block: str, code: str) -> None:
    result = load_config_text(with_disposal(block))
    assert not result.ok
    assert code in {p.code for p in result.problems}, result.problems
    assert all(p.path.startswith("disposal") for p in result.problems), result.problems
