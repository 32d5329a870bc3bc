"""Absence in what the bot shows: a member away is listed as away, not as "not reported"."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from app.ports import Store
from domain.report_figures import SummaryFigures
from domain.schedule import Meeting


def with_away(store: Store, figures: SummaryFigures, today: date,
              next_meeting: Meeting | None) -> SummaryFigures:
    """The summary's figures with the members away today or at the next meeting moved from
    `missing` to `away`."""

    day = next_meeting.local_date if next_meeting is not None else today
    absences = store.absences.between(min(today, day), max(today, day))
    away = tuple(m for m in figures.missing if absences.away(m.person_id, today, day))
    if not away:
        return figures
    return replace(figures, missing=tuple(m for m in figures.missing if m not in away),
                   away=away)
