"""Days and moments as every answer writes them: Stockholm time, in the reader's language."""

from __future__ import annotations

from datetime import date, datetime

from app.i18n import Translator
from domain.calendar import STOCKHOLM
from domain.dates import format_date_en, format_date_sv


def local_day(moment: datetime) -> date:
    return moment.astimezone(STOCKHOLM).date()


def format_day(t: Translator, day: date) -> str:
    return format_date_sv(day) if t.language == "sv" else format_date_en(day)


def format_moment(t: Translator, moment: datetime) -> str:
    local = moment.astimezone(STOCKHOLM)
    return t("updates.at", day=format_day(t, local.date()), time=f"{local:%H:%M}")
