"""A joint activity's status: one per organisation, and the worst of them for the activity.

An activity is often owned by several organisations (VGR and the four federations), and each
reports on its own share. One organisation's report must never hide another's: if Fyrbodal
reports SP-3 "försenad" and GR "pågår" an hour later, SP-3 is delayed.

Rules chosen here:
- Each organisation's status is its own latest report (an update speaks for its author's
  organisation as it was when reported).
- The activity's status is the worst current status of the organisations that have reported
  (worst by `STATUS_RANK`: delayed, at risk, paused, not started, starting, on track, done).
  An owner that has never reported counts as such: it is named under "ingen rapport" in
  every breakdown, and never lends the activity a status it has not given.
- A report from an organisation that is not an owner (a member of the responsible group from
  elsewhere) counts too, and is marked as not an owner: a delay is a delay whoever reports
  it, and leaving it out would hide it.
- The status before a period is the same rule applied to each organisation's latest report
  before the period's start.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, NamedTuple

# Worst to best: which status an activity shows, and the direction of a change.
STATUS_RANK: Final[dict[str, int]] = {
    "delayed": 0, "at_risk": 1, "paused": 2, "not_started": 3, "starting": 4, "on_track": 5,
    "done": 6,
}  # fmt: skip


class OrganisationReport(NamedTuple):
    """One organisation's reports on one activity, as storage aggregated them (a named tuple:
    a status of a thousand activities makes five thousand of them)."""

    organisation_id: str
    # Its latest live report at the period's end (None: none by then), and when that was.
    status: str | None
    last_update: datetime | None = None
    # Its latest live report before the period's start.
    previous_status: str | None = None


class Standing(NamedTuple):
    """One organisation's part in an activity's status."""

    organisation_id: str
    owner: bool
    status: str | None
    last_update: datetime | None
    previous_status: str | None


@dataclass(frozen=True)
class JointStatus:
    status: str | None
    previous_status: str | None
    last_update: datetime | None
    # Owners in the plan's order (reported or not), then the other organisations that
    # reported, by id.
    parts: tuple[Standing, ...]

    @property
    def joint(self) -> bool:
        """More than one organisation owns it or has reported on it: a breakdown says more."""

        return len(self.parts) > 1

    def reported(self) -> list[Standing]:
        """Those with a current status, worst first."""

        return sorted((p for p in self.parts if p.status is not None),
                      key=lambda p: (STATUS_RANK.get(p.status or "", -1), p.organisation_id))

    def silent_owners(self) -> list[str]:
        """Owners without a report, in the plan's order."""

        return [p.organisation_id for p in self.parts if p.owner and p.status is None]


def worst(statuses: Iterable[str | None]) -> str | None:
    """The worst of the statuses given (None where there is none). An unknown code ranks
    below every known one: shown, never hidden behind a better one."""

    found: str | None = None
    lowest = len(STATUS_RANK)
    for status in statuses:
        if status is not None:
            rank = STATUS_RANK.get(status, -1)
            if rank < lowest:
                found, lowest = status, rank
    return found


def joint_status(owners: Sequence[str], reports: Iterable[OrganisationReport]) -> JointStatus:
    by_org = {r.organisation_id: r for r in reports}
    parts: list[Standing] = []
    for org in dict.fromkeys(owners):
        report = by_org.pop(org, None)
        parts.append(Standing(org, True, None, None, None) if report is None else Standing(
            org, True, report.status, report.last_update, report.previous_status))
    for org in sorted(by_org):
        report = by_org[org]
        if report.status or report.previous_status:
            parts.append(Standing(org, False, report.status, report.last_update,
                                  report.previous_status))
    dates = [p.last_update for p in parts if p.last_update is not None]
    return JointStatus(
        status=worst(p.status for p in parts),
        previous_status=worst(p.previous_status for p in parts),
        last_update=max(dates) if dates else None,
        parts=tuple(parts),
    )
