"""Reminders in the terminal demo, on the demo's own clock (`:tid`)."""

from __future__ import annotations

import io
from pathlib import Path

from bot.console.demo import run_demo
from bot.settings import Settings
from tests.conftest import EXAMPLE


def demo(tmp_path: Path, script: str, person: str = "malin.hedlund") -> str:
    out = io.StringIO()
    code = run_demo(
        Settings(), person_id=person, language=None, config_file=EXAMPLE,
        database_url=f"sqlite:///{tmp_path / 'demo.db'}", stdin=io.StringIO(script),
        stdout=out, start="2026-11-30T08:00:00+01:00",
    )
    assert code == 0
    return out.getvalue()


def test_moving_the_clock_shows_the_reminders_that_fall_due_once(tmp_path: Path) -> None:
    # Malin convenes arbetsgrupp's meeting on Tuesday 8 December 2026 (Skaraborg's term).
    text = demo(tmp_path, ":tid 2026-12-03 09:30\n:tid +5d\n:tid +1d\n")
    assert text.count("Du är sammankallande – Arbetsgruppen") == 1
    assert text.count("I morgon: Arbetsgruppen") == 1
    assert text.count("Efter mötet – Arbetsgruppen") == 1
    # The order follows the demo clock: prepare (3 Dec) before the day before (7 Dec).
    assert text.index("Du är sammankallande") < text.index("I morgon: Arbetsgruppen")
    assert "Demoklockan står nu på tis 8 dec 2026" in text


def test_only_the_demo_persons_own_messages_are_shown_and_the_rest_counted(
    tmp_path: Path,
) -> None:
    text = demo(tmp_path, ":tid 2026-12-03 09:30\n")
    assert "påminnelser till andra i grupperna" in text
    assert "Amir Haddad]" not in text  # another person's direct message stays out of sight


def test_a_bad_clock_word_is_answered_and_the_clock_stays(tmp_path: Path) -> None:
    text = demo(tmp_path, ":tid imorgon bitti\n:tid -3d\n:tid\n")
    assert text.count("Skriv till exempel ”:tid +7d”") == 3
    assert "Demoklockan" not in text


def test_turning_direct_messages_off_stops_them_in_the_demo(tmp_path: Path) -> None:
    text = demo(tmp_path, "påminnelser av\n:tid 2026-12-03 09:30\n")
    assert "Din lägesrapport till" not in text
    assert "Dags för lägesrapport – Arbetsgruppen" in text  # the channel still gets its post
