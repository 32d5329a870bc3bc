"""Tests for domain.dates: the forms users type, year inference, errors, then properties."""

from __future__ import annotations

import pickle
from datetime import date, time

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from domain.dates import (
    DateParseError,
    format_date_en,
    format_date_sv,
    parse_date,
    parse_datetime,
    parse_time,
)

# A Tuesday; 2026-09-15 is also a Tuesday.
TODAY = date(2026, 11, 24)
SEP15 = date(2026, 9, 15)

SV_MONTHS = [
    ["jan", "januari"],
    ["feb", "februari"],
    ["mar", "mars"],
    ["apr", "april"],
    ["maj"],
    ["jun", "juni"],
    ["jul", "juli"],
    ["aug", "augusti"],
    ["sep", "sept", "september"],
    ["okt", "oktober"],
    ["nov", "november"],
    ["dec", "december"],
]
EN_MONTHS = [
    ["jan", "january"],
    ["feb", "february"],
    ["mar", "march"],
    ["apr", "april"],
    ["may"],
    ["jun", "june"],
    ["jul", "july"],
    ["aug", "august"],
    ["sep", "sept", "september"],
    ["oct", "october"],
    ["nov", "november"],
    ["dec", "december"],
]
SV_WEEKDAYS = [
    ["mån", "måndag", "man", "mandag"],
    ["tis", "tisdag"],
    ["ons", "onsdag"],
    ["tor", "tors", "torsdag"],
    ["fre", "fredag"],
    ["lör", "lördag", "lor", "lordag"],
    ["sön", "söndag", "son", "sondag"],
]
EN_WEEKDAYS = [
    ["mon", "monday"],
    ["tue", "tues", "tuesday"],
    ["wed", "wednesday"],
    ["thu", "thur", "thurs", "thursday"],
    ["fri", "friday"],
    ["sat", "saturday"],
    ["sun", "sunday"],
]


def _error(text: str, *, today: date = TODAY) -> DateParseError:
    with pytest.raises(DateParseError) as info:
        parse_date(text, today=today)
    return info.value


# --- numeric forms -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2026-09-15",
        "2026-9-15",
        "20260915",
        "15/9/2026",
        "15/09/2026",
        "15/9-2026",
        "15/9/26",
        "15/9-26",
        "15.9.2026",
        "15.09.2026",
        "  2026-09-15\n",
    ],
)
def test_numeric_forms_with_year(text: str) -> None:
    assert parse_date(text, today=TODAY) == SEP15


@pytest.mark.parametrize("text", ["15.9", "15.9.", "1.12", "12.12"])
def test_day_dot_month_without_year_is_ambiguous_with_a_time(text: str) -> None:
    err = _error(text)
    assert err.code == "date.ambiguous"
    assert err.text == text


def test_day_dot_month_that_cannot_be_a_date_is_simply_invalid() -> None:
    assert _error("10.45").code == "date.invalid"


@pytest.mark.parametrize("text", ["18991231", "22000101", "12345678", "20261301"])
def test_compact_form_only_for_plausible_valid_dates(text: str) -> None:
    assert _error(text).code == "date.invalid"


def test_compact_form_cannot_be_confused_with_ddmmyyyy() -> None:
    # In ddmmyyyy with a 19xx/20xx year the would-be month is 19 or 20, never valid.
    assert _error("15092026").code == "date.invalid"


# --- named months and weekdays -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "month"),
    [(name, i % 12 + 1) for i, names in enumerate(SV_MONTHS + EN_MONTHS) for name in names],
)
def test_every_month_name(name: str, month: int) -> None:
    expected = date(2026, month, 1)
    for text in (f"1 {name} 2026", f"1 {name}. 2026", f"1 {name.upper()} 2026"):
        assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("name", "weekday"),
    [(name, i % 7) for i, names in enumerate(SV_WEEKDAYS + EN_WEEKDAYS) for name in names],
)
def test_every_weekday_name(name: str, weekday: int) -> None:
    # 2026-09-14 is a Monday.
    d = date(2026, 9, 14 + weekday)
    for text in (f"{name} {d.day} sep 2026", f"{name}. {d.day} sep 2026", f"{name.title()} {d}"):
        assert parse_date(text, today=TODAY) == d


def test_weekday_name_without_diacritics_man_means_monday() -> None:
    assert parse_date("man 14 sep 2026", today=TODAY) == date(2026, 9, 14)


@pytest.mark.parametrize(
    "text",
    [
        "15 sep 2026",
        "15 september 2026",
        "15 Sept. 2026",
        "15:e sep 2026",
        "15th September 2026",
        "15. sep 2026",
        "tis 15 sep 2026",
        "tisdag 15 september 2026",
        "Tisdag den 15 september 2026",
        "tisdag, 15 september 2026",
        "Tue 15 Sep 2026",
        "Tuesday, September 15, 2026",
        "Sep 15 2026",
        "the 15th sep 2026",
    ],
)
def test_named_forms(text: str) -> None:
    assert parse_date(text, today=TODAY) == SEP15


def test_swedish_ordinal_suffixes() -> None:
    assert parse_date("1:a okt 2026", today=TODAY) == date(2026, 10, 1)
    assert parse_date("2:a okt 2026", today=TODAY) == date(2026, 10, 2)
    assert parse_date("den 3:e okt 2026", today=TODAY) == date(2026, 10, 3)


def test_decomposed_unicode_is_understood() -> None:
    # "må" typed as "ma" + COMBINING RING ABOVE, as some keyboards produce.
    assert parse_date("ma\u030andag 14 sep 2026", today=TODAY) == date(2026, 9, 14)
    # Full-width digits, as some phone keyboards send them.
    assert parse_date("\uff11\uff15/9/2026", today=TODAY) == SEP15


def test_weekday_that_contradicts_the_date() -> None:
    err = _error("mån 15 sep 2026")
    assert err.code == "date.weekday_mismatch"
    assert err.text == "mån 15 sep 2026"


def test_weekday_is_checked_against_the_inferred_year() -> None:
    # 15 Sep without a year means 2027-09-15 here, a Wednesday.
    assert _error("tis 15 sep").code == "date.weekday_mismatch"
    assert parse_date("ons 15 sep", today=TODAY) == date(2027, 9, 15)


# --- relative words ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("idag", 0),
        ("i dag", 0),
        ("Idag", 0),
        ("today", 0),
        ("imorgon", 1),
        ("i morgon", 1),
        ("imorn", 1),
        ("tomorrow", 1),
        ("igår", -1),
        ("i går", -1),
        ("igar", -1),
        ("yesterday", -1),
    ],
)
def test_relative_words(text: str, offset: int) -> None:
    assert parse_date(text, today=TODAY) == date(2026, 11, 24 + offset)


def test_relative_words_across_month_and_year_end() -> None:
    assert parse_date("imorgon", today=date(2026, 12, 31)) == date(2027, 1, 1)
    assert parse_date("igår", today=date(2027, 1, 1)) == date(2026, 12, 31)


def test_relative_word_beyond_the_calendar_is_a_parse_error_not_an_overflow() -> None:
    assert _error("imorgon", today=date.max).code == "date.invalid"
    assert _error("igår", today=date.min).code == "date.invalid"


# --- year inference ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        # The examples from the specification.
        ("15/9", date(2026, 11, 24), date(2027, 9, 15)),
        ("20/11", date(2026, 11, 24), date(2026, 11, 20)),
        # Forward within the year, and across the new year.
        ("15 dec", date(2026, 11, 24), date(2026, 12, 15)),
        ("10/1", date(2026, 11, 24), date(2027, 1, 10)),
        # Early in the year, a date from last December is still "recent".
        ("20/12", date(2027, 1, 10), date(2026, 12, 20)),
        # Boundary: exactly 60 days back is kept, 61 rolls forward.
        ("25/9", date(2026, 11, 24), date(2026, 9, 25)),
        ("24/9", date(2026, 11, 24), date(2027, 9, 24)),
        ("24/11", date(2026, 11, 24), date(2026, 11, 24)),
        # 29 February waits for the next leap year; 2100 is not one.
        ("29/2", date(2026, 11, 24), date(2028, 2, 29)),
        ("29/2", date(2028, 3, 1), date(2028, 2, 29)),
        ("29 feb", date(2096, 6, 1), date(2104, 2, 29)),
    ],
)
def test_year_inference(text: str, today: date, expected: date) -> None:
    assert parse_date(text, today=today) == expected


def test_year_inference_at_the_end_of_the_calendar() -> None:
    assert parse_date("31/12", today=date.max) == date.max
    assert _error("15/9", today=date.max).code == "date.invalid"
    assert parse_date("1/1", today=date.min) == date.min


# --- invalid input -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "31/2",
        "30/2/2026",
        "29/2/2027",
        "31/4",
        "2026-13-01",
        "2026-00-10",
        "0000-01-01",
        "32 jan",
        "0/1",
        "15 smurf 2026",
        "15 sep 26",  # a two-digit year after a month name would read as a time
        "15 sep 2026 extra",
        "tisdag",
        "den",
        "hello",
        "15",
        "15-9",
        "26-09-15",
        "1/1/1",
        "2026/09/15",
        "x" * 500,
    ],
)
def test_invalid_dates(text: str) -> None:
    err = _error(text)
    assert err.code == "date.invalid"
    assert err.text == text.strip()


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_blank_is_missing(text: str) -> None:
    assert _error(text).code == "date.missing"


def test_error_is_a_value_error_and_survives_pickling() -> None:
    err = _error("31/2")
    assert isinstance(err, ValueError)
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.code, copy.text) == ("date.invalid", "31/2")


# --- times ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10", time(10)),
        ("10:00", time(10)),
        ("10.00", time(10)),
        ("kl 10", time(10)),
        ("kl. 10.30", time(10, 30)),
        ("Kl 13", time(13)),
        ("kl10", time(10)),
        ("klockan 8.15", time(8, 15)),
        ("9:05", time(9, 5)),
        ("09:05", time(9, 5)),
        ("0", time(0)),
        ("23:59", time(23, 59)),
        (" 7 ", time(7)),
    ],
)
def test_times(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    ["1000", "24", "24:00", "10:60", "10:5", "10.5", "10:00:00", "10am", "kl", "", "ten", "-1"],
)
def test_invalid_times(text: str) -> None:
    with pytest.raises(DateParseError) as info:
        parse_time(text)
    assert info.value.code == "time.invalid"


# --- date and time together ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15 sep 2026 10:00", (SEP15, time(10))),
        ("15 sep 10:00", (date(2027, 9, 15), time(10))),
        ("2026-09-15 kl 13", (SEP15, time(13))),
        ("2026-09-15T13:45", (SEP15, time(13, 45))),
        ("15/9 13.30", (date(2027, 9, 15), time(13, 30))),
        ("15/9/2026 13.30", (SEP15, time(13, 30))),
        ("tis 15 sep 2026 kl. 9.05", (SEP15, time(9, 5))),
        ("tisdag den 15 september 2026, kl 10", (SEP15, time(10))),
        ("Tue 15 Sep 2026 at 10:00", (SEP15, time(10))),
        ("imorgon kl 9", (date(2026, 11, 25), time(9))),
        ("i morgon 14", (date(2026, 11, 25), time(14))),
        ("idag kl13", (TODAY, time(13))),
        ("15 sep 2026", (SEP15, None)),
        ("idag", (TODAY, None)),
    ],
)
def test_parse_datetime(text: str, expected: tuple[date, time | None]) -> None:
    assert parse_datetime(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "code", "echo"),
    [
        ("15 sep 25:00", "time.invalid", "25:00"),
        ("15 sep kl 24", "time.invalid", "kl 24"),
        ("15 sep kl", "time.invalid", "kl"),
        ("31/2 10:00", "date.invalid", "31/2"),
        ("mån 15 sep 2026 10:00", "date.weekday_mismatch", "mån 15 sep 2026"),
        ("mån 15 sep 2026", "date.weekday_mismatch", "mån 15 sep 2026"),
        ("15.9 10:00", "date.ambiguous", "15.9"),
        ("15.9", "date.ambiguous", "15.9"),
        ("kl 10", "date.missing", "kl 10"),
        ("10:00", "date.missing", "10:00"),
        ("", "date.missing", ""),
        ("gibberish", "date.invalid", "gibberish"),
        ("2026-09-15Tnoon", "time.invalid", "noon"),
    ],
)
def test_parse_datetime_errors(text: str, code: str, echo: str) -> None:
    with pytest.raises(DateParseError) as info:
        parse_datetime(text, today=TODAY)
    assert (info.value.code, info.value.text) == (code, echo)


# --- formatting ----------------------------------------------------------------------


def test_format_examples() -> None:
    assert format_date_sv(SEP15) == "tis 15 sep 2026"
    assert format_date_en(SEP15) == "Tue 15 Sep 2026"
    assert format_date_sv(date(2027, 5, 1)) == "lör 1 maj 2027"
    assert format_date_en(date(2027, 5, 1)) == "Sat 1 May 2027"
    assert format_date_sv(date(999, 1, 4)) == "fre 4 jan 0999"


# --- properties ----------------------------------------------------------------------

dates_2000_2100 = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
any_today = st.dates()


@given(dates_2000_2100, any_today)
def test_iso_round_trip(d: date, today: date) -> None:
    assert parse_date(d.isoformat(), today=today) == d


@given(dates_2000_2100, any_today, st.sampled_from(["/", "-"]))
def test_slash_round_trip(d: date, today: date, year_separator: str) -> None:
    assert parse_date(f"{d.day}/{d.month}{year_separator}{d.year}", today=today) == d


@given(dates_2000_2100, any_today, st.data())
def test_named_month_round_trip(d: date, today: date, data: st.DataObject) -> None:
    month = data.draw(st.sampled_from(SV_MONTHS[d.month - 1] + EN_MONTHS[d.month - 1]))
    assert parse_date(f"{d.day} {month} {d.year}", today=today) == d


@given(dates_2000_2100, any_today, st.data())
def test_weekday_and_named_month_round_trip(d: date, today: date, data: st.DataObject) -> None:
    weekday = data.draw(st.sampled_from(SV_WEEKDAYS[d.weekday()] + EN_WEEKDAYS[d.weekday()]))
    month = data.draw(st.sampled_from(SV_MONTHS[d.month - 1] + EN_MONTHS[d.month - 1]))
    assert parse_date(f"{weekday} {d.day} {month} {d.year}", today=today) == d


@given(dates_2000_2100, any_today)
def test_wrong_weekday_is_always_refused(d: date, today: date) -> None:
    wrong = SV_WEEKDAYS[(d.weekday() + 1) % 7][0]
    assert _error(f"{wrong} {d.day} {SV_MONTHS[d.month - 1][0]} {d.year}", today=today).code == (
        "date.weekday_mismatch"
    )


@given(st.dates(), any_today)
def test_formatted_dates_parse_back(d: date, today: date) -> None:
    assert parse_date(format_date_sv(d), today=today) == d
    assert parse_date(format_date_en(d), today=today) == d


@given(st.dates(min_value=date(2, 1, 1), max_value=date(9998, 12, 31)), st.data())
def test_inferred_year_lies_in_the_window(today: date, data: st.DataObject) -> None:
    month = data.draw(st.integers(1, 12))
    day = data.draw(st.integers(1, 28))
    result = parse_date(f"{day}/{month}", today=today)
    assert (result.month, result.day) == (month, day)
    assert 0 <= (result - today).days + 60 < 366


@given(st.times(), any_today)
def test_time_round_trip(t: time, today: date) -> None:
    hm = time(t.hour, t.minute)
    for text in (f"{t.hour}:{t.minute:02d}", f"kl {t.hour}.{t.minute:02d}"):
        assert parse_time(text) == hm
    assert parse_datetime(f"{format_date_sv(today)} kl {hm:%H:%M}", today=today) == (today, hm)


_chatty = st.text(
    alphabet=st.sampled_from(list("0123456789/.-:,+ \tTtklåäöÅÄÖmanseptidgårx\u030a\uff11")),
    max_size=30,
)


@given(st.one_of(st.text(max_size=120), _chatty), any_today)
@example("9999-12-31", date.max)
@example("imorgon 10", date.max)
@example("0001-01-01", date.min)
@example("\uff11\uff15/9", TODAY)
def test_random_text_only_raises_date_parse_error(text: str, today: date) -> None:
    for parse in (
        lambda: parse_date(text, today=today),
        lambda: parse_datetime(text, today=today),
        lambda: parse_time(text),
    ):
        try:
            parse()
        except DateParseError as err:
            assert err.code in {
                "date.invalid",
                "date.ambiguous",
                "date.weekday_mismatch",
                "date.missing",
                "time.invalid",
            }
