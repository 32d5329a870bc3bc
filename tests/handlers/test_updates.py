"""Activity updates through the real `Dispatcher` (commands and forms) and the real storage.

Runs on SQLite, and on PostgreSQL where it answers (the `synced_engine` fixture).
People of the example configuration used here:
- linnea.ek (Fyrbodal): arbetsgrupp and kf-arbetsgrupp, not an administrator
- henrik.sjoberg (Fyrbodal): the same groups
- malin.hedlund (Skaraborg): administrator, arbetsgrupp and kf-arbetsgrupp
- cecilia.akerblom (VGR): chefsgrupp and vgr-arbetsgrupp, not in arbetsgrupp
- sofia.marklund (VGR): language English
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from app.dispatch import Dispatcher
from app.messages import Command, FormSubmission, Table
from app.updates import FORM_ID
from domain.updates import STATUSES
from storage import models as m
from tests.conftest import FixedClock
from tests.handlers.updates_support import (
    CECILIA,
    EN,
    LINNEA,
    PNR,
    PNR_FORMS,
    SOFIA,
    SP1_INDICATOR,
    SV,
    VIP_INDICATOR,
    all_stored_text,
    audit,
    field_items,
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

# --- one-line reports -----------------------------------------------------------------------


def test_a_one_line_report_is_stored_with_its_first_version(
    dispatcher: Dispatcher, synced_engine: Engine, clock: FixedClock
) -> None:
    reply = say(dispatcher, "rapportera VIP-1 pågår Utbildningsdag genomförd i Skaraborg")
    assert not reply.is_error
    assert reply.heading == SV("updates.saved", id="#1")
    items = field_items(reply)
    assert items[SV("updates.field.activity")].startswith("VIP-1 Implementera")
    assert items[SV("updates.field.status")] == "🟢 " + SV("updates.status.on_track")
    assert items[SV("updates.field.summary")] == "Utbildningsdag genomförd i Skaraborg"
    [row] = updates(synced_engine)
    assert (row.id, row.activity_code, row.group_id, row.author_id, row.status, row.summary) == (
        1, "VIP-1", "arbetsgrupp", LINNEA, "on_track", "Utbildningsdag genomförd i Skaraborg")
    assert row.created_at == clock.now and not row.withdrawn and len(row.uid) == 32
    [first] = versions(synced_engine, 1)
    assert (first.version, first.actor_id, first.at, first.summary) == (
        1, LINNEA, clock.now, row.summary)


@pytest.mark.parametrize(
    ("words", "code"),
    [("pågår", "on_track"), ("PÅGÅR ENLIGT PLAN", "on_track"), ("pagar", "on_track"),
     ("on-track", "on_track"), ("on track", "on_track"), ("ej påbörjad", "not_started"),
     ("not started", "not_started"), ("i uppstart", "starting"), ("risk", "at_risk"),
     ("risk för försening", "at_risk"), ("försenad", "delayed"), ("delayed", "delayed"),
     ("klar", "done"), ("done", "done"), ("pausad", "paused"), ("on hold", "paused")],
)
def test_statuses_in_swedish_and_english(
    dispatcher: Dispatcher, synced_engine: Engine, words: str, code: str
) -> None:
    reply = say(dispatcher, f"rapportera VIP-1 {words} Text om läget")
    assert not reply.is_error, text(reply)
    [row] = updates(synced_engine)
    assert (row.status, row.summary) == (code, "Text om läget")


def test_the_english_command_word_and_an_english_status(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    reply = say(dispatcher, "update vip-1 delayed Room not booked", person=SOFIA)
    assert reply.heading == EN("updates.saved", id="#1")
    assert updates(synced_engine)[0].status == "delayed"


def test_an_activity_found_by_words_of_its_title_is_asked_back_before_saving(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    before = row_counts(synced_engine)
    reply = say(dispatcher, "rapportera efterlevandestöd i uppstart Första mötet hölls")
    assert not reply.is_error, text(reply)
    # The form, filled in with what was understood: nothing is stored until it is sent.
    assert reply.form is not None
    initial = {f.id: f.initial for f in reply.form.fields}
    assert (initial["activity"], initial["status"], initial["summary"]) == (
        "SP-1", "starting", "Första mötet hölls")
    assert "SP-1 Främja arbetssätt för att erbjuda efterlevandestöd" in text(reply)
    assert row_counts(synced_engine) == before
    saved = submit(dispatcher, {k: v for k, v in initial.items() if v})
    assert saved.heading == SV("updates.saved", id="#1"), text(saved)
    [row] = updates(synced_engine)
    assert (row.activity_code, row.status, row.summary) == (
        "SP-1", "starting", "Första mötet hölls")


def test_an_ambiguous_activity_is_answered_with_the_candidates(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    before = row_counts(synced_engine)
    reply = say(dispatcher, "rapportera samsjuklighet pågår Något hände")
    assert reply.heading == SV("updates.candidates.title", query="samsjuklighet")
    [candidates] = [b for b in reply.blocks if isinstance(b, Table)]
    assert [row[0] for row in candidates.rows] == ["KB-1", "KB-2", "KB-3"]
    assert row_counts(synced_engine) == before


def test_an_unknown_activity(dispatcher: Dispatcher, synced_engine: Engine) -> None:
    before = row_counts(synced_engine)
    reply = say(dispatcher, "rapportera helt okända ord pågår Något hände")
    assert reply.is_error
    assert only_text(reply) == SV("updates.error.unknown_activity", query="helt okända ord")
    unlike = say(dispatcher, "rapportera XYZ-9 pågår Något hände")
    assert unlike.is_error
    assert only_text(unlike) == SV("updates.closest.none", code="XYZ-9")
    assert row_counts(synced_engine) == before


def test_an_unknown_status_names_the_known_ones(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    before = row_counts(synced_engine)
    reply = say(dispatcher, "rapportera VIP-1 superbra Något hände")
    assert reply.is_error
    for status in STATUSES:
        assert SV(f"updates.status.{status.code}") in only_text(reply)
    assert "superbra" in only_text(reply)
    assert row_counts(synced_engine) == before


# --- who may report -------------------------------------------------------------------------


def test_a_non_member_is_denied_audited_and_nothing_is_stored(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    # KB-3 belongs to VGR's own group and only VGR owns it; Linnéa is Fyrbodal.
    before = row_counts(synced_engine)
    reply = say(dispatcher, "rapportera KB-3 pågår Något hände")
    assert reply.is_error
    assert only_text(reply) == SV("updates.error.not_member", code="KB-3", group="VGR-gruppen")
    assert updates(synced_engine) == []
    assert audit(synced_engine) == [(LINNEA, "update.report", "denied",
                                     "updates.error.not_member KB-3")]
    after = row_counts(synced_engine)
    assert after["audit_log"] == before["audit_log"] + 1
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"}


def test_a_member_of_an_owner_organisation_may_report_from_another_group(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    # Cecilia (VGR) is not in arbetsgrupp, but VGR owns VIP-1 and she is active in a group.
    assert not say(dispatcher, "rapportera VIP-1 pågår VGR:s del klar", person=CECILIA).is_error
    # Mattias (Fyrbodal, chefsgrupp only) on SP-2 of kf-arbetsgrupp, which Fyrbodal owns.
    assert not say(dispatcher, "rapportera SP-2 klar Klart", person="mattias.gustavsson").is_error
    # Göran (Skaraborg) may not report on KB-3, which only VGR owns.
    assert say(dispatcher, "rapportera KB-3 klar Klart", person="goran.ivarsson").is_error
    assert [(r.activity_code, r.author_id, r.group_id) for r in updates(synced_engine)] == [
        ("VIP-1", CECILIA, "arbetsgrupp"), ("SP-2", "mattias.gustavsson", "kf-arbetsgrupp")]


def test_without_any_active_group_nobody_may_report(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    with Session(synced_engine) as session:
        session.execute(update(m.Membership).where(m.Membership.person_id == CECILIA)
                        .values(active=False))
        session.commit()
    reply = say(dispatcher, "rapportera VIP-1 pågår Text", person=CECILIA)
    assert reply.is_error
    assert updates(synced_engine) == []
    assert audit(synced_engine)[-1][:3] == (CECILIA, "update.report", "denied")
    empty = say(dispatcher, "rapportera", person=CECILIA)
    assert empty.is_error and empty.form is None
    assert only_text(empty) == SV("updates.error.nothing_to_report")


# --- the form ---------------------------------------------------------------------------------


def test_the_form_offers_only_the_reporters_activities_grouped_by_goal_area(
    dispatcher: Dispatcher,
) -> None:
    reply = say(dispatcher, "rapportera")
    assert reply.form is not None and reply.form.id == FORM_ID and reply.form.state == ""
    assert not reply.is_error
    fields = fields_of(reply)
    assert list(fields)[:5] == ["activity", "status", "summary", "next_steps", "risks"]
    activity = fields["activity"]
    assert activity.kind == "select" and activity.required
    codes = [o.value for o in activity.options]
    # Linnéa (Fyrbodal; arbetsgrupp, kf-arbetsgrupp): everything but KB-3 (VGR only).
    assert codes == ["GS-1", "GS-2", "VIP-1", "BM-1", "UPP-1", "UPP-2", "SP-1", "SP-2", "SP-3",
                     "KB-1", "KB-2"]
    groups = [o.group for o in activity.options]
    assert groups == ["Genomförande av strategin"] * 6 + ["Suicidprevention"] * 3 + [
        "Komplexa behov / samsjuklighet"] * 2
    assert activity.options[2].label.startswith("VIP-1 Implementera")
    assert [o.value for o in fields["status"].options] == [s.code for s in STATUSES]
    assert fields["summary"].required and fields["summary"].max_length == 2000
    assert fields["summary"].kind == "textarea"
    indicator = fields[VIP_INDICATOR]
    assert indicator.visible_when == ("activity", "VIP-1") and indicator.kind == "number"
    assert "antal" in indicator.label and not indicator.required
    assert fields[SP1_INDICATOR].visible_when == ("activity", "SP-1")
    assert all(not f.error and not f.initial for f in fields.values())


def test_the_form_for_someone_in_vgr_offers_vgr_activities_only(dispatcher: Dispatcher) -> None:
    codes = [o.value for o in fields_of(say(dispatcher, "rapportera", person=CECILIA))[
        "activity"].options]
    assert "KB-3" in codes and "UPP-2" in codes
    assert "SP-2" not in codes and "KB-2" not in codes  # owned by the federations only


def test_a_partial_one_line_report_opens_the_form_prefilled(dispatcher: Dispatcher) -> None:
    fields = fields_of(say(dispatcher, "rapportera VIP-1"))
    assert (fields["activity"].initial, fields["status"].initial) == ("VIP-1", "")
    fields = fields_of(say(dispatcher, "rapportera VIP-1 risk för försening"))
    assert (fields["activity"].initial, fields["status"].initial) == ("VIP-1", "at_risk")


def test_opening_the_form_for_someone_elses_activity_is_denied(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    reply = say(dispatcher, "rapportera KB-3")
    assert reply.is_error and reply.form is None
    assert audit(synced_engine)[-1][:3] == (LINNEA, "update.report", "denied")


def test_a_valid_submission_is_stored(dispatcher: Dispatcher, synced_engine: Engine) -> None:
    reply = submit(dispatcher, valid(risks="Lokalbrist"))
    assert not reply.is_error and reply.form is None
    assert reply.heading == SV("updates.saved", id="#1")
    [row] = updates(synced_engine)
    assert (row.activity_code, row.status, row.summary, row.next_steps, row.risks) == (
        "VIP-1", "on_track", "Utbildningsdag genomförd", "Ny träff i oktober", "Lokalbrist")
    assert row.indicator_values == {"vip-inforandeplan": 2.0}
    assert versions(synced_engine, 1)[0].indicator_values == {"vip-inforandeplan": 2.0}
    assert field_items(reply)["Delregioner med plan för införande av VIP"] == "2 antal"


def test_a_submission_with_errors_returns_the_form_with_field_errors_and_stores_nothing(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    before = row_counts(synced_engine)
    reply = submit(dispatcher, valid(status="superbra", summary="  ", **{VIP_INDICATOR: "tre"}))
    assert reply.is_error
    fields = fields_of(reply)
    assert fields["status"].error == SV(
        "updates.form_error", field=SV("updates.field.status"),
        problem=SV("updates.invalid.unknown_status", statuses=", ".join(
            SV(f"updates.status.{s.code}") for s in STATUSES)))
    assert fields["summary"].error == SV(
        "updates.form_error", field=SV("updates.field.summary"),
        problem=SV("updates.invalid.required"))
    assert "antal" in fields[VIP_INDICATOR].error
    assert SV("updates.field.summary") in fields["summary"].error  # names the field
    assert not fields["activity"].error and not fields["next_steps"].error
    # What was typed comes back, so nothing has to be written twice.
    assert fields["next_steps"].initial == "Ny träff i oktober"
    assert fields["activity"].initial == "VIP-1"
    assert row_counts(synced_engine) == before


def test_indicator_numbers_and_units(dispatcher: Dispatcher, synced_engine: Engine) -> None:
    assert fields_of(submit(dispatcher, valid(**{VIP_INDICATOR: "2,5"})))[VIP_INDICATOR].error
    assert fields_of(submit(dispatcher, valid(**{VIP_INDICATOR: "3 %"})))[VIP_INDICATOR].error
    assert fields_of(submit(dispatcher, valid(**{VIP_INDICATOR: "-1"})))[VIP_INDICATOR].error
    percent = valid(activity="SP-1", **{VIP_INDICATOR: "", SP1_INDICATOR: "101 %"})
    assert fields_of(submit(dispatcher, percent))[SP1_INDICATOR].error
    assert updates(synced_engine) == []
    ok = valid(activity="SP-1", **{VIP_INDICATOR: "", SP1_INDICATOR: "42,5 %"})
    assert not submit(dispatcher, ok).is_error
    assert updates(synced_engine)[0].indicator_values == {"efterlevandestod-kommuner": 42.5}


def test_an_indicator_value_for_another_activity_is_a_field_error(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    reply = submit(dispatcher, valid(activity="SP-1"))  # the VIP-1 indicator is still filled in
    assert reply.is_error
    assert "VIP-1" in fields_of(reply)[VIP_INDICATOR].error
    assert updates(synced_engine) == []


def test_the_activity_may_be_typed_as_words_in_the_form(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    words = valid(activity="efterlevandestöd", **{VIP_INDICATOR: ""})
    asked = submit(dispatcher, words)
    # Asked back with the code in the field, nothing stored; sent again, it is stored.
    activity = fields_of(asked)["activity"]
    assert activity.initial == "SP-1" and "SP-1" in activity.error
    assert updates(synced_engine) == []
    assert not submit(dispatcher, {**words, "activity": activity.initial}).is_error
    assert updates(synced_engine)[0].activity_code == "SP-1"
    ambiguous = submit(dispatcher, valid(activity="samsjuklighet", **{VIP_INDICATOR: ""}))
    assert "KB-1, KB-2, KB-3" in fields_of(ambiguous)["activity"].error


def test_a_forged_activity_in_a_submission_is_denied_and_audited(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    reply = submit(dispatcher, valid(activity="KB-3", **{VIP_INDICATOR: ""}))
    assert reply.is_error and reply.form is None
    assert updates(synced_engine) == []
    assert audit(synced_engine) == [(LINNEA, "update.report", "denied",
                                     "updates.error.not_member KB-3")]


def test_an_unknown_form_or_state_stores_nothing(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    before = row_counts(synced_engine)
    other = dispatcher.submit(FormSubmission("console", LINNEA, "nonsense", valid()))
    assert other.is_error and only_text(other) == SV("form.unknown")
    stale = submit(dispatcher, valid(), state="edit:doesnotexist")
    assert only_text(stale) == SV("updates.error.form_stale")
    assert row_counts(synced_engine) == before


def test_an_unknown_person_submitting_is_told_how_to_be_added(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    before = row_counts(synced_engine)
    reply = submit(dispatcher, valid(), person="U0NOBODY1", platform="slack")
    assert only_text(reply) == SV("identity.unknown", user="U0NOBODY1")
    assert row_counts(synced_engine) == before


# --- the same delivery twice ------------------------------------------------------------------


def test_the_same_form_delivery_is_stored_once(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    first = submit(dispatcher, valid(), person="U0FYR0002", platform="slack", delivery_id="v-1")
    second = submit(dispatcher, valid(), person="U0FYR0002", platform="slack", delivery_id="v-1")
    assert first.heading == second.heading == SV("updates.saved", id="#1")
    assert first == second
    assert len(updates(synced_engine)) == 1
    assert len(versions(synced_engine, 1)) == 1
    other = submit(dispatcher, valid(), person="U0FYR0002", platform="slack", delivery_id="v-2")
    assert other.heading == SV("updates.saved", id="#2")


def test_a_twin_delivery_that_races_past_the_first_check_is_rolled_back(
    dispatcher: Dispatcher, synced_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage.repositories import SqlDeliveries

    # Two instances handle the same resend at once: neither has seen the other's claim yet
    # when it looks first; the one that loses the claim sees the winner's.
    claimed = SqlDeliveries.claimed
    looks = iter(range(2))

    def racing(self: SqlDeliveries, platform: str, delivery_id: str) -> Any:
        return None if next(looks, None) is not None else claimed(self, platform, delivery_id)

    monkeypatch.setattr(SqlDeliveries, "claimed", racing)
    first = submit(dispatcher, valid(), person="U0FYR0002", platform="slack", delivery_id="v-3")
    second = submit(dispatcher, valid(), person="U0FYR0002", platform="slack", delivery_id="v-3")
    assert first == second and first.heading == SV("updates.saved", id="#1")
    assert len(updates(synced_engine)) == 1 and len(versions(synced_engine, 1)) == 1


def test_the_same_command_delivery_is_stored_once(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    command = Command(platform="teams", user_id="00000000-0000-4000-8000-000000000202",
                      text="rapportera VIP-1 pågår Skickat två gånger", delivery_id="act-9")
    first = dispatcher.handle(command)
    second = dispatcher.handle(command)
    assert first == second and first.heading == SV("updates.saved", id="#1")
    assert len(updates(synced_engine)) == 1


def test_a_refused_delivery_can_be_sent_again_corrected(
    dispatcher: Dispatcher, synced_engine: Engine
) -> None:
    bad = submit(dispatcher, valid(summary=""), person="U0FYR0002", platform="slack",
                 delivery_id="v-7")
    assert bad.is_error
    good = submit(dispatcher, valid(), person="U0FYR0002", platform="slack", delivery_id="v-7")
    assert good.heading == SV("updates.saved", id="#1")
    assert len(updates(synced_engine)) == 1


# --- personal identity numbers --------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [f"rapportera VIP-1 pågår Samtal med {PNR} om stöd",
     "rapportera VIP-1 pågår Patienten 191212121212 ringde",
     f"rapportera {PNR} pågår Text"],
)
def test_an_identity_number_in_a_report_is_refused_and_appears_nowhere(
    dispatcher: Dispatcher, synced_engine: Engine, caplog: pytest.LogCaptureFixture, line: str
) -> None:
    caplog.set_level(logging.DEBUG)
    before = row_counts(synced_engine)
    reply = say(dispatcher, line)
    assert reply.is_error
    assert SV("updates.invalid.identity_number") in only_text(reply)
    assert row_counts(synced_engine) == before
    for number in PNR_FORMS:
        assert number not in text(reply)
        assert number not in caplog.text
        assert number not in all_stored_text(synced_engine)
        assert all(number not in str(r.args) for r in caplog.records)


def test_an_identity_number_in_any_form_field_is_refused_and_not_sent_back(
    dispatcher: Dispatcher, synced_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    before = row_counts(synced_engine)
    for name in ("summary", "next_steps", "risks", VIP_INDICATOR):
        reply = submit(dispatcher, valid(**{name: f"Om {PNR}"}), delivery_id=None)
        fields = fields_of(reply)
        assert SV("updates.invalid.identity_number") in fields[name].error
        assert fields[name].initial == ""
        assert PNR not in str(reply)
    assert row_counts(synced_engine) == before
    for number in PNR_FORMS:
        assert number not in caplog.text
        assert number not in all_stored_text(synced_engine)


def test_an_identity_number_in_an_edit_or_a_withdrawal_reason_is_refused(
    dispatcher: Dispatcher, synced_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    say(dispatcher, "rapportera VIP-1 pågår Text")
    state = say(dispatcher, "ändra 1").form.state  # type: ignore[union-attr]
    assert fields_of(submit(dispatcher, valid(risks=f"pnr {PNR}"), state=state))["risks"].error
    reply = say(dispatcher, f"ta-bort 1 gällde {PNR}")
    assert only_text(reply) == SV("updates.error.field", field=SV("updates.field.reason"),
                                  problem=SV("updates.invalid.identity_number"))
    [row] = updates(synced_engine)
    assert (row.version, row.withdrawn) == (1, False)
    assert PNR not in all_stored_text(synced_engine) and PNR not in caplog.text


# --- length limits ----------------------------------------------------------------------------


def test_length_limits_name_the_field(dispatcher: Dispatcher, synced_engine: Engine) -> None:
    too_long = say(dispatcher, "rapportera VIP-1 pågår " + "a" * 2001)
    assert only_text(too_long) == SV(
        "updates.error.field", field=SV("updates.field.summary"),
        problem=SV("updates.invalid.too_long", length=2001, limit=2000))
    assert updates(synced_engine) == []
    assert not say(dispatcher, "rapportera VIP-1 pågår " + "a" * 2000).is_error
    reply = submit(dispatcher, valid(next_steps="b" * 1001, risks="c" * 1001))
    fields = fields_of(reply)
    assert SV("updates.field.next_steps") in fields["next_steps"].error
    assert "1001" in fields["next_steps"].error and "1000" in fields["next_steps"].error
    assert fields["risks"].error
    reason = say(dispatcher, "ta-bort 1 " + "x" * 501)
    assert SV("updates.field.reason") in only_text(reason)
    assert len(updates(synced_engine)) == 1 and not updates(synced_engine)[0].withdrawn


# --- English --------------------------------------------------------------------------------


def test_an_english_speaker_gets_english(dispatcher: Dispatcher, synced_engine: Engine) -> None:
    form = say(dispatcher, "update", person=SOFIA)
    assert form.heading == EN("updates.form.title")
    fields = fields_of(form)
    assert fields["summary"].label == EN("updates.field.summary")
    assert fields["status"].options[2].label == "🟢 " + EN("updates.status.on_track")
    error = submit(dispatcher, valid(summary=""), SOFIA)
    assert fields_of(error)["summary"].error == EN(
        "updates.form_error", field=EN("updates.field.summary"),
        problem=EN("updates.invalid.required"))
    assert only_text(say(dispatcher, "update XYZ-9 on-track x", person=SOFIA)) == EN(
        "updates.closest.none", code="XYZ-9")
    saved = submit(dispatcher, valid(**{VIP_INDICATOR: "3"}), SOFIA)
    assert saved.heading == EN("updates.saved", id="#1")
    mine = say(dispatcher, "mine", person=SOFIA)
    assert mine.heading == EN("updates.mine.title") and "Tue 1 Sep 2026" in text(mine)
    # A Swedish speaker with an English client gets English too.
    assert say(dispatcher, "mine", locale="en").plain_text() == EN("updates.mine.none")


def test_help_lists_the_update_commands(dispatcher: Dispatcher) -> None:
    listing = text(say(dispatcher, "hjälp"))
    for word in ("rapportera", "mina", "ändra", "ta-bort", "beslut", "nästa-steg"):
        assert word in listing
    english = text(say(dispatcher, "help", locale="en"))
    for word in ("update", "mine", "edit", "withdraw", "decision", "next-step"):
        assert word in english
