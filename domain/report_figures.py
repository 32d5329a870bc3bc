"""The figures the reports are built from, as `storage.report_repo` aggregates them in SQL.

Bounded by the plan (one row per activity and organisation) or by one group's window of
updates, never by all the updates; `domain.status_report` and `domain.summary_report` turn
them into documents and rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from domain.joint_status import OrganisationReport
from domain.notes import Decision, NextStep


@dataclass(frozen=True)
class Period:
    """The previous period ends at `start`; the figures are as they stood at `end`."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class ActivityFigures:
    code: str
    # Each organisation that has reported on it (by `end`): its latest status then, and
    # before `start`. Owners that never reported have no entry.
    organisations: tuple[OrganisationReport, ...] = ()
    updates_in_period: int = 0


@dataclass(frozen=True)
class IndicatorFigure:
    activity_code: str
    indicator_id: str
    value: float
    at: datetime


@dataclass(frozen=True)
class StatusFigures:
    activities: tuple[ActivityFigures, ...]
    indicators: tuple[IndicatorFigure, ...] = ()


@dataclass(frozen=True)
class ReportedUpdate:
    """One update of a summary's window, with who wrote it and for which organisation."""

    number: int
    activity_code: str
    status: str
    summary: str
    next_steps: str
    risks: str
    created_at: datetime
    updated_at: datetime
    version: int
    author_id: str
    author_name: str
    organisation_id: str
    indicator_values: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Reporter:
    person_id: str
    name: str
    organisation_id: str


@dataclass(frozen=True)
class SummaryFigures:
    # The group's updates written or changed in the window, oldest first.
    updates: tuple[ReportedUpdate, ...]
    # Activity → each organisation's latest report before the window (`status`, with the
    # moment it was reported as `last_update`).
    previous: Mapping[str, tuple[OrganisationReport, ...]]
    # Active members of the group with no update in the window.
    missing: tuple[Reporter, ...]
    # Of those, the ones away (`frånvaro`) now or at the next meeting: listed as away instead.
    away: tuple[Reporter, ...] = ()


@dataclass(frozen=True)
class NextMeeting:
    start: datetime
    # The convener as the calendar words it ("GR (Amir Haddad)").
    convener: str
    location: str = ""


@dataclass(frozen=True)
class Upphamtning:
    """What the group decided last time, and the next steps still open."""

    decisions: tuple[Decision, ...] = ()
    decisions_date: date | None = None
    open_steps: tuple[NextStep, ...] = ()


@dataclass(frozen=True)
class UpdateRow:
    """One row of the `uppdateringar` export: an update as it stands now."""

    number: int
    created_at: datetime
    updated_at: datetime
    version: int
    group_id: str
    group_name: str
    goal_area_code: str
    goal_area_title: str
    activity_code: str
    activity_title: str
    status: str
    summary: str
    next_steps: str
    risks: str
    author_name: str
    organisation_name: str
    indicator_values: Mapping[str, float] = field(default_factory=dict)
