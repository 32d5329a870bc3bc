"""`samverkan config check` on the meetings: every date that will not happen, every broken rule.

Run in-process through `bot.cli.main`. Lines that the check must point at carry a `# <- name`
marker, so each test asserts the exact line while the file stays easy to read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.i18n import translator
from bot.cli import main

SV = translator("sv")
EN = translator("en")

pytestmark = pytest.mark.usefixtures("cli_database")

HEAD = """\
[[organisations]]
id = "vgr"
name = "Västra Götalandsregionen"
short_name = "VGR"

[[people]]
id = "anna.berg"
name = "Anna Berg"
organisation = "vgr"
email = "anna.berg@vgregion.example"

[[terms]]
id = "vt2026"
kind = "vt"
start = 2026-01-12
end = 2026-06-12
breaks = [{ name = "Sportlov", start = 2026-02-09, end = 2026-02-13 }]

[[terms]]
id = "ht2026"
kind = "ht"
start = 2026-08-17
end = 2026-12-18

[[groups]]
id = "arbetsgrupp"
name = "Arbetsgruppen"
members = [{ person = "anna.berg" }]
"""

TAIL = """
[plan]
title = "Plan"
year = 2026
goal_areas = [{ code = "GS", title = "Genomförande" }]
"""

DATES = HEAD + """
[[groups.series]]
id = "chefsmoten"
dates = [
    2026-01-20,
    2026-02-11,  # <- in-break
    2026-04-06,  # <- easter-monday
    2026-04-07,  # <- taken
    2026-07-02,  # <- summer
    2026-12-24,  # <- christmas-eve
    2026-12-21,  # <- after-the-terms
]
start_time = "13:00"
duration_minutes = 120

[[groups.series]]
id = "varannan-vecka"
rrule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"  # <- rule
dtstart = 2026-05-06
until = 2026-09-02
start_time = "10:00"
duration_minutes = 60
on_non_working_day = "skip"
""" + TAIL


def line(text: str, name: str) -> int:
    hits = [n for n, row in enumerate(text.splitlines(), 1) if row.endswith(f"# <- {name}")]
    assert len(hits) == 1, name
    return hits[0]


def check(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, *lang: str
          ) -> tuple[int, str, str, Path]:
    path = tmp_path / "grupper.toml"
    path.write_text(text, encoding="utf-8")
    code = main(["config", "check", str(path), *lang])
    out, err = capsys.readouterr()
    return code, out, err, path


def test_config_check_warns_by_line_about_every_meeting_date_that_will_not_happen(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err, path = check(capsys, tmp_path, DATES)
    assert code == 0, err
    assert f"{path}: konfigurationen är giltig" in out

    def warned(name: str, path_key: str, key: str, **params: object) -> str:
        message = SV(key, **params)
        return f"{path}:{line(DATES, name)}: groups[0].{path_key}: varning: {message}"

    series = "series[0].dates"
    assert err.splitlines() == [
        SV("config.warning_header", file=path),
        warned("in-break", f"{series}[1]", "config.warning.date_in_break", date="2026-02-11",
               break_name="Sportlov", term="vt2026"),
        warned("easter-monday", f"{series}[2]", "config.warning.date_moved",
               date="2026-04-06", why="Annandag påsk", moved_to="2026-04-07"),
        warned("taken", f"{series}[3]", "config.warning.date_taken", date="2026-04-07"),
        warned("summer", f"{series}[4]", "config.warning.date_outside_terms", date="2026-07-02"),
        warned("christmas-eve", f"{series}[5]", "config.warning.moved_outside_terms",
               date="2026-12-24", why="Julafton", moved_to="2026-12-28"),
        warned("after-the-terms", f"{series}[6]", "config.warning.date_outside_terms",
               date="2026-12-21"),
        # A fortnightly rule from 6 May: 20 May, 3 June in the term; 17 June to 12 August in
        # the summer; 26 August in the autumn term. Ascension Day (14 May) is not a Wednesday.
        warned("rule", "series[1].rrule", "config.warning.rule_outside_terms", count=5,
               dates="2026-06-17, 2026-07-01, 2026-07-15, 2026-07-29, 2026-08-12"),
    ]


def test_a_weekend_date_is_named_a_weekend_in_either_language(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = DATES.replace("    2026-01-20,\n", "    2026-01-24,  # <- saturday\n")
    _code, _out, err, path = check(capsys, tmp_path, text, "--lang", "en")
    assert f"{path}:{line(text, 'saturday')}: groups[0].series[0].dates[0]: warning: " + EN(
        "config.warning.date_moved", date="2026-01-24", why=EN("calendar.weekend"),
        moved_to="2026-01-26") in err.splitlines()


def test_a_series_that_skips_days_off_says_which_holiday_it_skips(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = DATES.replace("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", "FREQ=WEEKLY;BYDAY=TH").replace(
        "dtstart = 2026-05-06", "dtstart = 2026-05-07").replace(
        "until = 2026-09-02", "until = 2026-05-21")
    code, _out, err, path = check(capsys, tmp_path, text)
    assert code == 0
    assert [row for row in err.splitlines() if "series[1]" in row] == [
        f"{path}:{line(text, 'rule')}: groups[0].series[1].rrule: varning: " + SV(
            "config.warning.date_skipped", date="2026-05-14", why="Kristi himmelsfärdsdag"),
    ]


def test_a_file_without_lost_meetings_has_no_warnings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = HEAD + """
[[groups.series]]
id = "chefsmoten"
dates = [2026-01-20, 2026-09-24]
start_time = "13:00"
duration_minutes = 120
""" + TAIL
    code, out, err, _path = check(capsys, tmp_path, text)
    assert (code, err) == (0, "")
    assert "giltig" in out


BROKEN = HEAD.replace('short_name = "VGR"', 'short_nam = "VGR"  # <- typo') + """
[[groups.series]]
id = "manadsmote"
rrule = "FREQ=MONTLY;BYDAY=2TU;COUNT=5"  # <- rule
dtstart = 2026-01-13
until = 2025-12-31  # <- until
duration_minutes = 2  # <- short
dates = [2026-02-10]
""" + TAIL


def test_every_problem_of_a_broken_series_is_reported_at_once_in_words(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err, path = check(capsys, tmp_path, BROKEN)
    assert code == 2 and out == ""
    lines = err.splitlines()

    def problem(name: str, key: str, message: str) -> str:
        return f"{path}:{line(BROKEN, name)}: {key}: {message}"

    series = "groups[0].series[0]"
    expected = [
        problem("typo", "organisations[0].short_nam", SV("config.unknown_key")),
        problem("rule", f"{series}.rrule",
                SV("config.series.rrule_freq_unsupported", value="MONTLY")),
        problem("rule", f"{series}.rrule",
                SV("config.series.rrule_part_not_allowed", value="COUNT")),
        problem("until", f"{series}.until", SV("config.series.until_before_dtstart")),
        problem("short", f"{series}.duration_minutes", SV("config.too_small")),
    ]
    for wanted in expected:
        assert wanted in lines, wanted
    # Both rrule and dates, and the missing start time, are reported in the same round.
    assert any(SV("config.series_recurrence") in row for row in lines)
    assert any(f"{series}.start_time: {SV('config.missing')}" in row for row in lines)
    # In words: no code of the calendar reaches the administrator.
    assert "rrule_" not in err and "until_before" not in err
    assert lines[0] == SV("config.header", file=path, count=len(lines) - 1)


@pytest.mark.parametrize(
    ("rule", "key", "value"),
    [
        ("FREQ=HOURLY", "config.series.rrule_freq_unsupported", "HOURLY"),
        ("BYDAY=MO", "config.series.rrule_freq_missing", ""),
        ("FREQ=WEEKLY;BYHOUR=9", "config.series.rrule_part_not_allowed", "BYHOUR"),
        ("FREQ=MONTHLY;BYDAY=6MO", "config.series.rrule_out_of_range", "BYDAY"),
        ("FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30", "config.series.rrule_never_matches", ""),
        ("FREQ=WEEKLY;BYDAY=XX", "config.series.rrule_invalid", ""),
        ("RRULE:FREQ=WEEKLY", "config.series.rrule_invalid", ""),
    ],
)
def test_an_invalid_rule_is_explained_in_words(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rule: str, key: str, value: str
) -> None:
    text = DATES.replace("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", rule)
    code, _out, err, path = check(capsys, tmp_path, text)
    assert code == 2
    assert f"{path}:{line(text, 'rule')}: groups[0].series[1].rrule: " + SV(
        key, value=value) in err.splitlines()
    assert "rrule_" not in err
