"""`rapportera` (`update`) and the update form: a report in one line, or the form every door shows.

The rules and the form's wording are shared with `mina` (handlers/my_updates.py) in app/updates.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from app.core import Context, UserError
from app.i18n import Translator
from app.messages import FormSubmission, Reply, ReplyBuilder, Text
from app.updates import (
    ACTIVITY,
    EDIT_STATE,
    INDICATOR_PREFIX,
    NEXT_STEPS,
    RISKS,
    STATUS,
    SUMMARY,
    TEXT_FIELDS,
    UPDATE,
    audit_change,
    build_form,
    confirmation,
    delivery_of,
    edit_title,
    field_error,
    field_label,
    form_activities,
    form_reply,
    problem,
    refuse_identity_numbers,
    reportable,
    require_change,
    require_reporter,
    status_names,
)
from domain.plan import PlanActivity
from domain.pnr import redact
from domain.updates import (
    TEXT_RULES,
    InlineReport,
    UpdateContent,
    UpdateInputError,
    UpdateRecord,
    activity_by_code,
    clean_text,
    closest_codes,
    find_status,
    has_identity_number,
    interpret_report_words,
    match_activity,
    parse_indicator_value,
    written_as_code,
)


def handle_report(ctx: Context) -> Reply:
    t = ctx.t
    activities = ctx.store.plan.activities()
    reading = interpret_report_words(ctx.args, activities)
    if has_identity_number(ctx.command.text) or has_identity_number(" ".join(ctx.args)):
        in_text = reading.kind == "report" and has_identity_number(reading.text)
        refuse_identity_numbers(ctx, SUMMARY if in_text else ACTIVITY, ctx.command.text,
                                 " ".join(ctx.args))
    if reading.kind == "ambiguous":
        return _candidates(ctx, reading)
    if reading.kind == "unknown_code":
        return _closest(ctx, reading)
    if reading.kind == "unknown_activity":
        raise UserError("updates.error.unknown_activity", query=redact(reading.query))
    if reading.kind == "unknown_status":
        assert reading.activity is not None
        raise UserError(
            "updates.error.unknown_status", word=redact(reading.query),
            code=reading.activity.code, statuses=status_names(t),
        )
    if reading.kind == "form":
        if reading.activity is not None:
            require_reporter(ctx, reading.activity, "update.report")
        initial = {
            ACTIVITY: reading.activity.code if reading.activity else "",
            STATUS: reading.status.code if reading.status else "",
        }
        options = reportable(ctx, ctx.actor, activities)
        if not options:
            raise UserError("updates.error.nothing_to_report")
        return form_reply(ctx, options, initial)
    assert reading.activity is not None and reading.status is not None
    require_reporter(ctx, reading.activity, "update.report")
    if reading.kind == "confirm":
        # Found by words of a title: the person confirms the activity before anything is
        # stored, in the form every door shows, filled in with what they wrote.
        options = reportable(ctx, ctx.actor, activities)
        return form_reply(
            ctx, options,
            {ACTIVITY: reading.activity.code, STATUS: reading.status.code, SUMMARY: reading.text},
            intro=t("updates.form.confirm_intro", query=redact(reading.query),
                    activity=f"{reading.activity.code} {reading.activity.title}"),
        )
    try:
        summary = clean_text(reading.text, TEXT_RULES[SUMMARY])
    except UpdateInputError as error:
        raise field_error(t, SUMMARY, error) from None
    record = ctx.store.updates.add(
        UpdateContent(reading.activity.code, reading.status.code, summary),
        author_id=ctx.actor.id, group_id=reading.activity.group_id, at=ctx.now,
        delivery=delivery_of(ctx),
    )
    ctx.stored(UPDATE, record.number)
    return confirmation(ctx, record)


def _candidates(ctx: Context, reading: InlineReport) -> Reply:
    t = ctx.t
    return (
        ReplyBuilder(heading=t("updates.candidates.title", query=redact(reading.query)))
        .table(
            (t("updates.col.code"), t("updates.col.activity")),
            [(a.code, a.title) for a in reading.candidates],
        )
        .paragraph(t("updates.candidates.hint", code=reading.candidates[0].code))
        .build()
    )


def _closest(ctx: Context, reading: InlineReport) -> Reply:
    """A code the plan does not have: the closest codes, and nothing stored."""

    t = ctx.t
    code = redact(reading.query)
    if not reading.candidates:
        return Reply.text(t("updates.closest.none", code=code), is_error=True)
    reply = (
        ReplyBuilder(heading=t("updates.closest.title", code=code))
        .table(
            (t("updates.col.code"), t("updates.col.activity")),
            [(a.code, a.title) for a in reading.candidates],
        )
        .paragraph(t("updates.closest.hint", code=reading.candidates[0].code))
        .build()
    )
    return replace(reply, is_error=True)


def submit_form(ctx: Context, submission: FormSubmission) -> Reply:
    """Validates everything, answers with the form and per-field errors, or stores."""

    t = ctx.t
    values = {str(k): str(v) for k, v in submission.values.items()}
    editing: UpdateRecord | None = None
    if submission.state.startswith(EDIT_STATE):
        editing = ctx.store.updates.get_by_uid(submission.state[len(EDIT_STATE):])
        if editing is None:
            raise UserError("updates.error.form_stale")
        require_change(ctx, editing, "update.edit")
        if editing.withdrawn:
            raise UserError("updates.error.withdrawn", id=editing.short_id)
    elif submission.state:
        raise UserError("updates.error.form_stale")
    author = ctx.actor
    if editing is not None and editing.author_id != ctx.actor.id:
        author = ctx.store.people.get(editing.author_id) or ctx.actor
    all_activities = ctx.store.plan.activities()
    options = form_activities(
        ctx, author, all_activities, editing.content.activity_code if editing else None
    )

    errors: dict[str, str] = {}
    for key, value in values.items():
        if has_identity_number(value):
            errors[key] = t("updates.form_error", field=_label_of(t, key, all_activities),
                            problem=t("updates.invalid.identity_number"))

    def fail(name: str, error: UpdateInputError) -> None:
        errors[name] = t("updates.form_error", field=_label_of(t, name, all_activities),
                         problem=problem(t, error))

    activity: PlanActivity | None = None
    raw_activity = values.get(ACTIVITY, "").strip()
    if ACTIVITY not in errors:
        match = match_activity(raw_activity, all_activities)
        code = written_as_code(raw_activity.split(), all_activities)
        if not raw_activity:
            fail(ACTIVITY, UpdateInputError("required"))
        elif match.activity is not None and match.by_code:
            activity = match.activity
        elif code is not None:
            closest = closest_codes(code, all_activities)
            fail(ACTIVITY, UpdateInputError(
                "unknown_code", written=redact(code),
                closest=", ".join(a.code for a in closest) or "–"))
        elif match.activity is not None:
            # Words of a title (a door where the activity is typed): asked back, the field
            # now holding the code, before anything is stored.
            values[ACTIVITY] = match.activity.code
            fail(ACTIVITY, UpdateInputError(
                "confirm_match", query=redact(raw_activity)[:60],
                activity=f"{match.activity.code} {match.activity.title}"))
        elif match.candidates:
            fail(ACTIVITY, UpdateInputError(
                "ambiguous", codes=", ".join(a.code for a in match.candidates)))
        else:
            fail(ACTIVITY, UpdateInputError("unknown_activity"))
    if activity is not None and all(a.code != activity.code for a in options):
        if author.id == ctx.actor.id:
            require_reporter(ctx, activity, "update.edit" if editing else "update.report")
        else:
            raise UserError(
                "updates.error.author_not_member", audit="update.edit", outcome="denied",
                audit_detail=f"{editing.short_id if editing else ''} {activity.code}",
                code=activity.code,
            )

    status = find_status(values.get(STATUS, ""))
    if STATUS not in errors and status is None:
        if values.get(STATUS, "").strip():
            fail(STATUS, UpdateInputError("unknown_status", statuses=status_names(t)))
        else:
            fail(STATUS, UpdateInputError("required"))

    texts: dict[str, str] = {}
    for name in TEXT_FIELDS:
        if name in errors:
            continue
        try:
            texts[name] = clean_text(values.get(name, ""), TEXT_RULES[name])
        except UpdateInputError as error:
            fail(name, error)

    indicator_values: dict[str, float] = {}
    for key, value in values.items():
        if not key.startswith(INDICATOR_PREFIX) or not value.strip() or key in errors:
            continue
        code, _, indicator_id = key[len(INDICATOR_PREFIX):].partition(":")
        owner = activity_by_code(code, all_activities)
        indicator = owner.indicator(indicator_id) if owner is not None else None
        if owner is None or indicator is None:
            continue  # not a field this form offers; ignored like any unknown input
        if activity is None:
            continue
        if owner.code != activity.code:
            fail(key, UpdateInputError("other_activity", activity=owner.code))
            continue
        try:
            indicator_values[indicator.id] = parse_indicator_value(value, indicator.unit)
        except UpdateInputError as error:
            fail(key, error)

    if errors or activity is None or status is None:
        # The values come back as typed, except any that held an identity number.
        initial = {k: ("" if has_identity_number(v) else v) for k, v in values.items()}
        form = build_form(
            t, options, initial, state=submission.state, errors=errors,
            title=edit_title(t, editing) if editing else "",
        )
        return Reply(
            heading=form.title, blocks=(Text(t("updates.form.fix")),), form=form,
            is_error=True,
        )

    content = UpdateContent(
        activity.code, status.code, texts[SUMMARY], texts[NEXT_STEPS], texts[RISKS],
        indicator_values,
    )
    if editing is None:
        record = ctx.store.updates.add(
            content, author_id=ctx.actor.id, group_id=activity.group_id, at=ctx.now,
            delivery=delivery_of(ctx),
        )
        ctx.stored(UPDATE, record.number)
        return confirmation(ctx, record)
    if content == editing.content:
        return Reply.text(t("updates.unchanged", id=editing.short_id))
    record = ctx.store.updates.revise(
        editing.number, content, actor_id=ctx.actor.id, group_id=activity.group_id,
        at=ctx.now, delivery=delivery_of(ctx),
    )
    audit_change(ctx, record, "update.edit")
    ctx.stored(UPDATE, record.number)
    return confirmation(ctx, record)


def _label_of(t: Translator, field_id: str, activities: Sequence[PlanActivity]) -> str:
    if field_id.startswith(INDICATOR_PREFIX):
        code, _, indicator_id = field_id[len(INDICATOR_PREFIX):].partition(":")
        owner = activity_by_code(code, activities)
        indicator = owner.indicator(indicator_id) if owner is not None else None
        if owner is not None and indicator is not None:
            return t("updates.field.indicator", code=owner.code, name=indicator.name,
                     unit=indicator.unit)
    if field_id in (ACTIVITY, STATUS, *TEXT_FIELDS):
        return field_label(t, field_id)
    return field_id[:40]


def replay(ctx: Context) -> Reply | None:
    """A resent delivery: the same confirmation as the first time, nothing stored again."""

    if ctx.delivery_key is None:
        return None
    record = ctx.store.updates.by_delivery(ctx.command.platform, ctx.delivery_key)
    return confirmation(ctx, record) if record is not None else None
