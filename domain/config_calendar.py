"""The configured meetings checked against the calendar: broken series, and dates lost.

Works on the raw TOML (dicts and lists as `tomllib` gives them), so that its problems are
reported together with every other problem of the file, whatever else is wrong with the same
series. Returns findings as (key path, code, parameters); `domain.config` turns them into
`Problem`s with line numbers. Codes are message-catalog keys: no raw codes reach a person.

Problems (the file is refused):
- a series with both `rrule` and `dates`, or neither; `rrule` without `dtstart`;
- an `rrule` that is not one the calendar can expand (`config.series.rrule_*`, one finding
  per fault, with the offending value); `dates` listed twice; `until` before `dtstart`.

Warnings (the file is valid, but a meeting someone wrote down will not take place as written):
- an explicit date on a weekend or a day off (moved to the next working day, or skipped,
  per `on_non_working_day`), in a break, outside every term, or on a date the series already
  meets on after such a move: one warning per date, on that date's line;
- a date an `rrule` produces inside a term that falls in a break or on a day off (moved or
  skipped): one warning per date, on the `rrule` line;
- dates an `rrule` produces outside every term (the summer and Christmas breaks): one warning
  per series that counts and lists them, since a rule is expected to produce some.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from dateutil.rrule import rrulestr

from domain.calendar import (
    DateRange,
    Term,
    is_working_day,
    roll_forward,
    rrule_problems,
    swedish_days_off,
)

Loc = tuple[int | str, ...]
Finding = tuple[Loc, str, dict[str, Any]]

# Dates an rrule produces outside the terms are listed up to this many in the one warning.
MAX_LISTED = 8


def _tables(source: dict[str, Any], name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    value = source.get(name)
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def _series(raw: dict[str, Any]) -> Iterator[tuple[Loc, dict[str, Any]]]:
    for g_index, group in _tables(raw, "groups"):
        for s_index, series in _tables(group, "series"):
            yield ("groups", g_index, "series", s_index), series


# The calendar's codes for a faulty rule (`domain.calendar.rrule_problems`), as catalog keys.
_RRULE_CODES = {
    "rrule_freq_missing": "config.series.rrule_freq_missing",
    "rrule_freq_unsupported": "config.series.rrule_freq_unsupported",
    "rrule_part_not_allowed": "config.series.rrule_part_not_allowed",
    "rrule_out_of_range": "config.series.rrule_out_of_range",
    "rrule_never_matches": "config.series.rrule_never_matches",
}
RRULE_INVALID = "config.series.rrule_invalid"


def _rrule_finding(text: str) -> tuple[str, dict[str, Any]]:
    """`rrule_freq_unsupported:MONTLY` → (`config.series.rrule_freq_unsupported`, value).

    `rrule_invalid: <dateutil's explanation>` becomes the catalog's own words, without the
    library's English."""

    name, _sep, value = text.partition(":")
    code = _RRULE_CODES.get(name.strip())
    if code is None:
        return RRULE_INVALID, {}
    return code, {"value": value.strip()}


def series_problems(raw: dict[str, Any]) -> list[Finding]:
    """What makes a meeting series unusable, every fault at once."""

    found: list[Finding] = []
    for loc, series in _series(raw):
        rule = series.get("rrule")
        dates = series.get("dates")
        has_dates = isinstance(dates, list) and bool(dates)
        if (rule is None) == (not has_dates):
            found.append((loc, "config.series_recurrence", {}))
        if rule is not None and series.get("dtstart") is None:
            found.append(((*loc, "rrule"), "config.rrule_needs_dtstart", {}))
        if isinstance(rule, str):
            for text in rrule_problems(rule):
                code, params = _rrule_finding(text)
                found.append(((*loc, "rrule"), code, params))
        if has_dates:
            assert isinstance(dates, list)
            seen: set[object] = set()
            for index, day in enumerate(dates):
                if day in seen:
                    found.append(((*loc, "dates", index), "config.duplicate_id",
                                  {"value": str(day)}))
                seen.add(day)
        start, until = series.get("dtstart"), series.get("until")
        if isinstance(start, date) and isinstance(until, date) and until < start:
            found.append(((*loc, "until"), "config.series.until_before_dtstart", {}))
    return found


def _day(value: object) -> date | None:
    if isinstance(value, datetime):
        return None  # a date and time: reported as a bad date elsewhere
    return value if isinstance(value, date) else None


def _terms(raw: dict[str, Any]) -> list[Term]:
    terms = []
    for _index, term in _tables(raw, "terms"):
        start, end, kind = _day(term.get("start")), _day(term.get("end")), term.get("kind")
        if start is None or end is None or end < start or kind not in ("vt", "ht"):
            continue
        breaks = []
        for brk in term.get("breaks") or ():
            if isinstance(brk, dict) and _day(brk.get("start")) and _day(brk.get("end")):
                breaks.append(DateRange(brk["start"], brk["end"], str(brk.get("name") or "")))
        terms.append(Term(str(term.get("id") or ""), kind, start, end, tuple(breaks)))
    return sorted(terms, key=lambda t: t.start)


@dataclass(frozen=True)
class _Fate:
    """What becomes of one date a series names: None, the meeting is held that very day."""

    code: str | None
    params: dict[str, Any]
    outside: bool = False  # lands outside every term (the summer or Christmas break)


def _fate(day: date, terms: Sequence[Term], skip: bool, taken: set[date]) -> _Fate:
    days_off = swedish_days_off((day.year, day.year + 1))
    params: dict[str, Any] = {"date": day.isoformat()}
    actual = day
    if not is_working_day(day, days_off):
        params["why"] = days_off.get(day, "")  # "": a weekend
        if skip:
            outside = not any(t.start <= day <= t.end for t in terms)
            return _Fate("config.warning.date_skipped", params, outside)
        actual = roll_forward(day, days_off)
        params["moved_to"] = actual.isoformat()
    moved = actual != day
    term = next((t for t in terms if t.start <= actual <= t.end), None)
    if term is None:
        code = "config.warning.moved_outside_terms" if moved else (
            "config.warning.date_outside_terms")
        return _Fate(code, params, outside=True)
    brk = next((b for b in term.breaks if b.contains(actual)), None)
    if brk is not None:
        params.update({"break_name": brk.name or brk.start.isoformat(), "term": term.id})
        code = "config.warning.moved_into_break" if moved else "config.warning.date_in_break"
        return _Fate(code, params)
    if actual in taken:
        # The series meets that day already (a meeting moved there from a day off).
        code = "config.warning.moved_onto_meeting" if moved else "config.warning.date_taken"
        return _Fate(code, params)
    taken.add(actual)
    return _Fate("config.warning.date_moved" if moved else None, params)


def _rrule_dates(series: dict[str, Any], terms: Sequence[Term]) -> list[date]:
    start = _day(series.get("dtstart"))
    until = _day(series.get("until")) or (terms[-1].end if terms else None)
    rule = series.get("rrule")
    if start is None or until is None or not isinstance(rule, str) or until < start:
        return []
    parsed = rrulestr(rule, dtstart=datetime.combine(start, time()))
    produced = parsed.between(datetime.combine(start, time()), datetime.combine(until, time()),
                              inc=True)
    return sorted({moment.date() for moment in produced})


def meeting_warnings(raw: dict[str, Any]) -> list[Finding]:
    """Every configured meeting date that will not take place as written."""

    terms = _terms(raw)
    if not terms:
        return []
    found: list[Finding] = []
    for loc, series in _series(raw):
        skip = series.get("on_non_working_day") == "skip"
        taken: set[date] = set()
        rule = series.get("rrule")
        if isinstance(rule, str):
            if rrule_problems(rule) or series.get("dates"):
                continue  # reported as a problem
            outside: list[date] = []
            for day in _rrule_dates(series, terms):
                fate = _fate(day, terms, skip, taken)
                if fate.outside:
                    outside.append(day)
                elif fate.code is not None:
                    found.append(((*loc, "rrule"), fate.code, fate.params))
            if outside:
                listed = ", ".join(d.isoformat() for d in outside[:MAX_LISTED])
                if len(outside) > MAX_LISTED:
                    listed += ", …"
                found.append(((*loc, "rrule"), "config.warning.rule_outside_terms",
                              {"count": len(outside), "dates": listed}))
            continue
        dates = series.get("dates")
        if not isinstance(dates, list):
            continue
        first_of: dict[date, int] = {}
        for index, value in enumerate(dates):
            listed_day = _day(value)
            if listed_day is not None:
                # A date listed twice is a problem (`series_problems`), not a warning.
                first_of.setdefault(listed_day, index)
        for listed_day, index in sorted(first_of.items()):
            fate = _fate(listed_day, terms, skip, taken)
            if fate.code is not None:
                found.append(((*loc, "dates", index), fate.code, fate.params))
    return found
