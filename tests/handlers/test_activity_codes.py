"""An update is never saved against another activity than the one the person meant.

Through the real `Dispatcher` and storage (SQLite, and PostgreSQL where it answers): a code
the plan does not have saves nothing and names the closest codes; words of a title are only
read when no code was given, and then the person is asked (the form, filled in) before
anything is saved. The doors show that form too (`tests/bot/test_report_confirmation.py`).
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from app.dispatch import Dispatcher
from app.i18n import translator
from app.messages import Table
from tests.handlers.support import SOFIA, say, stored_updates, submit, update_count

SV = translator("sv")
EN = translator("en")


def closest(reply_table: Table) -> list[str]:
    return [row[0] for row in reply_table.rows]


def test_a_mistyped_activity_code_saves_nothing(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    reply = say(dispatcher, "rapportera VIP-9 pågår test nio")
    assert reply.is_error
    assert reply.heading == SV("updates.closest.title", code="VIP-9")
    [table] = [b for b in reply.blocks if isinstance(b, Table)]
    assert closest(table) == ["VIP-1"]
    assert SV("updates.closest.hint", code="VIP-1") in reply.plain_text()
    assert update_count(synced_engine) == 0


def test_a_mistyped_code_names_its_siblings_not_unrelated_activities(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    reply = say(dispatcher, "rapportera SP-4 pågår Möte hölls")
    [table] = [b for b in reply.blocks if isinstance(b, Table)]
    # Linnéa may report on all three; GS-2, VIP-1 or UPP-1 have nothing to do with "SP-4".
    assert closest(table) == ["SP-1", "SP-2", "SP-3"]
    assert reply.is_error and update_count(synced_engine) == 0


@pytest.mark.parametrize("typed", ["VIP 9", "vip9", "Vp-1", "VIP-1.2"])
def test_any_spelling_of_a_code_the_plan_lacks_saves_nothing(
    dispatcher: Dispatcher, synced_engine: Engine, typed: str
) -> None:
    reply = say(dispatcher, f"rapportera {typed} pågår Text om läget")
    assert reply.is_error, reply.plain_text()
    assert "VIP-1" in reply.plain_text()
    assert update_count(synced_engine) == 0


def test_a_code_nothing_resembles_saves_nothing_and_says_so(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    reply = say(dispatcher, "rapportera XY-44 pågår Text", person=SOFIA)
    assert reply.is_error
    assert reply.plain_text().strip() == EN("updates.closest.none", code="XY-44")
    assert update_count(synced_engine) == 0


def test_a_code_written_with_a_space_is_still_the_code(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    reply = say(dispatcher, "rapportera VIP 1 pågår Utbildningsdag")
    assert reply.heading == SV("updates.saved", id="#1"), reply.plain_text()
    [row] = stored_updates(synced_engine)
    assert (row.activity_code, row.summary) == ("VIP-1", "Utbildningsdag")


def test_a_mistyped_code_typed_into_the_form_saves_nothing(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    reply = submit(dispatcher, {"activity": "VIP-9", "status": "on_track",
                                "summary": "Utbildningsdag"})
    assert reply.is_error and reply.form is not None
    [activity] = [f for f in reply.form.fields if f.id == "activity"]
    assert activity.error == SV(
        "updates.form_error", field=SV("updates.field.activity"),
        problem=SV("updates.invalid.unknown_code", written="VIP-9", closest="VIP-1"))
    assert update_count(synced_engine) == 0


def test_words_of_a_title_are_asked_back_before_anything_is_saved(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    reply = say(dispatcher, "rapportera händelseanalys försenad Underlaget saknas")
    assert reply.form is not None and not reply.is_error
    initial = {f.id: f.initial for f in reply.form.fields}
    assert (initial["activity"], initial["status"], initial["summary"]) == (
        "SP-3", "delayed", "Underlaget saknas")
    assert SV("updates.form.confirm_intro", query="händelseanalys",
              activity="SP-3 Främja arbetssätt för samordnad händelseanalys vid suicid"
              ) in reply.plain_text()
    assert update_count(synced_engine) == 0
    # Sending the form as it stands is the confirmation.
    saved = submit(dispatcher, {k: v for k, v in initial.items() if v})
    assert saved.heading == SV("updates.saved", id="#1")
    assert [(u.activity_code, u.status) for u in stored_updates(synced_engine)] == [
        ("SP-3", "delayed")]
