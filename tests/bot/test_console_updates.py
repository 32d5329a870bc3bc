"""Activity updates end to end through the console door (`bot.console.demo.run_demo`).

Piped input: a command line, then (when the reply carries a form) one line per field shown.
"""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import translator
from bot.console.demo import run_demo
from bot.exits import EXIT_OK
from bot.settings import Settings
from storage import models_updates as mu
from storage.db import create_db_engine
from tests.conftest import EXAMPLE

SV = translator("sv")
EN = translator("en")


def run(tmp_path: Path, lines: list[str], person: str = "linnea.ek",
        language: str | None = None) -> str:
    stdout = io.StringIO()
    code = run_demo(
        Settings(_env_file=None),  # type: ignore[call-arg]
        person_id=person, language=language, config_file=EXAMPLE,
        database_url=f"sqlite:///{tmp_path / 'console.db'}",
        stdin=io.StringIO("".join(f"{line}\n" for line in lines)), stdout=stdout,
    )
    assert code == EXIT_OK
    return stdout.getvalue()


def stored(tmp_path: Path) -> list[mu.Update]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'console.db'}")
    try:
        with Session(engine) as session:
            return list(session.scalars(select(mu.Update).order_by(mu.Update.id)))
    finally:
        engine.dispose()


def test_inline_then_the_form_field_by_field_then_mine(tmp_path: Path) -> None:
    output = run(tmp_path, [
        "rapportera VIP-1 pågår Utbildningsdag genomförd i Skaraborg",
        "rapportera",
        "3",            # Aktivitet: VIP-1, the third of Linnéa's activities
        "4",            # Status: risk för försening
        "Två delregioner har planer",
        "Fortsätta i oktober",
        "Lokalbrist",
        "2 st",         # the VIP-1 indicator, asked because VIP-1 was chosen
        "mina",
    ])
    assert SV("updates.saved", id="#1") in output
    # The form is asked field by field, the activities numbered under their goal areas.
    assert SV("updates.field.activity") + " " + SV("form.console.required") in output
    assert "  Genomförande av strategin\n    1. GS-1 " in output
    assert "    3. VIP-1 Implementera" in output
    assert "  Suicidprevention\n    7. SP-1 " in output
    assert "VIP-1: Delregioner med plan för införande av VIP (antal)" in output
    # Indicators of the activities not chosen are not asked.
    assert "SP-1: Andel kommuner" not in output
    assert SV("updates.saved", id="#2") in output
    assert SV("updates.mine.title") in output
    assert "#2" in output.split(SV("updates.mine.title"))[1]
    first, second = stored(tmp_path)
    assert (first.activity_code, first.status, first.summary) == (
        "VIP-1", "on_track", "Utbildningsdag genomförd i Skaraborg")
    assert (second.activity_code, second.status, second.summary, second.next_steps,
            second.risks, second.indicator_values) == (
        "VIP-1", "at_risk", "Två delregioner har planer", "Fortsätta i oktober", "Lokalbrist",
        {"vip-inforandeplan": 2.0})


def test_only_the_fields_in_error_are_asked_again(tmp_path: Path) -> None:
    output = run(tmp_path, [
        "rapportera",
        "SP-1",          # by code rather than number
        "pågår",         # by word rather than number
        "",              # Vad har hänt? left empty: an error
        "",
        "",
        "120 %",         # the SP-1 indicator (procent): too large
        "Första mötet med kommunerna",   # asked again: Vad har hänt?
        "45,5 %",        # asked again: the indicator
        "mina",
    ])
    assert SV("updates.form.fix") in output
    asked_again = output.split(SV("updates.form.fix"))[1]
    assert SV("updates.field.summary") in asked_again
    assert SV("updates.field.next_steps") not in asked_again.split(SV("updates.saved", id="#1"))[0]
    [row] = stored(tmp_path)
    assert (row.activity_code, row.summary, row.indicator_values) == (
        "SP-1", "Första mötet med kommunerna", {"efterlevandestod-kommuner": 45.5})


def test_edit_in_the_console_keeps_what_is_not_retyped(tmp_path: Path) -> None:
    output = run(tmp_path, [
        "rapportera VIP-1 pågår Utbildningsdag genomförd",
        "ändra 1",
        "",               # keep the activity
        "försenad",
        "",               # keep the summary
        "Ny träff i november",
        "-",              # risks stay empty
        "",               # no indicator value
        "mina 1",
    ])
    assert SV("form.console.current", value="🟢 " + SV("updates.status.on_track")) in output
    assert SV("updates.changed", id="#1") in output
    [row] = stored(tmp_path)
    assert (row.version, row.status, row.summary, row.next_steps) == (
        2, "delayed", "Utbildningsdag genomförd", "Ny träff i november")
    history = output.rsplit(SV("updates.history.title", id="#1"), 1)[1]
    assert "Linnéa Ek" in history and SV("updates.col.version") in history


def test_input_ending_mid_form_stores_nothing(tmp_path: Path) -> None:
    output = run(tmp_path, ["rapportera", "3"])
    assert SV("form.console.cancelled") in output
    assert stored(tmp_path) == []


def test_the_console_in_english(tmp_path: Path) -> None:
    output = run(tmp_path, [
        "update", "VIP-1", "on track", "Training day held", "", "", "", "mine",
    ], person="sofia.marklund")
    assert EN("updates.field.summary") in output
    assert EN("updates.saved", id="#1") in output
    assert EN("updates.mine.title") in output
