"""`rapportera` and its form: activity updates (lägesrapporter); `mina`, `ändra` and
`ta-bort` are in `handlers.my_updates`.

- `rapportera` alone opens the form; `rapportera VIP-1 pågår <text>` reports in one line;
  `rapportera VIP-1` (or with a status, without text) opens the form with what was given.
  A code the plan does not have (`VIP-9`) stores nothing and names the closest codes; an
  activity found by words of its title (`rapportera efterlevandestöd pågår <text>`) is
  asked back: the form opens filled in, and only sending it stores the update.
- The form stores a new update, or the change of one (`ändra 12`, in `handlers.my_updates`).

Rules (`domain.updates`): may report on an activity whoever is an active member of its
responsible group, or an active member of any group whose organisation owns the activity.
An update moved to another activity must stay one its author may report on. Every denial is
answered and audited; every change keeps the earlier version; a withdrawn update keeps its
history and leaves the reports. Nothing a person typed goes into an error's audit detail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime

from app.core import Context, UserError
from app.i18n import Translator
from app.messages import (
    Form,
    FormField,
    FormSubmission,
    Option,
    Paragraph,
    Reply,
    ReplyBuilder,
)
from domain.calendar import STOCKHOLM
from domain.dates import format_date_en, format_date_sv
from domain.model import Person
from domain.plan import PlanActivity
from domain.pnr import redact
from domain.updates import (
    STATUS_BY_CODE,
    STATUSES,
    TEXT_RULES,
    InlineReport,
    UpdateContent,
    UpdateInputError,
    UpdateRecord,
    activity_by_code,
    clean_text,
    closest_codes,
    find_status,
    format_value,
    has_identity_number,
    interpret_report_words,
    match_activity,
    may_change,
    may_report,
    parse_indicator_value,
    written_as_code,
)

FORM_ID = "update"
ACTIVITY = "activity"
STATUS = "status"
SUMMARY = "summary"
NEXT_STEPS = "next_steps"
RISKS = "risks"
TEXT_FIELDS = (SUMMARY, NEXT_STEPS, RISKS)
INDICATOR_PREFIX = "indicator:"
EDIT_STATE = "edit:"
MINE_LIMIT = 20
# What a delivery stored (`Context.stored`), for the answer to its resend.
UPDATE, WITHDRAWN = "update", "withdrawn"
PREVIEW_LENGTH = 60


# --- wording shared by the commands -------------------------------------------------------


def local_day(moment: datetime) -> date:
    return moment.astimezone(STOCKHOLM).date()


def format_day(t: Translator, day: date) -> str:
    return format_date_sv(day) if t.language == "sv" else format_date_en(day)


def format_moment(t: Translator, moment: datetime) -> str:
    local = moment.astimezone(STOCKHOLM)
    return t("updates.at", day=format_day(t, local.date()), time=f"{local:%H:%M}")


def status_label(t: Translator, code: str) -> str:
    status = STATUS_BY_CODE.get(code)
    if status is None:
        return code
    return f"{status.symbol} {t(f'updates.status.{code}')}"


def status_names(t: Translator) -> str:
    return ", ".join(t(f"updates.status.{s.code}") for s in STATUSES)


def field_label(t: Translator, field: str) -> str:
    return t(f"updates.field.{field}")


def problem(t: Translator, error: UpdateInputError) -> str:
    return t(f"updates.invalid.{error.code}", **error.params)


def field_error(t: Translator, field: str, error: UpdateInputError) -> UserError:
    """An input error of one field, for a one-line command: names the field, stores nothing."""

    return UserError(
        "updates.error.field", field=field_label(t, field), problem=problem(t, error)
    )


def preview(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= PREVIEW_LENGTH else line[: PREVIEW_LENGTH - 1] + "…"


def short_id(number: int) -> str:
    return f"#{number}"


# --- who may do what ----------------------------------------------------------------------


def _group_ids(ctx: Context, person_id: str) -> set[str]:
    return {m.group_id for m in ctx.store.people.memberships(person_id)}


def reportable(
    ctx: Context, person: Person, activities: Sequence[PlanActivity]
) -> list[PlanActivity]:
    groups = _group_ids(ctx, person.id)
    return [a for a in activities if may_report(a, person.organisation.id, groups)]


def _require_reporter(ctx: Context, activity: PlanActivity, action: str) -> None:
    groups = _group_ids(ctx, ctx.actor.id)
    if not may_report(activity, ctx.actor.organisation.id, groups):
        raise UserError(
            "updates.error.not_member", audit=action, outcome="denied",
            audit_detail=activity.code, code=activity.code, group=_group_name(ctx, activity),
        )


def _group_name(ctx: Context, activity: PlanActivity) -> str:
    group = next((g for g in ctx.store.plan.groups() if g.id == activity.group_id), None)
    return group.short_name if group is not None else activity.group_id


def require_change(ctx: Context, record: UpdateRecord, action: str) -> None:
    verdict = may_change(
        author_id=record.author_id, created_at=record.created_at, actor_id=ctx.actor.id,
        actor_is_admin=ctx.actor.is_admin, now=ctx.now,
        window_days=ctx.options.edit_window_days,
    )
    if verdict == "not_author":
        raise UserError(
            "updates.error.not_author", audit=action, outcome="denied",
            audit_detail=record.short_id, id=record.short_id,
        )
    if verdict == "window_closed":
        raise UserError(
            "updates.error.window_closed", audit=action, outcome="denied",
            audit_detail=record.short_id, id=record.short_id,
            count=ctx.options.edit_window_days,
        )


def audit_change(ctx: Context, record: UpdateRecord, action: str) -> None:
    """Withdrawals, and changes to someone else's update, are kept in the audit log."""

    if action == "update.withdraw" or record.author_id != ctx.actor.id:
        detail = record.short_id
        if record.author_id != ctx.actor.id:
            detail += f" author={record.author_id}"
        ctx.store.audit.record(ctx.actor.id, action, "ok", detail)


def refuse_identity_numbers(ctx: Context, field: str, *texts: str) -> None:
    if any(has_identity_number(text) for text in texts):
        raise field_error(ctx.t, field, UpdateInputError("identity_number"))


def _delivery(ctx: Context) -> tuple[str, str] | None:
    return (ctx.command.platform, ctx.delivery_key) if ctx.delivery_key else None


def record_of(ctx: Context, number: int | None) -> UpdateRecord:
    record = ctx.store.updates.get(number) if number is not None else None
    if record is None:
        raise UserError("updates.error.not_found", id=short_id(number or 0))
    return record


# --- rapportera -----------------------------------------------------------------------------


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
            _require_reporter(ctx, reading.activity, "update.report")
        initial = {
            ACTIVITY: reading.activity.code if reading.activity else "",
            STATUS: reading.status.code if reading.status else "",
        }
        options = reportable(ctx, ctx.actor, activities)
        if not options:
            raise UserError("updates.error.nothing_to_report")
        return form_reply(ctx, options, initial)
    assert reading.activity is not None and reading.status is not None
    _require_reporter(ctx, reading.activity, "update.report")
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
        delivery=_delivery(ctx),
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


# --- the form -----------------------------------------------------------------------------


def indicator_field_id(activity_code: str, indicator_id: str) -> str:
    return f"{INDICATOR_PREFIX}{activity_code}:{indicator_id}"


def build_form(
    t: Translator,
    activities: Sequence[PlanActivity],
    initial: Mapping[str, str],
    *,
    state: str = "",
    errors: Mapping[str, str] | None = None,
    title: str = "",
) -> Form:
    errors = errors or {}

    def field(form_field: FormField) -> FormField:
        return replace(
            form_field,
            initial=initial.get(form_field.id, ""),
            error=errors.get(form_field.id, "") if errors else "",
        )

    fields = [
        field(FormField(
            ACTIVITY, label=field_label(t, ACTIVITY), kind="select", required=True,
            options=tuple(Option(a.code, f"{a.code} {a.title}", a.goal_area_title)
                          for a in activities),
            hint=t("updates.hint.activity"),
        )),
        field(FormField(
            STATUS, label=field_label(t, STATUS), kind="select", required=True,
            options=tuple(Option(s.code, status_label(t, s.code)) for s in STATUSES),
            hint=t("updates.hint.status"),
        )),
    ]
    for name in TEXT_FIELDS:
        fields.append(field(FormField(
            name, label=field_label(t, name), kind="textarea",
            required=TEXT_RULES[name].required, max_length=TEXT_RULES[name].max_length,
            hint=t(f"updates.hint.{name}"),
        )))
    for activity in activities:
        for indicator in activity.indicators:
            fields.append(field(FormField(
                indicator_field_id(activity.code, indicator.id),
                label=t("updates.field.indicator", code=activity.code, name=indicator.name,
                        unit=indicator.unit),
                kind="number",
                hint=t("updates.hint.indicator", unit=indicator.unit),
                visible_when=(ACTIVITY, activity.code),
            )))
    return Form(
        id=FORM_ID,
        title=title or t("updates.form.title"),
        fields=tuple(fields),
        submit_label=t("updates.form.submit"),
        state=state,
    )


def form_reply(
    ctx: Context,
    activities: Sequence[PlanActivity],
    initial: Mapping[str, str],
    *,
    state: str = "",
    title: str = "",
    intro: str = "",
) -> Reply:
    form = build_form(ctx.t, activities, initial, state=state, title=title)
    return Reply(
        heading=form.title,
        blocks=(Paragraph(intro or ctx.t("updates.form.intro")),),
        form=form,
    )


def form_activities(
    ctx: Context, author: Person, all_activities: Sequence[PlanActivity], keep: str | None
) -> list[PlanActivity]:
    """The author's activities, plus the one an update being edited is already about."""

    options = reportable(ctx, author, all_activities)
    if keep and all(a.code != keep for a in options):
        current = next((a for a in all_activities if a.code == keep), None)
        if current is not None:
            options = sorted(
                [*options, current],
                key=lambda a: (a.goal_area_position, a.position, a.code),
            )
    return options


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
            _require_reporter(ctx, activity, "update.edit" if editing else "update.report")
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
            heading=form.title, blocks=(Paragraph(t("updates.form.fix")),), form=form,
            is_error=True,
        )

    content = UpdateContent(
        activity.code, status.code, texts[SUMMARY], texts[NEXT_STEPS], texts[RISKS],
        indicator_values,
    )
    if editing is None:
        record = ctx.store.updates.add(
            content, author_id=ctx.actor.id, group_id=activity.group_id, at=ctx.now,
            delivery=_delivery(ctx),
        )
        ctx.stored(UPDATE, record.number)
        return confirmation(ctx, record)
    if content == editing.content:
        return Reply.text(t("updates.unchanged", id=editing.short_id))
    record = ctx.store.updates.revise(
        editing.number, content, actor_id=ctx.actor.id, group_id=activity.group_id,
        at=ctx.now, delivery=_delivery(ctx),
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


def edit_title(t: Translator, record: UpdateRecord) -> str:
    return t("updates.form.title_edit", id=record.short_id)


def confirmation(ctx: Context, record: UpdateRecord) -> Reply:
    """What a stored update says; also the answer to a resend of the same delivery."""

    t = ctx.t
    content = record.content
    title = ctx.store.plan.activity_title(content.activity_code)
    key = "updates.saved" if record.version == 1 else "updates.changed"
    builder = ReplyBuilder(heading=t(key, id=record.short_id))
    items = [
        (field_label(t, ACTIVITY), f"{content.activity_code} {title}"),
        (field_label(t, STATUS), status_label(t, content.status)),
        (field_label(t, SUMMARY), content.summary),
    ]
    if content.next_steps:
        items.append((field_label(t, NEXT_STEPS), content.next_steps))
    if content.risks:
        items.append((field_label(t, RISKS), content.risks))
    activity = ctx.store.plan.activity(content.activity_code)
    for indicator_id, value in content.indicator_values.items():
        indicator = activity.indicator(indicator_id) if activity is not None else None
        name, unit = (indicator.name, indicator.unit) if indicator else (indicator_id, "")
        items.append((name, f"{format_value(value, t.language)} {unit}".strip()))
    builder.fields(*items)
    builder.paragraph(t("updates.saved_hint", number=record.number))
    return builder.build()


def replay(ctx: Context) -> Reply | None:
    """A resent delivery: the same confirmation as the first time, nothing stored again."""

    if ctx.delivery_key is None:
        return None
    record = ctx.store.updates.by_delivery(ctx.command.platform, ctx.delivery_key)
    return confirmation(ctx, record) if record is not None else None
