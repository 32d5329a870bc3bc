"""Absence (`frånvaro`): a person away from one day to another, both days included.

Pure rules: whether a person is away on a day, and whether a new absence is acceptable. The
reminder rules (`domain.reminders`) send nothing to a person on the days they are away, and
route the convener's reminders to the stand-in while the contact is away.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

# The longest absence one command registers (a year): longer is likely a typo (`2027` for 2026).
MAX_DAYS = 366


@dataclass(frozen=True)
class Absence:
    id: int
    person_id: str
    start: date
    end: date
    # When it was registered: the stand-in is told then.
    created_at: datetime | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


class Absences:
    """Every absence that matters to one planning run, by person."""

    def __init__(self, absences: Mapping[str, tuple[Absence, ...]] | None = None) -> None:
        self._by_person = dict(absences or {})

    @staticmethod
    def of(rows: list[Absence]) -> Absences:
        by_person: dict[str, list[Absence]] = {}
        for row in rows:
            by_person.setdefault(row.person_id, []).append(row)
        return Absences({person: tuple(found) for person, found in by_person.items()})

    def away(self, person_id: str | None, *days: date) -> Absence | None:
        """The absence that covers any of `days` for the person, or None."""

        if person_id is None:
            return None
        for absence in self._by_person.get(person_id, ()):
            if any(absence.covers(day) for day in days):
                return absence
        return None

    def all(self) -> list[Absence]:
        return [a for found in self._by_person.values() for a in found]


NO_ABSENCES = Absences()


def absence_problem(start: date, end: date, today: date) -> str | None:
    """Why an absence cannot be registered (a message code), or None."""

    if end < start:
        return "absence.end_before_start"
    if end < today:
        return "absence.in_past"
    if (end - start).days + 1 > MAX_DAYS:
        return "absence.too_long"
    return None
