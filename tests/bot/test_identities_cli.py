"""`samverkan identities list|unlink`, in-process through `bot.cli.main`: an administrator sees
which chat identities were configured and which were learned by e-mail, and removes a learned
one."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from app.dispatch import Dispatcher
from app.i18n import translator
from app.messages import Command
from bot.cli import main
from handlers.commands import COMMANDS
from storage.db import create_db_engine
from storage.repositories import StoreFactory
from tests.conftest import EXAMPLE

SV = translator("sv")
EN = translator("en")
GORAN = "goran.ivarsson"  # Teams only in the configuration: his Slack id is learned
GORAN_EMAIL = "goran.ivarsson@skaraborg.example"

pytestmark = pytest.mark.usefixtures("cli_database")


@pytest.fixture
def engine(cli_database: str, capsys: pytest.CaptureFixture[str]) -> Iterator[Engine]:
    assert main(["config", "sync", str(EXAMPLE)]) == 0
    engine = create_db_engine(cli_database)
    # Göran writes to the bot from Slack; his configured e-mail binds the account.
    dispatcher = Dispatcher(StoreFactory(engine), StoreFactory(engine).clock, COMMANDS)
    dispatcher.handle(Command(platform="slack", user_id="U0GORAN99", text="vem",
                              email=GORAN_EMAIL))
    capsys.readouterr()
    yield engine
    engine.dispose()


def listed(capsys: pytest.CaptureFixture[str]) -> list[dict[str, str]]:
    assert main(["identities", "list", "--format", "json"]) == 0
    rows: list[dict[str, str]] = json.loads(capsys.readouterr().out)
    return rows


def test_the_list_says_which_identities_are_configured_and_which_learned(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = listed(capsys)
    goran = [r for r in rows if r["person"] == GORAN]
    assert goran == [
        {"person": GORAN, "platform": "slack", "user_id": "U0GORAN99", "source": "learned"},
        {"person": GORAN, "platform": "teams", "user_id": "00000000-0000-4000-8000-000000000501",
         "source": "config"},
    ]
    assert {r["source"] for r in rows if r["person"] != GORAN} == {"config"}
    assert main(["identities", "list"]) == 0
    text = capsys.readouterr().out
    assert SV("identity.cli.title", count=len(rows)) in text
    assert SV("identity.cli.line", person=GORAN, platform="slack", user_id="U0GORAN99",
              source=SV("identity.cli.source.learned")) in text


def test_unlinking_a_learned_identity_removes_it_and_is_audited(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["identities", "unlink", GORAN, "slack"]) == 0
    assert capsys.readouterr().out.strip() == SV(
        "identity.cli.unlinked", person=GORAN, platform="slack", user_id="U0GORAN99")
    assert [r for r in listed(capsys) if r["person"] == GORAN and r["platform"] == "slack"] == []
    assert main(["audit", "--format", "json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [(e["actor"], e["action"], e["outcome"], e["detail"]) for e in entries
            if e["action"].startswith("identity.")] == [
        (GORAN, "identity.link", "ok", "platform=slack user_id=U0GORAN99"),
        ("cli", "identity.unlink", "ok", f"person={GORAN} platform=slack user_id=U0GORAN99"),
    ]


def test_a_configured_identity_is_not_removed_here(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    before = listed(capsys)
    assert main(["identities", "unlink", GORAN, "teams"]) == 2
    assert capsys.readouterr().err.strip() == SV(
        "identity.cli.only_configured", person=GORAN, platform="teams")
    assert main(["identities", "unlink", "linnea.ek", "slack", "--lang", "en"]) == 2
    assert capsys.readouterr().err.strip() == EN(
        "identity.cli.only_configured", person="linnea.ek", platform="slack")
    assert listed(capsys) == before


def test_an_unknown_person_or_nothing_learned_is_a_clear_line_and_exit_2(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["identities", "unlink", "ingen.alls", "slack"]) == 2
    assert capsys.readouterr().err.strip() == SV("identity.cli.unknown_person",
                                                 person="ingen.alls")
    assert main(["identities", "unlink", GORAN, "slack"]) == 0
    capsys.readouterr()
    assert main(["identities", "unlink", GORAN, "slack"]) == 2
    assert capsys.readouterr().err.strip() == SV("identity.cli.none", person=GORAN,
                                                 platform="slack")
