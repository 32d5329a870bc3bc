"""Statuses, finding the activity, text rules and indicator values (`domain.updates`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.notes import split_next_step
from domain.plan import PlanActivity, PlanIndicator
from domain.pnr import contains_identity_number
from domain.updates import (
    STATUS_BY_CODE,
    STATUSES,
    TEXT_RULES,
    TextRule,
    UpdateInputError,
    clean_text,
    find_status,
    format_value,
    interpret_report_words,
    match_activity,
    may_change,
    may_report,
    parse_indicator_value,
    parse_short_id,
    take_status,
    unit_kind,
)

PNR = "19121212-1212"
SAMORDNING = "701063-2391"


def activity(code: str, title: str, group: str = "arbetsgrupp",
             owners: tuple[str, ...] = ("vgr",), area: str = "GS") -> PlanActivity:
    return PlanActivity(code, title, area, area, group, owners)


PLAN = [
    activity("VIP-1",
             "Implementera vård- och insatsprogram (VIP) och personcentrerade vårdförlopp"),
    activity("SP-1", "Främja arbetssätt för att erbjuda efterlevandestöd", area="SP"),
    activity("SP-3", "Främja arbetssätt för samordnad händelseanalys vid suicid", area="SP"),
    activity("KB-1", "Identifiera utvecklingsområden inför samsjuklighetsreformen", area="KB"),
    activity("KB-2", "Följa utvecklingen kring samsjuklighetsreformen", "kf-arbetsgrupp",
             ("gr", "fyrbodal"), "KB"),
    activity("KB-3", "Beskriva hur samsjuklighetsreformen påverkar", "vgr-arbetsgrupp", ("vgr",),
             "KB"),
]


def test_the_identity_numbers_used_in_these_tests_are_valid() -> None:
    assert contains_identity_number(PNR)
    assert contains_identity_number(SAMORDNING)


# --- statuses -----------------------------------------------------------------------------


def test_seven_statuses_with_traffic_light_colours() -> None:
    assert [s.code for s in STATUSES] == [
        "not_started", "starting", "on_track", "at_risk", "delayed", "done", "paused",
    ]
    colours = {s.code: s.colour for s in STATUSES}
    assert colours == {
        "not_started": "grey", "starting": "green", "on_track": "green", "at_risk": "yellow",
        "delayed": "red", "done": "blue", "paused": "grey",
    }
    assert all(s.symbol for s in STATUSES)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ej påbörjad", "not_started"), ("EJ PABORJAD", "not_started"),
        ("not started", "not_started"), ("not-started", "not_started"),
        ("i uppstart", "starting"), ("är i uppstart", "starting"), ("starting up", "starting"),
        ("pågår enligt plan", "on_track"), ("pågår", "on_track"), ("Pagar", "on_track"),
        ("on track", "on_track"), ("on-track", "on_track"), ("on_track", "on_track"),
        ("risk för försening", "at_risk"), ("risk", "at_risk"), ("at risk", "at_risk"),
        ("försenad", "delayed"), ("forsenad", "delayed"), ("delayed", "delayed"),
        ("klar", "done"), ("KLAR!", "done"), ("done", "done"), ("completed", "done"),
        ("pausad", "paused"), ("on hold", "paused"), ("paused", "paused"),
    ],
)
def test_statuses_in_swedish_english_and_aliases(text: str, code: str) -> None:
    status = find_status(text)
    assert status is not None and status.code == code


@pytest.mark.parametrize("text", ["", "bra", "pågår kanske", "x" * 500, "enligt"])
def test_unknown_status_words(text: str) -> None:
    assert find_status(text) is None


def test_every_status_word_means_one_status() -> None:
    seen: dict[str, str] = {}
    for status in STATUSES:
        for word in status.words():
            found = find_status(word)
            assert found is status, word
            seen[word] = status.code
    assert len(seen) > 40


def test_take_status_takes_the_longest_phrase() -> None:
    assert take_status(["pågår", "enligt", "plan", "Utbildning"]) == (
        STATUS_BY_CODE["on_track"], 3)
    assert take_status(["pågår", "Utbildning"]) == (STATUS_BY_CODE["on_track"], 1)
    assert take_status(["risk", "för", "försening"]) == (STATUS_BY_CODE["at_risk"], 3)
    assert take_status(["Utbildning", "pågår"]) is None


# --- finding the activity -----------------------------------------------------------------


@pytest.mark.parametrize("query", ["VIP-1", "vip-1", "VIP1", "vip 1", " Vip-1 "])
def test_an_activity_by_its_code(query: str) -> None:
    assert match_activity(query, PLAN).activity == PLAN[0]


@pytest.mark.parametrize(
    ("query", "code"),
    [("efterlevandestöd", "SP-1"), ("efterlevandestod", "SP-1"), ("händelseanalys", "SP-3"),
     ("vård och insatsprogram", "VIP-1"), ("VIP", "VIP-1"),
     ("samsjuklighetsreformen påverkar", "KB-3")],
)
def test_an_activity_by_words_of_its_title(query: str, code: str) -> None:
    match = match_activity(query, PLAN)
    assert match.activity is not None and match.activity.code == code


def test_several_matches_give_the_candidates_not_a_guess() -> None:
    match = match_activity("samsjuklighet", PLAN)
    assert match.activity is None
    assert [a.code for a in match.candidates] == ["KB-1", "KB-2", "KB-3"]
    assert [a.code for a in match_activity("främja", PLAN).candidates] == ["SP-1", "SP-3"]


@pytest.mark.parametrize("query", ["", "x", "XYZ-9", "helt annat", "a" * 300])
def test_no_match(query: str) -> None:
    match = match_activity(query, PLAN)
    assert match.activity is None and match.candidates == ()


def test_one_line_report_by_code() -> None:
    reading = interpret_report_words(
        "VIP-1 pågår Utbildningsdag genomförd i Skaraborg".split(), PLAN)
    assert reading.kind == "report"
    assert reading.activity == PLAN[0]
    assert reading.status == STATUS_BY_CODE["on_track"]
    assert reading.text == "Utbildningsdag genomförd i Skaraborg"


def test_one_line_report_with_a_long_status_and_punctuation() -> None:
    reading = interpret_report_words(
        ["vip-1", "risk", "för", "försening:", "–", "Lokalen", "saknas"], PLAN)
    assert (reading.kind, reading.status, reading.text) == (
        "report", STATUS_BY_CODE["at_risk"], "Lokalen saknas")


def test_one_line_report_by_title_words_is_to_be_confirmed() -> None:
    reading = interpret_report_words("efterlevandestöd i uppstart Möte hölls".split(), PLAN)
    assert reading.kind == "confirm" and reading.query == "efterlevandestöd"
    assert reading.activity is not None and reading.activity.code == "SP-1"
    assert reading.status == STATUS_BY_CODE["starting"]
    assert reading.text == "Möte hölls"


def test_partial_one_line_reports_open_the_form_with_what_was_given() -> None:
    assert interpret_report_words([], PLAN).kind == "form"
    only_activity = interpret_report_words(["VIP-1"], PLAN)
    assert (only_activity.kind, only_activity.activity, only_activity.status) == (
        "form", PLAN[0], None)
    no_text = interpret_report_words(["VIP-1", "klar"], PLAN)
    assert (no_text.kind, no_text.status) == ("form", STATUS_BY_CODE["done"])
    by_title = interpret_report_words(["händelseanalys"], PLAN)
    assert by_title.kind == "form" and by_title.activity == PLAN[2]


def test_one_line_reports_that_cannot_be_read() -> None:
    ambiguous = interpret_report_words("samsjuklighet pågår text".split(), PLAN)
    assert ambiguous.kind == "ambiguous" and len(ambiguous.candidates) == 3
    assert ambiguous.query == "samsjuklighet"
    unknown = interpret_report_words("helt annat pågår text".split(), PLAN)
    assert (unknown.kind, unknown.query) == ("unknown_activity", "helt annat")
    unlike = interpret_report_words("XYZ-9 pågår text".split(), PLAN)
    assert (unlike.kind, unlike.query, unlike.candidates) == ("unknown_code", "XYZ-9", ())
    no_status = interpret_report_words("VIP-1 superbra text".split(), PLAN)
    assert (no_status.kind, no_status.query) == ("unknown_status", "superbra")
    title_no_status = interpret_report_words(
        "efterlevandestöd Utbildningsdag genomförd".split(), PLAN)
    assert title_no_status.kind == "unknown_status"
    assert title_no_status.activity == PLAN[1] and title_no_status.query == "Utbildningsdag"


@given(st.lists(st.text(max_size=30), max_size=12))
def test_reading_a_report_line_never_fails(words: list[str]) -> None:
    reading = interpret_report_words(words, PLAN)
    assert reading.kind in ("form", "report", "confirm", "ambiguous", "unknown_code",
                            "unknown_activity", "unknown_status")
    if reading.kind in ("report", "confirm"):
        assert reading.activity is not None and reading.status is not None and reading.text


# --- free text ----------------------------------------------------------------------------


def test_text_is_trimmed_and_control_characters_removed() -> None:
    assert clean_text("  Möte\r\nhölls\x00\x07 \t", TEXT_RULES["summary"]) == "Möte\nhölls"


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_a_required_text_must_not_be_empty(text: str) -> None:
    with pytest.raises(UpdateInputError) as caught:
        clean_text(text, TEXT_RULES["summary"])
    assert caught.value.code == "required"
    assert clean_text(text, TEXT_RULES["risks"]) == ""


def test_length_limits() -> None:
    rule = TEXT_RULES["summary"]
    assert rule.max_length == 2000
    assert clean_text("a" * 2000, rule) == "a" * 2000
    with pytest.raises(UpdateInputError) as caught:
        clean_text("a" * 2001, rule)
    assert caught.value.code == "too_long"
    assert caught.value.params == {"limit": 2000, "length": 2001}
    assert {name: r.max_length for name, r in TEXT_RULES.items()} == {
        "summary": 2000, "next_steps": 1000, "risks": 1000, "reason": 500,
    }


@pytest.mark.parametrize(
    "text",
    [f"Samtal med {PNR} om stöd", f"pnr {PNR.replace('-', '')}", f"{SAMORDNING} ringde",
     "Patient 121212-1212", "121212\u200b-1212 dold", "19121212\x001212"],
)
def test_identity_numbers_are_refused_and_never_echoed(text: str) -> None:
    with pytest.raises(UpdateInputError) as caught:
        clean_text(text, TextRule(1000))
    assert caught.value.code == "identity_number"
    assert caught.value.params == {}
    assert "1212" not in str(caught.value)


def test_an_identity_number_is_refused_before_the_length_is_checked() -> None:
    with pytest.raises(UpdateInputError) as caught:
        clean_text(PNR + "a" * 3000, TEXT_RULES["summary"])
    assert caught.value.code == "identity_number"


# --- indicator values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [
        ("12", "antal", 12.0), ("12 st", "antal", 12.0), ("12st", "antal", 12.0),
        ("1 234", "antal", 1234.0), ("1\u00a0234 stycken", "antal", 1234.0),
        ("0", "antal", 0.0), ("4 antal", "antal", 4.0),
        ("12,5", "procent", 12.5), ("12.5", "procent", 12.5), ("45 %", "procent", 45.0),
        ("45%", "procent", 45.0), ("45 procent", "procent", 45.0), ("100", "procent", 100.0),
        ("0,25", "procent", 0.25), ("-3,5", "grader", -3.5), ("2,5 grader", "grader", 2.5),
        ("１２", "antal", 12.0),
    ],
)
def test_indicator_values(text: str, unit: str, value: float) -> None:
    assert parse_indicator_value(text, unit) == value


@pytest.mark.parametrize(
    ("text", "unit", "code"),
    [
        ("", "antal", "required"), ("tolv", "antal", "not_a_number"),
        ("12 kg", "antal", "wrong_unit"), ("45 %", "antal", "wrong_unit"),
        ("12 st", "procent", "wrong_unit"), ("2,5", "antal", "not_whole"),
        ("-1", "antal", "too_small"), ("101", "procent", "too_large"),
        ("-0,5 %", "procent", "too_small"), ("1,2,3", "antal", "not_a_number"),
        ("12 13", "antal", "not_a_number"), ("9" * 41, "antal", "value_too_long"),
        ("99999999999", "antal", "too_large"), ("nan", "grader", "not_a_number"),
        ("inf", "grader", "not_a_number"), ("1e5", "grader", "wrong_unit"),
    ],
)
def test_bad_indicator_values(text: str, unit: str, code: str) -> None:
    with pytest.raises(UpdateInputError) as caught:
        parse_indicator_value(text, unit)
    assert caught.value.code == code


def test_unit_kinds() -> None:
    assert unit_kind("antal") == unit_kind("st") == unit_kind("Antal") == "count"
    assert unit_kind("procent") == unit_kind("%") == "percent"
    assert unit_kind("kronor") == "other"


@given(st.text(max_size=60), st.sampled_from(["antal", "procent", "kronor", "%", ""]))
def test_indicator_parsing_raises_nothing_but_its_own_error(text: str, unit: str) -> None:
    try:
        value = parse_indicator_value(text, unit)
    except UpdateInputError:
        return
    assert value == value and abs(value) <= 1_000_000_000  # finite, bounded


@given(st.text(max_size=3000))
def test_text_cleaning_raises_nothing_but_its_own_error(text: str) -> None:
    try:
        cleaned = clean_text(text, TEXT_RULES["summary"])
    except UpdateInputError as error:
        assert error.code in ("identity_number", "required", "too_long")
        return
    assert cleaned and len(cleaned) <= 2000
    assert not contains_identity_number(cleaned)


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_formatted_values_parse_back(value: float) -> None:
    for language in ("sv", "en"):
        text = format_value(round(value, 4), language)
        assert parse_indicator_value(text, "grader") == pytest.approx(round(value, 4), abs=1e-4)


def test_formatting_uses_the_swedish_decimal_comma() -> None:
    assert format_value(12.5, "sv") == "12,5"
    assert format_value(12.5, "en") == "12.5"
    assert format_value(4.0, "sv") == "4"


# --- who may do what ----------------------------------------------------------------------


def test_members_of_the_responsible_group_may_report() -> None:
    kb2 = PLAN[4]
    assert may_report(kb2, "sjuharad", {"kf-arbetsgrupp"})
    assert not may_report(kb2, "sjuharad", {"arbetsgrupp"})


def test_members_of_an_owner_organisation_may_report_if_active_in_some_group() -> None:
    kb3 = PLAN[5]
    assert may_report(kb3, "vgr", {"chefsgrupp"})
    assert not may_report(kb3, "vgr", set())
    assert not may_report(kb3, "fyrbodal", {"chefsgrupp", "arbetsgrupp"})


def test_changing_an_update() -> None:
    created = datetime(2026, 9, 1, 7, tzinfo=UTC)

    def verdict(actor: str, admin: bool, days: float, window: int = 14) -> str:
        return may_change(author_id="anna", created_at=created, actor_id=actor,
                          actor_is_admin=admin, now=created + timedelta(days=days),
                          window_days=window)

    assert verdict("anna", False, 0) == "ok"
    assert verdict("anna", False, 14) == "ok"
    assert verdict("anna", False, 14.01) == "window_closed"
    assert verdict("bo", False, 1) == "not_author"
    assert verdict("bo", True, 1) == "ok"
    assert verdict("bo", True, 15) == "window_closed"
    assert verdict("anna", False, 4, window=3) == "window_closed"


@pytest.mark.parametrize(("text", "number"),
                         [("12", 12), ("#12", 12), (" #7 ", 7), ("# 3", 3), ("x", None),
                          ("", None), ("12a", None), ("-1", None), ("1" * 10, None)])
def test_short_ids(text: str, number: int | None) -> None:
    assert parse_short_id(text) == number


# --- next steps ---------------------------------------------------------------------------


def test_next_step_words() -> None:
    parts = split_next_step("Skicka enkäten ansvarig GR senast 15 okt".split())
    assert (parts.text, parts.responsible, parts.due) == ("Skicka enkäten", "GR", "15 okt")
    parts = split_next_step("Call SRO due 15/10 responsible Västra Götalandsregionen".split())
    assert (parts.text, parts.responsible, parts.due) == (
        "Call SRO", "Västra Götalandsregionen", "15/10")
    assert split_next_step(["Bara", "text"]).responsible is None
    # A keyword as the first word is text.
    assert split_next_step(["Ansvarig", "utses"]).text == "Ansvarig utses"


@pytest.mark.parametrize(
    ("words", "code", "field"),
    [("x ansvarig".split(), "missing_value", "responsible"),
     ("x ansvarig gr ansvarig vgr".split(), "repeated", "responsible"),
     ("x senast ansvarig gr".split(), "missing_value", "due")],
)
def test_next_step_words_that_cannot_be_read(words: list[str], code: str, field: str) -> None:
    with pytest.raises(UpdateInputError) as caught:
        split_next_step(words)
    assert (caught.value.code, caught.value.params) == (code, {"field": field})


@given(st.lists(st.text(max_size=20), max_size=10))
def test_next_step_words_raise_nothing_but_the_domain_error(words: list[str]) -> None:
    try:
        split_next_step(words)
    except UpdateInputError:
        pass


def test_indicators_of_an_activity() -> None:
    plan = PlanActivity("A-1", "A", "GS", "GS", "g", indicators=(PlanIndicator("x", "X", "st"),))
    assert plan.indicator("x") == PlanIndicator("x", "X", "st")
    assert plan.indicator("y") is None
