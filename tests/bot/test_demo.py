"""The terminal demo as a newcomer uses it: its clock, its welcome, its log, its help.

In-process through `bot.console.demo.run_demo` where a pipe is enough; as a real process where
the terminal matters (a pseudo-terminal for the welcome, separate streams for the log).
"""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import translator
from bot.console.demo import run_demo
from bot.console.render import CONSOLE_WIDTH
from bot.exits import EXIT_OK
from bot.settings import Settings
from handlers.commands import ALL_COMMANDS
from storage import models_updates as mu
from storage.db import create_db_engine
from tests.bot.test_cli import demo, samverkan_script
from tests.conftest import EXAMPLE

SV = translator("sv")
EN = translator("en")
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 09:00 in Stockholm


def run(tmp_path: Path, lines: list[str], person: str = "linnea.ek",
        start: str = "2026-12-01T09:00", language: str | None = None) -> str:
    stdout = io.StringIO()
    code = run_demo(
        Settings(_env_file=None),  # type: ignore[call-arg]
        person_id=person, language=language, config_file=EXAMPLE,
        database_url=f"sqlite:///{tmp_path / 'demo.db'}",
        stdin=io.StringIO("".join(f"{line}\n" for line in lines)), stdout=stdout, start=start,
    )
    assert code == EXIT_OK
    return stdout.getvalue()


def saved_at(tmp_path: Path) -> list[datetime]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        with Session(engine) as session:
            rows = session.scalars(select(mu.Update.created_at).order_by(mu.Update.id))
            return [at if at.tzinfo else at.replace(tzinfo=UTC) for at in rows]
    finally:
        engine.dispose()


# --- the clock ------------------------------------------------------------------------------


def test_reports_made_in_one_demo_session_are_dated_in_the_order_they_were_made(
    tmp_path: Path,
) -> None:
    output = run(tmp_path, [
        "rapportera VIP-1 pågår Första",
        "rapportera VIP-1 risk Andra",
        ":tid +1d",
        "rapportera VIP-1 försenad Tredje",
        "mina",
    ])
    first, second, third = saved_at(tmp_path)
    # The clock starts at --now and runs on: no two reports share a time, none is before it.
    assert START <= first < second < START + timedelta(minutes=5)
    # `:tid +1d` moved it a day on, and it kept running from there.
    assert START + timedelta(days=1) <= third < START + timedelta(days=1, minutes=5)
    mine = output[output.index(SV("updates.mine.title")):]
    assert mine.index("#3") < mine.index("#2") < mine.index("#1")  # the latest first


def test_the_demo_welcome_says_how_to_move_the_clock(tmp_path: Path) -> None:
    """In a terminal (a pseudo-terminal here) the demo greets, with the clock and how to move it."""

    controller, terminal = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    process = subprocess.Popen(
        [str(samverkan_script()), "demo", "--as", "linnea.ek", "--now", "2026-12-01T09:00"],
        stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path, env=env,
    )
    os.close(terminal)
    try:
        os.write(controller, b"\x04")  # Ctrl-D: the end of the conversation
        out, err = process.communicate(timeout=60)
    finally:
        os.close(controller)
    assert process.returncode == 0, err
    welcome = out.decode("utf-8")
    expected = SV("demo.welcome", name="Linnéa Ek", organisation="Fyrbodal",
                  now="tis 1 dec 2026 09:00")
    assert expected in " ".join(welcome.split())  # wrapped at 80 columns
    assert ":tid +7d" in expected and "--now" in expected
    lines = welcome[:welcome.index("Ctrl-D") + 7].splitlines()
    assert max(len(line) for line in lines) <= 80


# --- the log ---------------------------------------------------------------------------------


def test_the_schedulers_warnings_go_to_the_demo_log_not_into_the_conversation(
    tmp_path: Path,
) -> None:
    # A fresh database and a start in January: the reminders of the days before the start
    # are past the grace period, and the scheduler warns that they were missed.
    result = demo(tmp_path, "vem\n:tid 2027-01-11 09:30\n", "--as", "malin.hedlund",
                  "--now", "2027-01-06T10:00")
    assert result.returncode == 0, result.stderr
    conversation = result.stdout + result.stderr
    assert "reminder missed" not in conversation and "WARNING" not in conversation
    assert "reminder missed" in (tmp_path / "samverkan-demo.log").read_text("utf-8")
    # The reminders themselves are the conversation: still shown, as messages.
    assert "🔔 [#Arbetsgruppen]" in result.stdout and "I morgon: Arbetsgruppen" in result.stdout


def test_the_demo_log_goes_to_standard_error_when_asked(tmp_path: Path) -> None:
    result = demo(tmp_path, "vem\n", "--as", "malin.hedlund", "--now", "2027-01-06T10:00",
                  "--log", "-")
    assert result.returncode == 0
    assert "reminder missed" in result.stderr and "reminder missed" not in result.stdout
    assert not (tmp_path / "samverkan-demo.log").exists()


def test_one_reminder_to_others_is_one_påminnelse(tmp_path: Path) -> None:
    # Half an hour on from 10:30 on 2 December, one reminder goes to someone else.
    output = run(tmp_path, [":tid 2026-12-02 11:00"], person="johan.wikstrom",
                 start="2026-12-02T10:30")
    assert SV("demo.others", count=1) in output
    assert "(och 1 påminnelse till andra i grupperna)" in output
    assert "1 påminnelser" not in output


# --- the help ---------------------------------------------------------------------------------


def test_help_fits_an_80_column_terminal_with_an_example_for_every_command(
    tmp_path: Path,
) -> None:
    for language, word, t in (("sv", "hjälp", SV), ("en", "help", EN)):
        output = run(tmp_path, [word], language=language)
        lines = output.splitlines()
        assert CONSOLE_WIDTH == 80
        assert max(len(line) for line in lines) <= 80, [
            line for line in lines if len(line) > 80]
        for spec in ALL_COMMANDS:
            assert spec.word_in(language) in lines  # the word on a line of its own
            example = t("help.example", example=t(spec.example_key))
            # The example, on its own indented line(s), wrapped where it is long.
            assert re.sub(r"\s+", " ", example) in re.sub(r"\s+", " ", output)
        assert output.count(t("help.example", example="")) == len(ALL_COMMANDS)


def test_help_for_one_command_stays(tmp_path: Path) -> None:
    output = run(tmp_path, ["hjälp möten", "help meetings"], language=None)
    assert SV("help.cmd.meetings") in output
    assert SV("help.example", example=SV("help.ex.meetings")) in output
