"""Disposal (gallring): what stored data is due for removal, given the rules and the time.

Nothing is disposed by default. An administrator writes one rule per kind of data into the
configuration (`[[disposal]]`), following the organisation's records plan
(dokumenthanteringsplan); the rule names its source (`reference`), which is logged with every
disposal it allows. The kinds:

- `delivered_reminders`: reminders whose delivery is over (outbox rows `sent`, `missed`,
  `failed`, `interrupted`), aged from when they finished (or were claimed, if never
  finished). Rows still `sending` or waiting to `retry` are never disposed: they are what
  keeps a reminder from being sent twice.
- `audit_entries`: audit-log entries, aged from when they were written; except the entries
  that record a disposal (`gdpr.dispose`): they are the proof that what was removed was
  removed under a rule, and stay.
- `processed_deliveries`: the platform delivery ids seen, with the ids of what each stored
  (no personal data, but no use either once old; the scheduler forgets them after two days
  anyway).

Updates, their versions, decisions and next steps have no kind, on purpose: they are public
records (allmänna handlingar) under the Swedish Public Access to Information and Secrecy Act,
and disposing of them needs a disposal decision (gallringsbeslut) by the authority and, as a
rule, archiving first. That is done with the authority's archive, from an export (`export
uppdateringar json`), not by a chat bot's timer; the configuration refuses such rules.

A month here is a calendar month: a rule of 13 months run on 2027-10-31 disposes what is older
than 2026-09-30 (the day is clamped to the month's length), in UTC.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, get_args

from domain.config import PUBLIC_RECORD_KINDS, DisposalKind

KINDS: Final[tuple[str, ...]] = get_args(DisposalKind)
NEVER_DISPOSED: Final[tuple[str, ...]] = PUBLIC_RECORD_KINDS
FINAL_REMINDER_STATUSES: Final = frozenset({"sent", "missed", "failed", "interrupted"})
KEPT_AUDIT_ACTIONS: Final = frozenset({"gdpr.dispose"})


@dataclass(frozen=True)
class Rule:
    kind: str
    after_months: int
    reference: str


@dataclass(frozen=True)
class Record:
    """One stored row as disposal sees it: no content, only what decides whether it goes.

    `status` is an outbox row's status, `action` an audit entry's action; empty otherwise.
    """

    kind: str
    key: str
    at: datetime
    status: str = ""
    action: str = ""


@dataclass(frozen=True)
class Selection:
    rule: Rule
    cutoff: datetime
    records: tuple[Record, ...]

    @property
    def count(self) -> int:
        return len(self.records)


def months_before(moment: datetime, months: int) -> datetime:
    """The same moment `months` calendar months earlier (the day clamped to the month)."""

    if months < 0:
        raise ValueError("months must not be negative")
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def cutoff(rule: Rule, now: datetime) -> datetime:
    """Records strictly older than this are due under `rule`."""

    return months_before(now, rule.after_months)


def may_dispose(record: Record) -> bool:
    """Whether any rule could ever dispose this record, whatever its age."""

    if record.kind == "delivered_reminders":
        return record.status in FINAL_REMINDER_STATUSES
    if record.kind == "audit_entries":
        return record.action not in KEPT_AUDIT_ACTIONS
    return record.kind == "processed_deliveries"


def rules_by_kind(rules: Iterable[Rule]) -> dict[str, Rule]:
    """The rules that apply, one per kind; unknown kinds (and public records) are ignored.

    The configuration refuses two rules for one kind; should the database hold two anyway,
    the more cautious (longer) one applies.
    """

    chosen: dict[str, Rule] = {}
    for rule in rules:
        if rule.kind not in KINDS or rule.kind in NEVER_DISPOSED or rule.after_months < 1:
            continue
        current = chosen.get(rule.kind)
        if current is None or rule.after_months > current.after_months:
            chosen[rule.kind] = rule
    return chosen


def select(rules: Iterable[Rule], records: Iterable[Record], now: datetime
           ) -> list[Selection]:
    """What is due for disposal now: per applicable rule, the records older than its cutoff.

    A record of a kind no rule names is never selected.
    """

    applicable = rules_by_kind(rules)
    found: dict[str, list[Record]] = {kind: [] for kind in applicable}
    limits = {kind: cutoff(rule, now) for kind, rule in applicable.items()}
    for record in records:
        limit = limits.get(record.kind)
        if limit is not None and record.at < limit and may_dispose(record):
            found[record.kind].append(record)
    return [
        Selection(applicable[kind], limits[kind], tuple(found[kind]))
        for kind in sorted(applicable)
    ]


def audit_detail(selection: Selection, *, dry_run: bool = False) -> str:
    """The audit-log line of one disposal: kind, count, cutoff and the rule; no personal data."""

    rule = selection.rule
    prefix = "dry-run " if dry_run else ""
    return (
        f"{prefix}kind={rule.kind} count={selection.count} before={selection.cutoff.isoformat()} "
        f"after_months={rule.after_months} rule={rule.reference}"
    )


def total(selections: Sequence[Selection]) -> int:
    return sum(s.count for s in selections)
