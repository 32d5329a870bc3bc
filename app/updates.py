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

from app.core import Context, UserError
from app.i18n import Translator
from app.messages import (
    Form,
    FormField,
    Option,
    Reply,
    ReplyBuilder,
    Text,
)
from domain.model import Person
from domain.plan import PlanActivity
from domain.updates import (
    STATUS_BY_CODE,
    STATUSES,
    TEXT_RULES,
    UpdateInputError,
    UpdateRecord,
    format_value,
    has_identity_number,
    may_change,
    may_report,
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


# --- wording of updates -------------------------------------------------------------------








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


def require_reporter(ctx: Context, activity: PlanActivity, action: str) -> None:
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


def delivery_of(ctx: Context) -> tuple[str, str] | None:
    return (ctx.command.platform, ctx.delivery_key) if ctx.delivery_key else None


def record_of(ctx: Context, number: int | None) -> UpdateRecord:
    record = ctx.store.updates.get(number) if number is not None else None
    if record is None:
        raise UserError("updates.error.not_found", id=short_id(number or 0))
    return record


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
        blocks=(Text(intro or ctx.t("updates.form.intro")),),
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


