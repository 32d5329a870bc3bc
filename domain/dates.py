"""Dates and times the way people type them in a Swedish chat, and how the bot prints them.

Accepted date forms (case-insensitive, surrounding whitespace ignored, Swedish or English
names, full or abbreviated, with or without a trailing dot, with or without diacritics):

* ``2026-09-15`` (ISO), ``20260915`` (compact ISO, years 1900-2199 only)
* ``15/9``, ``15/9/2026``, ``15/9-2026``, ``15/9/26`` (two-digit years mean 20yy)
* ``15.9.2026``; ``15.9`` without a year is refused as ``date.ambiguous`` (reads as a time)
* ``15 sep``, ``15:e september 2026``, ``Sep 15, 2026``, ``15th Sep``
* any of the above prefixed by a weekday and/or ``den``/``the``: ``tisdag den 15 september``
* ``idag``/``i dag``/``today``, ``imorgon``/``i morgon``/``imorn``/``tomorrow``,
  ``igår``/``i går``/``yesterday``

Year inference: when the year is omitted the result is the first such date on or after
``today - 60 days``. People in working groups schedule forward, but they also refer to a
meeting that just happened (to file minutes, say), so a short look-back window is kept:
typed on 2026-11-24, ``20/11`` means 2026-11-20 while ``15/9`` means 2027-09-15.
``29/2`` moves on to the next leap year.

A weekday that contradicts the date is refused (``date.weekday_mismatch``) rather than
silently ignored, because the mismatch usually means the user has the wrong date in mind.

Times are 24-hour: ``10``, ``10:00``, ``10.00``, ``kl 10``, ``kl. 10.30``, ``9:05``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import MAXYEAR, date, time, timedelta
from typing import Final, Literal

from domain.text import fold

__all__ = [
    "DateErrorCode",
    "DateParseError",
    "format_date_en",
    "format_date_sv",
    "parse_date",
    "parse_datetime",
    "parse_time",
]

DateErrorCode = Literal[
    "date.invalid",
    "date.ambiguous",
    "date.weekday_mismatch",
    "date.missing",
    "time.invalid",
]


class DateParseError(ValueError):
    """Input that is not an acceptable date or time.

    ``code`` is a message-catalog key; ``text`` is the part of the input that failed,
    stripped, so the chat layer can quote it back to the user.
    """

    code: DateErrorCode
    text: str

    def __init__(self, code: DateErrorCode, text: str) -> None:
        # Passing both to ValueError keeps ``args`` in step with ``__init__`` so the
        # exception survives pickling (e.g. across a worker process boundary).
        super().__init__(code, text)
        self.code = code
        self.text = text

    def __str__(self) -> str:
        return f"{self.code}: {self.text!r}"


# Real chat input is a few words; refusing long text early keeps work per message bounded.
_MAX_INPUT_LENGTH: Final = 100

_LOOKBACK: Final = timedelta(days=60)

# Compact YYYYMMDD is only trusted for plausible years, so that an arbitrary 8-digit number
# (a case number, say) is not mistaken for a date in the distant past or future.
_COMPACT_YEARS: Final = range(1900, 2200)

# Keys are casefolded and stripped of diacritics (see ``_fold``), which is how
# "mån", "MÅN" and "man" all end up as the same key.
_MONTHS: Final[dict[str, int]] = {
    "jan": 1, "januari": 1, "january": 1,
    "feb": 2, "februari": 2, "february": 2,
    "mar": 3, "mars": 3, "march": 3,
    "apr": 4, "april": 4,
    "maj": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6,
    "jul": 7, "juli": 7, "july": 7,
    "aug": 8, "augusti": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oct": 10, "oktober": 10, "october": 10,
    "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}  # fmt: skip

_WEEKDAYS: Final[dict[str, int]] = {
    "man": 0, "mandag": 0, "mon": 0, "monday": 0,
    "tis": 1, "tisdag": 1, "tue": 1, "tues": 1, "tuesday": 1,
    "ons": 2, "onsdag": 2, "wed": 2, "wednesday": 2,
    "tor": 3, "tors": 3, "torsdag": 3, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3,
    "fre": 4, "fredag": 4, "fri": 4, "friday": 4,
    "lor": 5, "lordag": 5, "sat": 5, "saturday": 5,
    "son": 6, "sondag": 6, "sun": 6, "sunday": 6,
}  # fmt: skip

_RELATIVE_DAYS: Final[dict[str, int]] = {
    "idag": 0, "i dag": 0, "today": 0,
    "imorgon": 1, "i morgon": 1, "imorn": 1, "i morn": 1, "tomorrow": 1,
    "igar": -1, "i gar": -1, "yesterday": -1,
}  # fmt: skip

_ARTICLES: Final = frozenset({"den", "the"})

_SV_WEEKDAY_ABBR: Final = ("mån", "tis", "ons", "tor", "fre", "lör", "sön")
_SV_MONTH_ABBR: Final = (
    "jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
)  # fmt: skip
_EN_WEEKDAY_ABBR: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTH_ABBR: Final = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip

# [0-9] rather than \d: \d also matches other scripts' digits, which these forms never use.
_ORDINAL = r"(?::[ae]|st|nd|rd|th)?"
_ISO_RE: Final = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_COMPACT_RE: Final = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_SLASH_RE: Final = re.compile(r"([0-9]{1,2})/([0-9]{1,2})(?:[/-]([0-9]{4}|[0-9]{2}))?")
_DOTTED_RE: Final = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_DOTTED_NO_YEAR_RE: Final = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.?")
_DAY_FIRST_RE: Final = re.compile(rf"([0-9]{{1,2}}){_ORDINAL}\.? ([a-z]+)\.?(?: ([0-9]{{4}}))?")
_MONTH_FIRST_RE: Final = re.compile(rf"([a-z]+)\.? ([0-9]{{1,2}}){_ORDINAL}\.?(?: ([0-9]{{4}}))?")

_TIME_RE: Final = re.compile(r"(?:(?:kl|klockan)\.? ?|at )?([0-9]{1,2})(?:[:.]([0-9]{2}))?")
# Tokens that introduce the time part of a date-and-time, e.g. "kl", "kl.", "kl13", "at".
_TIME_MARKER_RE: Final = re.compile(r"(?:kl|klockan)\.?(?:[0-9].*)?|at")
# Shape only; ranges are checked by parse_time so "25:00" becomes time.invalid.
_TIME_SHAPE_RE: Final = re.compile(r"[0-9]{1,2}(?:[:.][0-9]{2})?")
_ISO_DATETIME_RE: Final = re.compile(r"([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})t(.+)")


def _fold(text: str) -> str:
    """`fold`, with commas read as spaces (`tis, 15 sep`)."""

    return fold(text.replace(",", " "))


def _shift(today: date, days: int, echo: str) -> date:
    try:
        return today + timedelta(days=days)
    except OverflowError:
        raise DateParseError("date.invalid", echo) from None


def _infer_year(month: int, day: int, today: date, echo: str) -> date:
    try:
        cutoff = today - _LOOKBACK
    except OverflowError:
        cutoff = date.min
    # Nine years always contain a 29 February (leap years are at most eight apart).
    for year in range(cutoff.year, min(cutoff.year + 9, MAXYEAR + 1)):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= cutoff:
            return candidate
    raise DateParseError("date.invalid", echo)


def _make_date(day: int, month: int, year: int | None, today: date, echo: str) -> date:
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            raise DateParseError("date.invalid", echo) from None
    try:
        # 2000 is a leap year, so this accepts exactly the day/month pairs that exist
        # in some year and rejects e.g. 31/4 before year inference searches for it.
        date(2000, month, day)
    except ValueError:
        raise DateParseError("date.invalid", echo) from None
    return _infer_year(month, day, today, echo)


def _parse_plain_date(core: str, today: date, echo: str) -> date:
    """Parse ``core`` (folded, weekday and article already removed)."""
    if m := _ISO_RE.fullmatch(core):
        return _make_date(int(m[3]), int(m[2]), int(m[1]), today, echo)
    if m := _COMPACT_RE.fullmatch(core):
        if int(m[1]) not in _COMPACT_YEARS:
            raise DateParseError("date.invalid", echo)
        return _make_date(int(m[3]), int(m[2]), int(m[1]), today, echo)
    if m := _SLASH_RE.fullmatch(core):
        year: int | None = None
        if m[3] is not None:
            year = int(m[3]) + 2000 if len(m[3]) == 2 else int(m[3])
        return _make_date(int(m[1]), int(m[2]), year, today, echo)
    if m := _DOTTED_RE.fullmatch(core):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), today, echo)
    if m := _DOTTED_NO_YEAR_RE.fullmatch(core):
        # "15.9" could be a date or a quarter past three in the afternoon; asking is
        # cheaper than booking the wrong thing. Impossible dates ("10.45") are just invalid.
        try:
            date(2000, int(m[2]), int(m[1]))
        except ValueError:
            raise DateParseError("date.invalid", echo) from None
        raise DateParseError("date.ambiguous", echo)
    if m := _DAY_FIRST_RE.fullmatch(core):
        day_text, month_text, year_text = m[1], m[2], m[3]
    elif m := _MONTH_FIRST_RE.fullmatch(core):
        month_text, day_text, year_text = m[1], m[2], m[3]
    else:
        raise DateParseError("date.invalid", echo)
    month = _MONTHS.get(month_text)
    if month is None:
        raise DateParseError("date.invalid", echo)
    year = int(year_text) if year_text is not None else None
    return _make_date(int(day_text), month, year, today, echo)


def parse_date(text: str, *, today: date) -> date:
    """Parse a date typed by a user; ``today`` anchors relative words and year inference.

    Raises DateParseError with code ``date.missing`` (blank input), ``date.invalid``,
    ``date.ambiguous`` or ``date.weekday_mismatch``.
    """
    echo = text.strip()
    if len(text) > _MAX_INPUT_LENGTH:
        raise DateParseError("date.invalid", echo)
    folded = _fold(text)
    if not folded:
        raise DateParseError("date.missing", echo)
    relative = _RELATIVE_DAYS.get(folded)
    if relative is not None:
        return _shift(today, relative, echo)

    tokens = folded.split(" ")
    weekday: int | None = None
    if len(tokens) > 1 and tokens[0].rstrip(".") in _WEEKDAYS:
        weekday = _WEEKDAYS[tokens[0].rstrip(".")]
        tokens = tokens[1:]
    if len(tokens) > 1 and tokens[0] in _ARTICLES:
        tokens = tokens[1:]

    result = _parse_plain_date(" ".join(tokens), today, echo)
    if weekday is not None and result.weekday() != weekday:
        raise DateParseError("date.weekday_mismatch", echo)
    return result


# Errors that say more than "not a date" about a longer reading: shown before the shorter one's.
SPECIFIC_ERRORS: Final = frozenset({"date.weekday_mismatch", "date.ambiguous", "time.invalid"})
MAX_DATE_WORDS: Final = 4


def take_date(words: Sequence[str], *, today: date) -> tuple[date, int]:
    """The date written in the first one to four words (`15/9`, `tis 15 sep 2026`), and how
    many words it took: the longest reading that is a date.

    Nothing reads: the most specific error of a longer reading, else the one-word reading's.
    """

    specific: DateParseError | None = None
    last: DateParseError | None = None
    for count in range(min(MAX_DATE_WORDS, len(words)), 0, -1):
        try:
            return parse_date(" ".join(words[:count]), today=today), count
        except DateParseError as error:
            if specific is None and error.code in SPECIFIC_ERRORS:
                specific = error
            last = error
    raise specific or last or DateParseError("date.missing", "")


def looking_back(day: date, written: str, today: date) -> date:
    """A meeting held is in the past: `12 maj` typed in September means the May that was.

    (`parse_date` looks forward for dates without a year, as plans do.)
    """

    if day <= today or str(day.year) in written:
        return day
    try:
        earlier = day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day
    return earlier if earlier <= today else day


def parse_time(text: str) -> time:
    """Parse a 24-hour time of day. Raises DateParseError with code ``time.invalid``."""
    echo = text.strip()
    if len(text) > _MAX_INPUT_LENGTH:
        raise DateParseError("time.invalid", echo)
    m = _TIME_RE.fullmatch(_fold(text))
    if m is None:
        raise DateParseError("time.invalid", echo)
    hour = int(m[1])
    minute = int(m[2]) if m[2] is not None else 0
    if hour > 23 or minute > 59:
        raise DateParseError("time.invalid", echo)
    return time(hour, minute)


def parse_datetime(text: str, *, today: date) -> tuple[date, time | None]:
    """Parse a date optionally followed by a time: ``15 sep 10:00``, ``2026-09-15 kl 13``.

    The time is ``None`` when only a date was given. A time without a date raises
    ``date.missing``; otherwise errors are those of parse_date and parse_time, and
    ``text`` on the error is the failing part of the input.
    """
    echo = text.strip()
    if len(text) > _MAX_INPUT_LENGTH:
        raise DateParseError("date.invalid", echo)
    # Split on the original text so an error can quote the user's own spelling.
    tokens = text.replace(",", " ").split()
    if not tokens:
        raise DateParseError("date.missing", echo)
    folded = [_fold(token) for token in tokens]

    for index, token in enumerate(folded):
        if _TIME_MARKER_RE.fullmatch(token):
            if index == 0:
                parse_time(" ".join(tokens))
                raise DateParseError("date.missing", echo)
            date_part = parse_date(" ".join(tokens[:index]), today=today)
            return date_part, parse_time(" ".join(tokens[index:]))

    if len(folded) == 1 and (m := _ISO_DATETIME_RE.fullmatch(folded[0])):
        return parse_date(m[1], today=today), parse_time(m[2])

    try:
        return parse_date(echo, today=today), None
    except DateParseError as whole_error:
        if len(tokens) >= 2 and _TIME_SHAPE_RE.fullmatch(folded[-1]):
            date_part = parse_date(" ".join(tokens[:-1]), today=today)
            return date_part, parse_time(tokens[-1])
        if whole_error.code == "date.invalid":
            try:
                parse_time(echo)
            except DateParseError:
                raise whole_error from None
            raise DateParseError("date.missing", echo) from None
        raise


def format_date_sv(d: date) -> str:
    """``tis 15 sep 2026``: short enough for chat, unambiguous, and parseable again."""
    # Zero-padding the year keeps years before 1000 within the four-digit form parse_date reads.
    return f"{_SV_WEEKDAY_ABBR[d.weekday()]} {d.day} {_SV_MONTH_ABBR[d.month - 1]} {d.year:04d}"


def format_date_en(d: date) -> str:
    """``Tue 15 Sep 2026``."""
    return f"{_EN_WEEKDAY_ABBR[d.weekday()]} {d.day} {_EN_MONTH_ABBR[d.month - 1]} {d.year:04d}"
