"""Tests for domain.pnr: generated numbers in every written form, look-alikes, properties."""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Literal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from domain.pnr import (
    REDACTION_MASK,
    Finding,
    IdentityKind,
    contains_identity_number,
    find_identity_numbers,
    redact,
)

Form = Literal["10", "12"]
FORMS: list[Form] = ["10", "12"]
SEPARATORS = ["-", "+", " ", ""]


def luhn_digit(nine: str) -> int:
    """Check digit for the first nine digits of YYMMDDNNN, computed independently."""
    total = 0
    for index, ch in enumerate(nine):
        product = int(ch) * (2 if index % 2 == 0 else 1)
        total += sum(int(d) for d in str(product))
    return (10 - total % 10) % 10


def make_number(
    birth: date,
    serial: int,
    *,
    samordning: bool = False,
    form: Form = "10",
    separator: str = "-",
    check_offset: int = 0,
) -> str:
    """A number in the requested written form; a non-zero ``check_offset`` breaks it."""
    day = birth.day + (60 if samordning else 0)
    yymmdd = f"{birth.year % 100:02d}{birth.month:02d}{day:02d}"
    nine = f"{yymmdd}{serial:03d}"
    check = (luhn_digit(nine) + check_offset) % 10
    century = f"{birth.year // 100}" if form == "12" else ""
    return f"{century}{yymmdd}{separator}{serial:03d}{check}"


def raw_number(yymmdd: str, serial: str = "123", century: str = "") -> str:
    """A number with a correct check digit over arbitrary (possibly invalid) date digits."""
    return f"{century}{yymmdd}-{serial}{luhn_digit(yymmdd + serial)}"


def test_generator_matches_a_published_example() -> None:
    # 811218-9876 is the example Skatteverket uses in its documentation.
    assert make_number(date(1981, 12, 18), 987) == "811218-9876"
    assert make_number(date(1981, 12, 18), 987, form="12", separator="") == "198112189876"


# --- found -------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("separator", SEPARATORS)
@pytest.mark.parametrize("samordning", [False, True])
def test_number_in_a_sentence_is_found(form: Form, separator: str, samordning: bool) -> None:
    number = make_number(
        date(1987, 4, 30), 512, samordning=samordning, form=form, separator=separator
    )
    text = f"Patienten har pnr {number}, ring mig."
    start = text.index(number)
    kind: IdentityKind = "samordningsnummer" if samordning else "personnummer"
    assert find_identity_numbers(text) == [Finding(start, start + len(number), kind)]
    assert contains_identity_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "811218-9876",
        "(811218-9876)",
        "pnr:811218-9876.",
        "nr811218-9876x",
        "811218\u20139876",  # en dash, as word processors and phones substitute
        "811218\u00a09876",  # no-break space
        "\uff18\uff11\uff11\uff12\uff11\uff18-\uff19\uff18\uff17\uff16",  # full-width digits
        "19811218-9876",
        "198112189876",
        "8112189876",
        "1234 811218-9876",
        "811218-9876-5",
    ],
)
def test_written_variants_are_found(text: str) -> None:
    assert contains_identity_number(text)


def test_several_numbers_in_one_text() -> None:
    a = make_number(date(1950, 1, 1), 1)
    b = make_number(date(2012, 2, 29), 999, samordning=True, form="12", separator="")
    text = f"{a} och {b}"
    assert find_identity_numbers(text) == [
        Finding(0, len(a), "personnummer"),
        Finding(len(a) + 5, len(text), "samordningsnummer"),
    ]


def test_old_and_leap_day_numbers() -> None:
    assert contains_identity_number(make_number(date(1899, 12, 31), 0, form="12"))
    assert contains_identity_number(make_number(date(2000, 2, 29), 1, form="12"))
    # Ten digits: 00 could be 1900 (no leap day) or 2000 (leap day), so it is accepted.
    assert contains_identity_number(raw_number("000229"))
    assert contains_identity_number(raw_number("960229"))


# --- not found ---------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("separator", SEPARATORS)
@pytest.mark.parametrize("offset", range(1, 10))
def test_wrong_check_digit_is_not_found(form: Form, separator: str, offset: int) -> None:
    number = make_number(
        date(1987, 4, 30), 512, form=form, separator=separator, check_offset=offset
    )
    assert not contains_identity_number(f"Patienten har pnr {number}, ring mig.")


@pytest.mark.parametrize(
    "yymmdd",
    [
        "811318",  # month 13
        "810018",  # month 00
        "811200",  # day 00
        "811232",  # day 32
        "810230",  # 30 February
        "810229",  # 29 February, no century makes 81 a leap year
        "810431",  # 31 April
        "811260",  # day 60 is neither a date nor a samordningsnummer
        "811292",  # samordningsnummer day 32
        "810291",  # samordningsnummer 31 February
    ],
)
def test_invalid_dates_with_valid_check_digit_are_not_found(yymmdd: str) -> None:
    assert not contains_identity_number(f"nr {raw_number(yymmdd)} ok")


def test_twelve_digit_form_checks_the_full_date_and_century() -> None:
    assert not contains_identity_number(raw_number("000229", century="19"))  # 1900
    assert contains_identity_number(raw_number("000229", century="20"))
    assert not contains_identity_number(raw_number("811218", century="21"))
    assert not contains_identity_number(raw_number("811218", century="17"))


def test_organisationsnummer_is_not_flagged() -> None:
    # The check digit is valid; it is the "month" 60 that rules it out.
    assert luhn_digit("556036079") == 3
    assert not contains_identity_number("Org.nr 556036-0793")
    assert not contains_identity_number("5560360793")
    assert not contains_identity_number("16556036-0793")


def test_mobile_number_0701234567_is_not_flagged_because_its_check_digit_fails() -> None:
    # 070123 reads as a valid date (2007-01-23), so only Luhn rules this one out.
    assert luhn_digit("070123456") != 7
    assert not contains_identity_number("Ring 0701234567")


@pytest.mark.parametrize(
    "text",
    [
        "031-123 45 67",
        "Ring 031-123 45 67 eller 070-123 45 67",
        "070-1234567",
        "+46 70 123 45 67",
        "+46701234567",
        "Mötet är 2026-09-15 kl 10",
        "20260915",
        "2026-09-15 10:00",
        "Budget 1 200 000 kr",
        "12 000 000 000 kr",
        "Bankgiro 5050-1055",
        "SE45 5000 0000 0583 9825 7466",
        "SE4550000000058398257466",
        "",
        "inga siffror alls",
    ],
)
def test_look_alikes_are_not_flagged(text: str) -> None:
    assert find_identity_numbers(text) == []


def test_numbers_inside_longer_digit_runs_are_not_flagged() -> None:
    number = make_number(date(1981, 12, 18), 987, separator="")
    long_number = make_number(date(1981, 12, 18), 987, form="12", separator="")
    assert contains_identity_number(number)
    assert not contains_identity_number(f"12{number}34")  # fourteen digits
    assert not contains_identity_number(f"{number}1")
    assert not contains_identity_number(f"1{long_number}")
    assert not contains_identity_number(f"{long_number}0")
    assert not contains_identity_number("811218-98765")
    assert not contains_identity_number("1811218-9876")


# --- redact ------------------------------------------------------------------------


def test_redact_examples() -> None:
    a = make_number(date(1981, 12, 18), 987)
    b = make_number(date(2001, 7, 7), 42, samordning=True, form="12", separator="")
    assert redact(f"Hej {a}, och {b}.") == f"Hej {REDACTION_MASK}, och {REDACTION_MASK}."
    assert redact("Org.nr 556036-0793") == "Org.nr 556036-0793"
    assert redact("") == ""


# --- properties --------------------------------------------------------------------

births = st.dates(min_value=date(1800, 1, 1), max_value=date(2099, 12, 31))
serials = st.integers(min_value=0, max_value=999)
surroundings = st.text(
    alphabet=st.one_of(st.characters(categories=["L"]), st.sampled_from(" \t\n")), max_size=20
)


@st.composite
def numbers(draw: st.DrawFn, check_offset: int = 0) -> tuple[str, bool]:
    samordning = draw(st.booleans())
    number = make_number(
        draw(births),
        draw(serials),
        samordning=samordning,
        form=draw(st.sampled_from(FORMS)),
        separator=draw(st.sampled_from(SEPARATORS)),
        check_offset=check_offset,
    )
    return number, samordning


@given(numbers(), surroundings, surroundings)
@example(("811218-9876", False), "", "")
def test_valid_number_between_letters_and_spaces_is_found(
    generated: tuple[str, bool], before: str, after: str
) -> None:
    number, samordning = generated
    text = before + number + after
    kind: IdentityKind = "samordningsnummer" if samordning else "personnummer"
    assert find_identity_numbers(text) == [Finding(len(before), len(before) + len(number), kind)]
    assert redact(text) == before + REDACTION_MASK + after


@given(st.integers(1, 9).flatmap(lambda k: numbers(check_offset=k)), surroundings, surroundings)
def test_wrong_check_digit_is_never_found(
    generated: tuple[str, bool], before: str, after: str
) -> None:
    assert not contains_identity_number(before + generated[0] + after)


@given(st.lists(st.one_of(st.text(max_size=15), numbers().map(lambda g: g[0])), max_size=6))
def test_redacted_text_contains_no_identity_number(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert find_identity_numbers(redact(text)) == []


@given(st.text(alphabet=st.sampled_from("0123456789 -+\u2013ab"), max_size=60))
def test_findings_are_ordered_disjoint_and_bounded_by_non_digits(text: str) -> None:
    findings = find_identity_numbers(text)
    for finding in findings:
        assert 10 <= finding.end - finding.start <= 13
        assert finding.start == 0 or not text[finding.start - 1].isdigit()
        assert finding.end == len(text) or not text[finding.end].isdigit()
    for first, second in pairwise(findings):
        assert first.end <= second.start
