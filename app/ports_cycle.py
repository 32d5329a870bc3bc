"""Ports for the meeting cycle: absences, and what announcements are planned from."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from domain.absence import Absence, Absences
from domain.announcements import StoredChange
from domain.reminders import ReminderRules


class AbsenceRepository(Protocol):
    def add(self, person_id: str, start: date, end: date) -> Absence: ...

    def of_person(self, person_id: str, since: date) -> list[Absence]: ...

    def end_now(self, person_id: str, today: date) -> list[Absence]: ...

    def between(self, first: date, last: date) -> Absences: ...


class AnnouncementRepository(Protocol):
    def changes(self, group_id: str) -> list[StoredChange]: ...

    def reminder_rules(self, group_id: str) -> dict[str, ReminderRules]: ...

    def admins(self) -> tuple[str, ...]: ...
