"""What handlers need from the outside world, as small protocols.

`storage/` implements them with SQLAlchemy; tests may implement them in memory. Handlers never
build sessions: a door opens one `Store` per command, which is one transaction.

Opening a store, or anything done in it, raises `domain.errors.StoreUnavailable` when the
database cannot be reached, is locked, or does not answer in time; the transaction is then
rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, Literal, Protocol

from app.ports_cycle import AbsenceRepository, AnnouncementRepository
from domain.agenda import AgendaItem, Attendance, AttendanceAnswer, ItemKind, ItemStatus
from domain.disposal import Record, Rule
from domain.followup import (
    FollowUpFigures,
    OrganisationValue,
    PlanBudgetLine,
    PlanMilestone,
)
from domain.model import ChatIdentity, GroupInfo, GroupMembership, Person
from domain.notes import Decision, NextStep
from domain.plan import PlanActivity, PlanOrganisation
from domain.report_figures import IndicatorFigure, StatusFigures, SummaryFigures, UpdateRow
from domain.schedule import GroupCalendar, Meeting, ScheduleChange
from domain.updates import UpdateContent, UpdateRecord, UpdateVersion


class PeopleRepository(Protocol):
    def get(self, person_id: str) -> Person | None: ...

    def find_by_platform(self, platform: str, user_id: str) -> Person | None: ...

    def find_by_email(self, email: str) -> Person | None: ...

    def identities(self, person_id: str | None = None) -> list[ChatIdentity]: ...

    def link_platform(self, person_id: str, platform: str, user_id: str) -> None: ...

    def memberships(self, person_id: str) -> list[GroupMembership]: ...

    def set_reminders_dm(self, person_id: str, enabled: bool) -> None: ...


class AuditRepository(Protocol):
    def record(
        self,
        actor_id: str | None,
        action: str,
        outcome: Literal["ok", "denied", "invalid"],
        detail: str = "",
    ) -> None: ...


class CalendarRepository(Protocol):
    def group(self, group_id: str) -> GroupInfo | None: ...

    def groups(self) -> list[GroupInfo]: ...

    def group_for_channel(self, platform: str, channel_id: str) -> GroupInfo | None: ...

    def organisation_names(self) -> dict[str, str]: ...

    def person_names(self) -> dict[str, str]: ...

    def calendar(self, group_id: str) -> GroupCalendar | None: ...

    def changes(self, group_id: str, *, before: int | None = None) -> list[ScheduleChange]: ...

    def change(self, change_id: int) -> tuple[str, ScheduleChange, str] | None: ...

    def add_change(
        self, group_id: str, change: ScheduleChange, *, actor_id: str, reason: str
    ) -> int: ...

    def feed_token(self, group_id: str, actor_id: str | None) -> str: ...

    def revoke_feeds(self, group_id: str) -> int: ...

    def group_for_feed(self, token: str) -> str | None: ...

    def raise_sequences(self, fingerprints: dict[str, str]) -> None: ...

    def sequences(
        self, meetings: Sequence[Meeting], fingerprints: dict[str, str]
    ) -> dict[str, int]: ...


class DeliveryRepository(Protocol):
    """Platform delivery ids already handled: when, and what the first delivery stored."""

    def first_time(
        self, platform: str, delivery_id: str, *, at: datetime | None = None,
        outcome: str | None = None,
    ) -> bool: ...

    def claimed(self, platform: str, delivery_id: str) -> tuple[datetime, str] | None: ...

    def settle(self, platform: str, delivery_id: str, *, was: str, outcome: str,
               at: datetime) -> bool: ...


class PlanRepository(Protocol):
    """The synced action plan, read only."""

    def activities(self) -> list[PlanActivity]: ...

    def activity(self, code: str) -> PlanActivity | None: ...

    def activity_title(self, code: str) -> str: ...

    def groups(self) -> list[GroupInfo]: ...

    def organisations(self) -> list[PlanOrganisation]: ...

    def is_active_member(self, person_id: str, group_id: str) -> bool: ...


class UpdateRepository(Protocol):
    """Activity updates; every change adds a version, nothing is deleted."""

    def add(
        self,
        content: UpdateContent,
        *,
        author_id: str,
        group_id: str,
        at: datetime,
        delivery: tuple[str, str] | None = None,
    ) -> UpdateRecord: ...

    def revise(
        self,
        number: int,
        content: UpdateContent,
        *,
        actor_id: str,
        group_id: str,
        at: datetime,
        delivery: tuple[str, str] | None = None,
    ) -> UpdateRecord: ...

    def withdraw(
        self, number: int, reason: str, *, actor_id: str, at: datetime
    ) -> UpdateRecord: ...

    def get(self, number: int) -> UpdateRecord | None: ...

    def get_by_uid(self, uid: str) -> UpdateRecord | None: ...

    def by_delivery(self, platform: str, delivery_id: str) -> UpdateRecord | None: ...

    def by_author(self, person_id: str, limit: int = 20) -> list[UpdateRecord]: ...

    def history(self, number: int) -> list[UpdateVersion]: ...

    def current(
        self, *, group_ids: Sequence[str] | None = None, since: datetime | None = None
    ) -> list[UpdateRecord]: ...


class NotesRepository(Protocol):
    """Decisions and next steps, each tied to a group and a meeting date."""

    def add_decision(
        self,
        *,
        group_id: str,
        meeting_date: date,
        text: str,
        author_id: str,
        at: datetime,
        meeting_id: str | None = None,
    ) -> Decision: ...

    def decision(self, number: int) -> Decision | None: ...

    def decisions(self, group_id: str, meeting_date: date) -> list[Decision]: ...

    def latest_decision_date(self, group_id: str, on_or_before: date) -> date | None: ...

    def add_next_step(
        self,
        *,
        group_id: str,
        meeting_date: date,
        text: str,
        author_id: str,
        at: datetime,
        responsible_org_id: str | None = None,
        due: date | None = None,
        meeting_id: str | None = None,
    ) -> NextStep: ...

    def next_step(self, number: int) -> NextStep | None: ...

    def close_next_step(self, number: int, *, actor_id: str, at: datetime) -> NextStep: ...

    def open_next_steps(self, group_ids: Sequence[str]) -> list[NextStep]: ...

    def count_for_meeting(self, group_id: str, meeting_id: str, meeting_date: date) -> int: ...


class AgendaRepository(Protocol):
    """Agenda items and questions for a group's meetings, and who says they will attend."""

    def add_item(
        self, *, group_id: str, kind: ItemKind, text: str, proposer_id: str,
        organisation_id: str, at: datetime, meeting_date: date | None,
        meeting_id: str | None = None, from_group_id: str | None = None,
    ) -> AgendaItem: ...

    def item(self, number: int) -> AgendaItem | None: ...

    def items(
        self, group_id: str, meeting_date: date | None,
        statuses: Sequence[ItemStatus] | None = None,
    ) -> list[AgendaItem]: ...

    def questions_from(
        self, from_group_id: str, *, since: datetime | None, until: datetime
    ) -> list[AgendaItem]: ...

    def answered_questions(
        self, group_id: str, decision_numbers: Sequence[int]
    ) -> list[AgendaItem]: ...

    def set_status(
        self, number: int, status: ItemStatus, *, actor_id: str, at: datetime
    ) -> AgendaItem: ...

    def move(
        self, number: int, *, meeting_date: date, meeting_id: str | None, actor_id: str,
        at: datetime,
    ) -> AgendaItem: ...

    def answer(self, number: int, *, decision_number: int, at: datetime) -> AgendaItem: ...

    def answered_between(self, since: datetime, until: datetime) -> list[AgendaItem]: ...

    def record_attendance(
        self, *, group_id: str, meeting_date: date, meeting_id: str | None, person_id: str,
        organisation_id: str, answer: AttendanceAnswer, at: datetime,
    ) -> Attendance: ...

    def attendance(self, group_id: str, meeting_date: date) -> list[Attendance]: ...

    def members(self, group_id: str) -> list[tuple[str, str, str]]: ...

    def next_steps_of(self, group_id: str, meeting_date: date) -> list[NextStep]: ...


class ReportRepository(Protocol):
    """The reports' figures, aggregated by the database (never every update in Python)."""

    def plan_activities(
        self, *, goal_areas: Sequence[str] | None = None, group_id: str | None = None
    ) -> list[PlanActivity]: ...

    def status_figures(
        self, *, since: datetime, until: datetime, goal_areas: Sequence[str] | None = None
    ) -> StatusFigures: ...

    def indicator_values(
        self, *, until: datetime, goal_areas: Sequence[str] | None = None
    ) -> list[IndicatorFigure]: ...

    def summary_figures(
        self, group_id: str, *, since: datetime, until: datetime
    ) -> SummaryFigures: ...

    def update_rows(
        self,
        *,
        group_ids: Sequence[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Iterator[UpdateRow]: ...

    def signing_key(self) -> str: ...


class FollowUpRepository(Protocol):
    """The plan's follow-up: milestones, budget lines, indicator values per organisation,
    and the annual follow-up, aggregated by the database."""

    def milestones(self, activities: Sequence[PlanActivity]) -> list[PlanMilestone]: ...

    def mark_done(self, milestone_id: str, *, actor_id: str, at: datetime) -> bool: ...

    def contacts(self, milestones: Sequence[PlanMilestone]) -> dict[str, list[str]]: ...

    def budget_lines(self) -> list[PlanBudgetLine]: ...

    def organisation_values(
        self, *, until: datetime, goal_areas: Sequence[str] | None = None,
        before: datetime | None = None,
    ) -> list[OrganisationValue]: ...

    def follow_up_figures(
        self, year: int, *, start: datetime, end: datetime,
        activities: Sequence[PlanActivity], goal_areas: Sequence[str] | None = None,
    ) -> FollowUpFigures: ...


class RegisterRepository(Protocol):
    """Data protection: everything stored about one person (GDPR art. 15), and disposal."""

    def extract(self, person_id: str) -> dict[str, Any] | None: ...

    def disposal_rules(self) -> list[Rule]: ...

    def disposal_candidates(self, kind: str, before: datetime) -> list[Record]: ...

    def dispose(self, kind: str, keys: Iterable[str]) -> int: ...


class Store(Protocol):
    """One unit of work: everything a command reads and writes, committed together."""

    @property
    def people(self) -> PeopleRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    @property
    def calendar(self) -> CalendarRepository: ...

    @property
    def deliveries(self) -> DeliveryRepository: ...

    @property
    def plan(self) -> PlanRepository: ...

    @property
    def updates(self) -> UpdateRepository: ...

    @property
    def notes(self) -> NotesRepository: ...

    @property
    def agenda(self) -> AgendaRepository: ...

    @property
    def reports(self) -> ReportRepository: ...

    @property
    def register(self) -> RegisterRepository: ...

    @property
    def followup(self) -> FollowUpRepository: ...

    @property
    def absences(self) -> AbsenceRepository: ...

    @property
    def announcements(self) -> AnnouncementRepository: ...

    def rollback(self) -> None: ...
