"""Meeting calendar of the working groups: Swedish days off, terms and recurring series.

Pure functions: the clock, the terms and (optionally) the days off are arguments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Literal, get_args
from zoneinfo import ZoneInfo

import holidays
from dateutil.rrule import rrule, rrulestr

STOCKHOLM = ZoneInfo("Europe/Stockholm")

NonWorkingPolicy = Literal["skip", "next_working_day"]
TermKind = Literal["vt", "ht"]

# A bound on every search for a working day: a supplied days-off mapping that blocks whole
# years is a configuration error, and an endless loop would hide it.
_MAX_SEARCH_DAYS = 366

# Minutes and seconds come from start_time, so the rule itself must produce whole dates only.
_ALLOWED_FREQS = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
# dateutil checks its UNTIL only when a date matches, so a rule that never matches scans to
# year 9999 (seconds for FREQ=DAILY). Limiting the parts to these keeps such rules rare and
# lets `_never_matches` catch the usual slip (a day of the month no chosen month has). COUNT
# and UNTIL are left out because expansion sets its own UNTIL; the series' `until` replaces it.
_ALLOWED_PARTS = frozenset(
    {"FREQ", "INTERVAL", "WKST", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "BYWEEKNO"}
)
_MONTH_LENGTHS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # leap year: the most days


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date  # inclusive
    name: str = ""

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end


@dataclass(frozen=True)
class Term:
    id: str
    kind: TermKind
    start: date
    end: date  # inclusive
    breaks: tuple[DateRange, ...] = ()

    def contains(self, d: date) -> bool:
        """True when meetings can take place on `d`: inside the term and in none of its breaks."""
        return self.start <= d <= self.end and not any(b.contains(d) for b in self.breaks)


@dataclass(frozen=True)
class SeriesRule:
    id: str
    group_id: str
    start_time: time  # naive local wall-clock time in Europe/Stockholm
    duration: timedelta
    location: str = ""
    rrule: str | None = None  # RFC 5545 RRULE body without the "RRULE:" prefix
    dtstart: date | None = None
    until: date | None = None  # last date the rule may produce (before any move)
    dates: tuple[date, ...] = ()
    on_non_working_day: NonWorkingPolicy = "next_working_day"


@dataclass(frozen=True)
class Occurrence:
    series_id: str
    group_id: str
    key: str  # ISO date the rule produced; identity survives a move
    scheduled_date: date
    start: datetime
    end: datetime
    location: str
    shifted_from: date | None


# --- days off -------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _days_off_for_year(year: int) -> Mapping[date, str]:
    # Cached because the holidays package recomputes the calendar on every construction and
    # working-day searches ask about the same few years over and over.
    found = holidays.country_holidays(
        "SE", years=year, categories=("public", "de_facto"), language="sv"
    )
    return MappingProxyType({d: str(name) for d, name in sorted(found.items())})


def swedish_days_off(years: Iterable[int]) -> dict[date, str]:
    """Public holidays plus the de facto days off (midsommar-, jul- and nyårsafton).

    Names are the Swedish ones from the holidays package. Ordinary Sundays are not included:
    weekends are handled by `is_working_day`.
    """
    result: dict[date, str] = {}
    for year in sorted(set(years)):
        result.update(_days_off_for_year(year))
    return result


def _is_day_off(d: date, days_off: Mapping[date, str] | None) -> bool:
    if days_off is None:
        return d in _days_off_for_year(d.year)
    return d in days_off


def is_working_day(d: date, days_off: Mapping[date, str] | None = None) -> bool:
    """Monday to Friday and not a day off.

    `days_off=None` uses the Swedish days off of whatever year `d` is in; a supplied mapping
    is taken as complete, so it must cover every year that a search can reach.
    """
    return d.weekday() < 5 and not _is_day_off(d, days_off)


def _search(d: date, step: int, days_off: Mapping[date, str] | None) -> date:
    candidate = d
    for _ in range(_MAX_SEARCH_DAYS):
        if is_working_day(candidate, days_off):
            return candidate
        candidate += timedelta(days=step)
    raise ValueError(f"no working day within {_MAX_SEARCH_DAYS} days of {d.isoformat()}")


def roll_forward(d: date, days_off: Mapping[date, str] | None = None) -> date:
    """The first working day on or after `d`."""
    return _search(d, 1, days_off)


def next_working_day(d: date, days_off: Mapping[date, str] | None = None) -> date:
    """The first working day strictly after `d`."""
    return _search(d + timedelta(days=1), 1, days_off)


def previous_working_day(d: date, days_off: Mapping[date, str] | None = None) -> date:
    """The last working day strictly before `d`."""
    return _search(d - timedelta(days=1), -1, days_off)


def add_working_days(d: date, n: int, days_off: Mapping[date, str] | None = None) -> date:
    """Move `n` working days from `d` (backwards when `n` is negative).

    `d` itself is never counted, so it need not be a working day; `n == 0` returns `d`.
    """
    result = d
    step = next_working_day if n > 0 else previous_working_day
    for _ in range(abs(n)):
        result = step(result, days_off)
    return result


# --- terms ----------------------------------------------------------------------------------


def term_of(d: date, terms: Sequence[Term]) -> Term | None:
    """The term whose start..end holds `d`, breaks included; the first one if several do."""
    for term in terms:
        if term.start <= d <= term.end:
            return term
    return None


def validate_terms(terms: Sequence[Term]) -> list[str]:
    """Problems with a set of terms, as short codes with the term id after a colon."""
    problems: list[str] = []
    seen: set[str] = set()
    for term in terms:
        if not term.id:
            problems.append("term_id_empty")
        elif term.id in seen:
            problems.append(f"term_id_duplicate:{term.id}")
        seen.add(term.id)
        if term.kind not in get_args(TermKind):
            problems.append(f"term_kind_invalid:{term.id}")
        if term.end < term.start:
            problems.append(f"term_end_before_start:{term.id}")
        for brk in term.breaks:
            if brk.end < brk.start:
                problems.append(f"break_end_before_start:{term.id}")
            elif brk.start < term.start or brk.end > term.end:
                problems.append(f"break_outside_term:{term.id}")
    # Compare with the longest-reaching term so far, so that a term overlapping a long one
    # is caught even when a shorter term sits between them.
    reach: Term | None = None
    for term in sorted(terms, key=lambda t: (t.start, t.end, t.id)):
        if reach is not None and term.start <= reach.end:
            problems.append(f"terms_overlap:{reach.id},{term.id}")
        if reach is None or term.end > reach.end:
            reach = term
    return problems


# --- time -----------------------------------------------------------------------------------


def local_datetime(d: date, t: time) -> datetime:
    """`t` on `d` as an aware Europe/Stockholm datetime.

    A wall time that does not exist (the skipped hour on the last Sunday of March) is read
    with the offset before the gap and so lands an hour later, as RFC 5545 prescribes; an
    ambiguous one (last Sunday of October) is the first of the two, unless `t.fold` is 1.
    """
    if t.tzinfo is not None:
        raise ValueError("local_datetime expects a naive wall-clock time")
    wall = datetime.combine(d, t, tzinfo=STOCKHOLM)
    # The round trip through UTC turns a non-existent wall time into a real one.
    return wall.astimezone(UTC).astimezone(STOCKHOLM)


def _add_elapsed(start: datetime, duration: timedelta) -> datetime:
    # Aware arithmetic in one zone is wall-clock arithmetic in Python; a meeting lasts
    # elapsed time, so add it in UTC.
    return (start.astimezone(UTC) + duration).astimezone(STOCKHOLM)


# --- series ---------------------------------------------------------------------------------


def _rrule_parts(body: str) -> dict[str, str] | None:
    parts: dict[str, str] = {}
    for item in body.split(";"):
        name, sep, value = item.partition("=")
        name = name.strip().upper()
        if not sep or not name or not value.strip() or name in parts:
            return None
        parts[name] = value.strip()
    return parts


def _int_list(value: str | None) -> list[int]:
    return [int(v) for v in value.split(",")] if value else []


# dateutil accepts values outside these ranges and then never matches (see _ALLOWED_PARTS).
_INT_RANGES = {
    "INTERVAL": (1, 1000),
    "BYMONTH": (1, 12),
    "BYMONTHDAY": (1, 31),
    "BYWEEKNO": (1, 53),
}
_BYDAY_ITEM = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")


def _out_of_range(parts: Mapping[str, str]) -> list[str]:
    problems: list[str] = []
    for name, (low, high) in _INT_RANGES.items():
        values = _int_list(parts.get(name))
        # Negative values count from the end of the month or year, except for INTERVAL.
        if any(not low <= (v if name == "INTERVAL" else abs(v)) <= high for v in values):
            problems.append(f"rrule_out_of_range:{name}")
    monthly = parts["FREQ"].upper() == "MONTHLY" or "BYMONTH" in parts
    highest_nth = 5 if monthly else 53
    for item in parts.get("BYDAY", "").upper().split(","):
        found = _BYDAY_ITEM.fullmatch(item.strip())
        nth = int(found.group(1)) if found and found.group(1) else None
        if nth is not None and not 1 <= abs(nth) <= highest_nth:
            problems.append("rrule_out_of_range:BYDAY")
            break
    return problems


def _never_matches(parts: Mapping[str, str]) -> bool:
    month_days = _int_list(parts.get("BYMONTHDAY"))
    if not month_days:
        return False
    months = _int_list(parts.get("BYMONTH")) or list(range(1, 13))
    longest = max(_MONTH_LENGTHS[m - 1] for m in months)
    return all(abs(d) > longest for d in month_days)


def rrule_problems(body: str) -> list[str]:
    """What is wrong with an RRULE body, as short codes (`rrule_freq_unsupported:MONTLY`)."""

    if not body.strip() or any(c in body for c in ":\r\n"):
        return ["rrule_invalid: expected an RRULE body such as FREQ=MONTHLY;BYDAY=2TU"]
    parts = _rrule_parts(body)
    if parts is None:
        return ["rrule_invalid: expected NAME=VALUE parts separated by ';', each once"]
    problems: list[str] = []
    freq = parts.get("FREQ")
    if freq is None:
        problems.append("rrule_freq_missing")
    elif freq.upper() not in _ALLOWED_FREQS:
        problems.append(f"rrule_freq_unsupported:{freq}")
    unknown = sorted(parts.keys() - _ALLOWED_PARTS)
    problems.extend(f"rrule_part_not_allowed:{name}" for name in unknown)
    if problems:
        return problems
    try:
        rrulestr(body, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError) as exc:
        return [f"rrule_invalid: {exc}"]
    problems = _out_of_range(parts)
    if not problems and _never_matches(parts):
        problems.append("rrule_never_matches")
    return problems


def validate_series(rule: SeriesRule) -> list[str]:
    """Problems with a series definition as short codes; an empty list means it is usable."""
    problems: list[str] = []
    if not rule.id:
        problems.append("id_empty")
    if not rule.group_id:
        problems.append("group_id_empty")
    if rule.start_time.tzinfo is not None:
        problems.append("start_time_not_naive")
    if rule.duration <= timedelta(0):
        problems.append("duration_not_positive")
    if rule.on_non_working_day not in get_args(NonWorkingPolicy):
        problems.append("on_non_working_day_invalid")
    if rule.rrule is not None and rule.dates:
        problems.append("rrule_and_dates_both_given")
    elif rule.rrule is None and not rule.dates:
        problems.append("rrule_or_dates_required")
    if rule.rrule is not None:
        if rule.dtstart is None:
            problems.append("dtstart_required_with_rrule")
        problems.extend(rrule_problems(rule.rrule))
    elif rule.dtstart is not None:
        problems.append("dtstart_only_with_rrule")
    if len(set(rule.dates)) != len(rule.dates):
        problems.append("dates_not_unique")
    if rule.until is not None and rule.dtstart is not None and rule.until < rule.dtstart:
        problems.append("until_before_dtstart")
    return problems


def _rrule_dates(body: str, dtstart: date, first: date, last: date) -> list[date]:
    if last < first or last < dtstart:
        return []
    parsed = rrulestr(body, dtstart=datetime.combine(dtstart, time()))
    if not isinstance(parsed, rrule):
        raise ValueError("rrule_invalid: a single RRULE is expected")
    bounded = parsed.replace(until=datetime.combine(last, time()))
    produced: list[datetime] = bounded.between(
        datetime.combine(first, time()), datetime.combine(last, time()), inc=True
    )
    return sorted({dt.date() for dt in produced})


def _candidate_dates(rule: SeriesRule, first: date, last: date) -> list[date]:
    if rule.until is not None:
        last = min(last, rule.until)
    if rule.rrule is not None and rule.dtstart is not None:
        return _rrule_dates(rule.rrule, rule.dtstart, first, last)
    return sorted({d for d in rule.dates if first <= d <= last})


def expand_series(
    rule: SeriesRule,
    terms: Sequence[Term],
    window_start: date,
    window_end: date,
    *,
    days_off: Mapping[date, str] | None = None,
) -> list[Occurrence]:
    """The occurrences of `rule` whose (possibly moved) date lies in window_start..window_end.

    A date the rule produces on a weekend or day off is dropped or moved to the next working
    day (per `on_non_working_day`); the resulting date must then be inside a term
    (`Term.contains`) or the occurrence is dropped. If a move lands on a date the series
    already meets on, the occurrence scheduled later is dropped. `days_off=None` means the
    Swedish days off.
    """
    problems = validate_series(rule)
    if problems:
        raise ValueError(f"invalid series {rule.id!r}: " + "; ".join(problems))
    if window_end < window_start:
        return []

    # Dates in the run of days off just before the window can be moved into it, and they
    # must also take part in the duplicate check, or a sub-window would disagree with the
    # window that contains it.
    first_candidate = previous_working_day(window_start, days_off) + timedelta(days=1)

    taken: set[date] = set()
    result: list[Occurrence] = []
    for scheduled in _candidate_dates(rule, first_candidate, window_end):
        if is_working_day(scheduled, days_off):
            actual, shifted_from = scheduled, None
        elif rule.on_non_working_day == "skip":
            continue
        else:
            actual, shifted_from = roll_forward(scheduled, days_off), scheduled
        if actual in taken or not any(term.contains(actual) for term in terms):
            continue
        taken.add(actual)
        if not window_start <= actual <= window_end:
            continue
        start = local_datetime(actual, rule.start_time)
        result.append(
            Occurrence(
                series_id=rule.id,
                group_id=rule.group_id,
                key=scheduled.isoformat(),
                scheduled_date=scheduled,
                start=start,
                end=_add_elapsed(start, rule.duration),
                location=rule.location,
                shifted_from=shifted_from,
            )
        )
    result.sort(key=lambda o: (o.start.astimezone(UTC), o.key))
    return result
