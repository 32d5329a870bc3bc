"""The schedule in words, and meetings as people name them in chat.

Shared by the calendar commands, the reminders, `hem`, the notes and the reports: how a day, a
time span, a convener and a status read in the user's language; which meeting a date (and a
time, where a day has two) means; which organisation a word names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

from app.core import Context, UserError
from app.i18n import Translator
from app.ports import Store
from app.wording import format_day
from domain.calendar import STOCKHOLM
from domain.dates import (
    DateParseError,
    parse_date,
    parse_time,
    take_date,
)
from domain.schedule import Meeting, build_schedule, meetings_on
from domain.text import fold


@dataclass(frozen=True)
class Names:
    organisations: dict[str, str]
    people: dict[str, str]

    @staticmethod
    def of(store: Store) -> Names:
        return Names(store.calendar.organisation_names(), store.calendar.person_names())

    def org(self, org_id: str | None) -> str:
        return self.organisations.get(org_id or "", org_id or "")

    def person(self, person_id: str | None) -> str:
        return self.people.get(person_id or "", person_id or "")




def format_time_span(meeting: Meeting) -> str:
    start = meeting.start.astimezone(STOCKHOLM)
    end = meeting.end.astimezone(STOCKHOLM)
    return f"{start:%H:%M}–{end:%H:%M}"


def convener_text(t: Translator, meeting: Meeting, names: Names) -> str:
    if meeting.status == "cancelled":
        return "–"
    if meeting.convener_org is None:
        return t("calendar.no_convener")
    text = names.org(meeting.convener_org)
    if meeting.convener_person:
        text = t("calendar.convener_person", org=text, person=names.person(meeting.convener_person))
    if meeting.stand_in:
        text = t("calendar.with_stand_in", convener=text, stand_in=names.person(meeting.stand_in))
    return text


def status_text(t: Translator, meeting: Meeting) -> str:
    if meeting.status == "moved":
        return t("calendar.status.moved", date=format_day(t, meeting.original_local_date))
    return t(f"calendar.status.{meeting.status}")


def today(ctx: Context) -> date:
    return ctx.now.astimezone(STOCKHOLM).date()


def schedule_of(
    store: Store, group_id: str, window: tuple[date, date] | None = None
) -> list[Meeting]:
    calendar = store.calendar.calendar(group_id)
    if calendar is None:
        return []
    return build_schedule(calendar, store.calendar.changes(group_id), window)


# -- naming a meeting --


def date_error(error: DateParseError) -> UserError:
    return UserError(f"calendar.{error.code}", text=error.text)


# Errors that say more than "not a date": when no width parses, the widest of these is shown,
# so `ons 8 dec` (8 Dec is a Tuesday) is a weekday mismatch rather than "I don't know `ons`".
def date_and_rest(words: Sequence[str], day: date) -> tuple[date, list[str]]:
    """A date written in one to four words (`15/9`, `15 sep`, `tis 15 sep 2026`), and the rest."""

    if not words:
        raise UserError("calendar.date.missing", text="")
    try:
        found, count = take_date(words, today=day)
    except DateParseError as error:
        raise date_error(error) from None
    return found, list(words[count:])


def take_organisation(ctx: Context, words: Sequence[str]) -> tuple[str, list[str]]:
    if not words:
        raise UserError("calendar.org.missing")
    wanted = fold(words[0])
    for org_id, short_name in ctx.store.calendar.organisation_names().items():
        if wanted in (fold(org_id), fold(short_name)):
            return org_id, list(words[1:])
    names = ", ".join(sorted(ctx.store.calendar.organisation_names()))
    raise UserError("calendar.org.unknown", org=words[0], choices=names)


def _take_clock(words: list[str]) -> tuple[time | None, list[str]]:
    """An optional time after a date (`kl 13`, `13:00`), to tell same-day meetings apart."""

    if words and fold(words[0]) in ("kl", "kl.", "at") and len(words) > 1:
        try:
            return parse_time(words[1]), words[2:]
        except DateParseError:
            return None, words
    if words:
        try:
            return parse_time(words[0]), words[1:]
        except DateParseError:
            pass
    return None, words


def take_meeting(
    ctx: Context, meetings: Sequence[Meeting], words: Sequence[str]
) -> tuple[Meeting, list[str]]:
    """The meeting a user names by its date, and by its time where a day has two."""

    day, rest = date_and_rest(words, today(ctx))
    found = meetings_on(meetings, day)
    if not found:
        raise UserError("calendar.no_meeting_on", date=format_day(ctx.t, day))
    if len(found) == 1:
        return found[0], rest
    at, after = _take_clock(rest)
    chosen = [
        m for m in found if at is not None
        and m.start.astimezone(STOCKHOLM).strftime("%H:%M") == at.strftime("%H:%M")
    ]
    if len(chosen) == 1:
        return chosen[0], after
    times = ", ".join(format_time_span(m) for m in found)
    raise UserError("calendar.several_on", date=format_day(ctx.t, day), times=times)


def typed_date(day: date, today: date) -> str:
    """A date the way a person types it and the bot reads it back: `8/12`, with the year only
    where `8/12` would be read as another year."""

    short = f"{day.day}/{day.month}"
    try:
        if parse_date(short, today=today) == day:
            return short
    except DateParseError:
        pass
    return f"{short}/{day.year}"


def require_admin(ctx: Context, action: str) -> None:
    if not ctx.actor.is_admin:
        raise UserError("calendar.admin_only", audit=action, outcome="denied")
