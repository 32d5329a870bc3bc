"""`mina`, `ändra` and `ta-bort`: a person's own updates, their history, edits and withdrawals."""


from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from app.core import Options
from app.dispatch import Dispatcher
from app.messages import Table
from handlers.commands import COMMANDS
from storage.repositories import StoreFactory
from tests.conftest import FixedClock
from tests.handlers.updates_support import (
    CECILIA,
    HENRIK,
    LINNEA,
    MALIN,
    SV,
    VIP_INDICATOR,
    audit,
    fields_of,
    only_text,
    row_counts,
    say,
    submit,
    text,
    updates,
    valid,
    versions,
)

# --- mina -----------------------------------------------------------------------------------


def test_mine_lists_my_updates_with_short_ids(dispatcher: Dispatcher) -> None:
    say(dispatcher, "rapportera VIP-1 pågår Första")
    say(dispatcher, "rapportera SP-2 klar Andra")
    say(dispatcher, "rapportera GS-1 pågår Henriks", person=HENRIK)
    reply = say(dispatcher, "mina")
    assert reply.heading == SV("updates.mine.title")
    [listing] = [b for b in reply.blocks if isinstance(b, Table)]
    assert [(row[0], row[2], row[4]) for row in listing.rows] == [
        ("#2", "SP-2", "Andra"), ("#1", "VIP-1", "Första")]
    assert "tis 1 sep 2026" in listing.rows[0][1]
    assert say(dispatcher, "mine", person=CECILIA).plain_text() == SV("updates.mine.none")


def test_mine_shows_one_update_with_its_history_to_its_author_only(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    say(dispatcher, "rapportera VIP-1 pågår Första")
    reply = say(dispatcher, "mina #1")
    assert reply.heading == SV("updates.history.title", id="#1")
    assert "Linnéa Ek" in text(reply)
    denied = say(dispatcher, "mina 1", person=HENRIK)
    assert denied.is_error
    assert audit(synced_engine)[-1][:3] == (HENRIK, "update.view", "denied")
    assert not say(dispatcher, "mina 1", person=MALIN).is_error  # administrator


# --- ändra ----------------------------------------------------------------------------------


def test_edit_opens_the_form_prefilled(dispatcher: Dispatcher) -> None:
    submit(dispatcher, valid(risks="Lokalbrist"))
    reply = say(dispatcher, "ändra 1")
    assert reply.form is not None and reply.form.state.startswith("edit:")
    assert reply.heading == SV("updates.form.title_edit", id="#1")
    fields = fields_of(reply)
    assert {k: fields[k].initial for k in ("activity", "status", "summary", "next_steps",
                                           "risks", VIP_INDICATOR)} == {
        "activity": "VIP-1", "status": "on_track", "summary": "Utbildningsdag genomförd",
        "next_steps": "Ny träff i oktober", "risks": "Lokalbrist", VIP_INDICATOR: "2"}
    assert say(dispatcher, "andra #1").form is not None  # without the diacritic, with a hash
    assert say(dispatcher, "edit 1").form is not None


def test_an_edit_keeps_every_earlier_version(
    dispatcher: Dispatcher, synced_engine: Engine, stores: StoreFactory, clock: FixedClock
) -> None:
    first_at = clock.now
    submit(dispatcher, valid())
    state = say(dispatcher, "ändra 1").form.state  # type: ignore[union-attr]
    clock.now = first_at + timedelta(days=2)
    reply = submit(dispatcher, valid(status="delayed", summary="Dagen flyttad",
                                     **{VIP_INDICATOR: "3"}), state=state)
    assert reply.heading == SV("updates.changed", id="#1"), text(reply)
    [row] = updates(synced_engine)
    assert (row.version, row.status, row.summary, row.created_at, row.updated_at) == (
        2, "delayed", "Dagen flyttad", first_at, clock.now)
    with stores() as store:
        history = store.updates.history(1)
    assert [(v.version, v.actor_id, v.at, v.content.status, v.content.summary,
             dict(v.content.indicator_values)) for v in history] == [
        (1, LINNEA, first_at, "on_track", "Utbildningsdag genomförd", {"vip-inforandeplan": 2.0}),
        (2, LINNEA, clock.now, "delayed", "Dagen flyttad", {"vip-inforandeplan": 3.0}),
    ]
    shown = say(dispatcher, "mina 1")
    [table_block] = [b for b in shown.blocks if isinstance(b, Table)]
    assert [row[0] for row in table_block.rows] == ["1", "2"]
    # The author's own edit is not an audit matter.
    assert audit(synced_engine) == []


def test_an_edit_that_changes_nothing_adds_no_version(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    submit(dispatcher, valid())
    state = say(dispatcher, "ändra 1").form.state  # type: ignore[union-attr]
    reply = submit(dispatcher, valid(**{VIP_INDICATOR: "2"}), state=state)
    assert only_text(reply) == SV("updates.unchanged", id="#1")
    assert len(versions(synced_engine, 1)) == 1


def test_someone_else_may_not_edit_or_withdraw(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    submit(dispatcher, valid())
    state = say(dispatcher, "ändra 1").form.state  # type: ignore[union-attr]
    before = row_counts(synced_engine)
    for reply in (
        say(dispatcher, "ändra 1", person=HENRIK),
        submit(dispatcher, valid(summary="Kapat"), HENRIK, state=state),
        say(dispatcher, "ta-bort 1 fel", person=HENRIK),
    ):
        assert reply.is_error and reply.form is None
        assert SV("updates.error.not_author", id="#1") == only_text(reply)
    assert audit(synced_engine) == [
        (HENRIK, "update.edit", "denied", "updates.error.not_author #1"),
        (HENRIK, "update.edit", "denied", "updates.error.not_author #1"),
        (HENRIK, "update.withdraw", "denied", "updates.error.not_author #1"),
    ]
    assert updates(synced_engine)[0].summary == "Utbildningsdag genomförd"
    assert row_counts(synced_engine)["update_versions"] == before["update_versions"]


def test_an_administrator_may_edit_someone_elses_update_and_it_is_audited(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    submit(dispatcher, valid())
    reply = say(dispatcher, "ändra 1", person=MALIN)
    assert reply.form is not None
    changed = submit(dispatcher, valid(summary="Rättat av administratören"), MALIN,
                     state=reply.form.state)
    assert changed.heading == SV("updates.changed", id="#1")
    [row] = updates(synced_engine)
    assert (row.author_id, row.summary) == (LINNEA, "Rättat av administratören")
    assert [(v.version, v.actor_id) for v in versions(synced_engine, 1)] == [
        (1, LINNEA), (2, MALIN)]
    assert audit(synced_engine) == [(MALIN, "update.edit", "ok", "#1 author=linnea.ek")]


def test_an_administrator_may_not_move_an_update_to_an_activity_its_author_may_not_report_on(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    submit(dispatcher, valid())
    state = say(dispatcher, "ändra 1", person="johan.wikstrom").form.state  # type: ignore[union-attr]
    reply = submit(dispatcher, valid(activity="KB-3", **{VIP_INDICATOR: ""}), "johan.wikstrom",
                   state=state)
    assert only_text(reply) == SV("updates.error.author_not_member", code="KB-3")
    assert updates(synced_engine)[0].activity_code == "VIP-1"
    assert audit(synced_engine)[-1][:3] == ("johan.wikstrom", "update.edit", "denied")


def test_the_edit_window(
    dispatcher: Dispatcher, synced_engine: Engine, clock: FixedClock
) -> None:
    start = clock.now
    submit(dispatcher, valid())
    state = say(dispatcher, "ändra 1").form.state  # type: ignore[union-attr]
    clock.now = start + timedelta(days=14)
    assert say(dispatcher, "ändra 1").form is not None
    clock.now = start + timedelta(days=14, minutes=1)
    before = row_counts(synced_engine)
    expected = SV("updates.error.window_closed", id="#1", count=14)
    for person in (LINNEA, MALIN):  # the window holds for administrators too
        assert only_text(say(dispatcher, "ändra 1", person=person)) == expected
        assert only_text(say(dispatcher, "ta-bort 1 fel", person=person)) == expected
    # A form opened in time but sent too late.
    assert only_text(submit(dispatcher, valid(summary="Sent"), state=state)) == expected
    assert updates(synced_engine)[0].summary == "Utbildningsdag genomförd"
    after = row_counts(synced_engine)
    assert after["update_versions"] == before["update_versions"]
    assert [a[1:3] for a in audit(synced_engine)] == [
        ("update.edit", "denied"), ("update.withdraw", "denied"),
        ("update.edit", "denied"), ("update.withdraw", "denied"), ("update.edit", "denied")]


def test_the_edit_window_comes_from_the_options(
    stores: StoreFactory, clock: FixedClock
) -> None:
    dispatcher = Dispatcher(stores, clock, COMMANDS, options=Options(edit_window_days=3))
    start = clock.now
    say(dispatcher, "rapportera VIP-1 pågår Text")
    clock.now = start + timedelta(days=4)
    assert only_text(say(dispatcher, "ändra 1")) == SV(
        "updates.error.window_closed", id="#1", count=3)


def test_edit_of_an_unknown_update_and_without_an_id(dispatcher: Dispatcher) -> None:
    assert only_text(say(dispatcher, "ändra 99")) == SV("updates.error.not_found", id="#99")
    assert only_text(say(dispatcher, "ändra")) == SV("updates.error.edit_usage")
    assert only_text(say(dispatcher, "ändra x")) == SV("updates.error.not_found", id="#0")


# --- ta-bort --------------------------------------------------------------------------------


def test_withdrawal_keeps_the_history_and_leaves_the_reports(
    dispatcher: Dispatcher, synced_engine: Engine, stores: StoreFactory, clock: FixedClock
) -> None:
    say(dispatcher, "rapportera VIP-1 pågår Fel aktivitet")
    say(dispatcher, "rapportera SP-1 pågår Rätt")
    clock.now += timedelta(hours=1)
    reply = say(dispatcher, "ta-bort 1 rapporterade på fel aktivitet")
    assert only_text(reply) == SV("updates.withdrawn", id="#1")
    row = updates(synced_engine)[0]
    assert (row.withdrawn, row.withdrawn_reason, row.version) == (
        True, "rapporterade på fel aktivitet", 2)
    first, second = versions(synced_engine, 1)
    assert (first.withdrawn, first.summary) == (False, "Fel aktivitet")
    assert (second.withdrawn, second.withdrawn_reason, second.actor_id, second.at) == (
        True, "rapporterade på fel aktivitet", LINNEA, clock.now)
    with stores() as store:
        assert [r.number for r in store.updates.current()] == [2]
        assert [r.number for r in store.updates.current(group_ids=["arbetsgrupp"])] == [2]
    assert audit(synced_engine) == [(LINNEA, "update.withdraw", "ok", "#1")]
    assert SV("updates.mine.withdrawn") in text(say(dispatcher, "mina"))
    assert only_text(say(dispatcher, "ändra 1")) == SV("updates.error.withdrawn", id="#1")
    assert only_text(say(dispatcher, "ta-bort 1 igen")) == SV(
        "updates.error.already_withdrawn", id="#1")


def test_withdrawal_needs_a_reason(dispatcher: Dispatcher, synced_engine: Engine) -> None:
    say(dispatcher, "rapportera VIP-1 pågår Text")
    reply = say(dispatcher, "ta-bort 1")
    assert only_text(reply) == SV("updates.error.field", field=SV("updates.field.reason"),
                                  problem=SV("updates.invalid.required"))
    assert only_text(say(dispatcher, "ta-bort")) == SV("updates.error.withdraw_usage")
    assert not updates(synced_engine)[0].withdrawn


def test_an_administrator_may_withdraw_someone_elses_update(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    say(dispatcher, "rapportera VIP-1 pågår Text")
    assert not say(dispatcher, "withdraw 1 dubblett", person=MALIN).is_error
    assert audit(synced_engine) == [(MALIN, "update.withdraw", "ok", "#1 author=linnea.ek")]
