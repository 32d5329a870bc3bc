"""Disposal (gallring) as work: the configured rules applied, each disposal audited.

`dispose` runs in one transaction: it reads the active rules, lets `domain.disposal.select`
choose per rule among the rows older than its cutoff, deletes them (unless `dry_run`) and writes
one audit entry per rule with its kind, count, cutoff and reference (`gdpr.dispose`), even when
nothing was due, so the log shows the rule was applied. No personal data goes into the detail.

`dispose_daily` is the ticker's work item: at most once per day (UTC) across every instance,
by claiming `disposal:<date>` in `processed_deliveries` in the same transaction as the
disposal itself. A second instance's claim waits on the first's and then fails; a run that
fails rolls its claim back, so a later tick of the same day tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from domain.disposal import Selection, audit_detail, cutoff, rules_by_kind, select
from storage.repositories import SqlStore, StoreFactory

log = logging.getLogger(__name__)

CLAIM_PLATFORM = "scheduler"


def dispose_in(store: SqlStore, now: datetime, *, actor: str, dry_run: bool = False
               ) -> list[Selection]:
    register = store.register
    rules = rules_by_kind(register.disposal_rules())
    selections: list[Selection] = []
    for kind, rule in sorted(rules.items()):
        candidates = register.disposal_candidates(kind, cutoff(rule, now))
        selections.extend(select([rule], candidates, now))
    for selection in selections:
        if not dry_run and selection.records:
            register.dispose(selection.rule.kind, [r.key for r in selection.records])
        if not dry_run:
            store.audit.record(actor, "gdpr.dispose", "ok", audit_detail(selection))
    return selections


def dispose(stores: StoreFactory, clock: Callable[[], datetime], *, actor: str,
            dry_run: bool = False) -> list[Selection]:
    with stores() as store:
        selections = dispose_in(store, clock(), actor=actor, dry_run=dry_run)
        if dry_run:
            store.rollback()
        return selections


def dispose_daily(stores: StoreFactory, clock: Callable[[], datetime]) -> int | None:
    """The day's disposal, once across instances; the rows removed, or None if already run."""

    now = clock()
    with stores() as store:
        if not store.register.disposal_rules():
            return 0
        if not store.deliveries.first_time(CLAIM_PLATFORM, f"disposal:{now.date().isoformat()}"):
            return None
        selections = dispose_in(store, now, actor="scheduler")
    removed = sum(s.count for s in selections)
    if removed:
        log.info("disposal", extra={"removed": removed,
                                    "kinds": ",".join(s.rule.kind for s in selections)})
    return removed
