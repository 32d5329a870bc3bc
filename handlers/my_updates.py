"""`mina`, `ändra`, `ta-bort`: one's own activity updates, their history, changes and
withdrawals.

- `mina` lists one's own updates with their short ids (`#12`); `mina 12` shows one with its
  history (who, when, what).
- `ändra 12` opens the report form (`handlers.updates`) prefilled; `ta-bort 12 <orsak>`
  withdraws one. Both: the author or an administrator, within `Options.edit_window_days` of
  the update's creation. Every change keeps the earlier version; a withdrawn update keeps its
  history and leaves the reports; every denial is answered and audited.
"""

from __future__ import annotations

from app.core import Context, UserError
from app.messages import Reply, ReplyBuilder, Text
from app.updates import (
    ACTIVITY,
    EDIT_STATE,
    MINE_LIMIT,
    NEXT_STEPS,
    RISKS,
    STATUS,
    SUMMARY,
    WITHDRAWN,
    audit_change,
    confirmation,
    edit_title,
    field_error,
    form_activities,
    form_reply,
    indicator_field_id,
    preview,
    record_of,
    refuse_identity_numbers,
    require_change,
    short_id,
    status_label,
)
from app.wording import format_day, format_moment, local_day
from domain.updates import TEXT_RULES, UpdateInputError, clean_text, format_value, parse_short_id

# --- mina -----------------------------------------------------------------------------------


def handle_mine(ctx: Context) -> Reply:
    t = ctx.t
    if ctx.args:
        return _one_of_mine(ctx, parse_short_id(ctx.args[0]))
    records = ctx.store.updates.by_author(ctx.actor.id, limit=MINE_LIMIT)
    if not records:
        return Reply.text(t("updates.mine.none"))
    rows = [
        (
            r.short_id,
            format_day(t, local_day(r.created_at)),
            r.content.activity_code,
            t("updates.mine.withdrawn") if r.withdrawn else status_label(t, r.content.status),
            preview(r.content.summary),
        )
        for r in records
    ]
    builder = ReplyBuilder(heading=t("updates.mine.title")).table(
        (t("updates.col.id"), t("updates.col.date"), t("updates.col.code"),
         t("updates.col.status"), t("updates.col.summary")),
        rows,
    )
    # The hint names an update its advice works on: a withdrawn one cannot be changed.
    changeable = next((r for r in records if not r.withdrawn), None)
    if changeable is not None:
        builder.paragraph(t("updates.mine.hint", number=changeable.number))
    return builder.build()


def _one_of_mine(ctx: Context, number: int | None) -> Reply:
    t = ctx.t
    record = record_of(ctx, number)
    if record.author_id != ctx.actor.id and not ctx.actor.is_admin:
        raise UserError(
            "updates.error.not_author_view", audit="update.view", outcome="denied",
            audit_detail=record.short_id, id=record.short_id,
        )
    reply = confirmation(ctx, record)
    builder = ReplyBuilder(heading=t("updates.history.title", id=record.short_id),
                           blocks=[b for b in reply.blocks if not isinstance(b, Text)])
    if record.withdrawn:
        builder.paragraph(t("updates.history.withdrawn", reason=record.withdrawn_reason))
    names: dict[str, str] = {}
    rows = []
    for version in ctx.store.updates.history(record.number):
        if version.actor_id not in names:
            person = ctx.store.people.get(version.actor_id)
            names[version.actor_id] = person.name if person else version.actor_id
        what = (
            t("updates.history.withdrawal", reason=version.withdrawn_reason)
            if version.withdrawn
            else f"{version.content.activity_code} · {status_label(t, version.content.status)}"
                 f" · {preview(version.content.summary)}"
        )
        rows.append((str(version.version), format_moment(t, version.at),
                     names[version.actor_id], what))
    builder.table(
        (t("updates.col.version"), t("updates.col.when"), t("updates.col.who"),
         t("updates.col.what")),
        rows,
    )
    return builder.build()


# --- ändra ----------------------------------------------------------------------------------


def handle_edit(ctx: Context) -> Reply:
    t = ctx.t
    if not ctx.args:
        raise UserError("updates.error.edit_usage")
    record = record_of(ctx, parse_short_id(ctx.args[0]))
    require_change(ctx, record, "update.edit")
    if record.withdrawn:
        raise UserError("updates.error.withdrawn", id=record.short_id)
    author = ctx.store.people.get(record.author_id) or ctx.actor
    content = record.content
    options = form_activities(ctx, author, ctx.store.plan.activities(), content.activity_code)
    initial = {
        ACTIVITY: content.activity_code,
        STATUS: content.status,
        SUMMARY: content.summary,
        NEXT_STEPS: content.next_steps,
        RISKS: content.risks,
        **{
            indicator_field_id(content.activity_code, indicator_id): format_value(
                value, t.language)
            for indicator_id, value in content.indicator_values.items()
        },
    }
    return form_reply(
        ctx, options, initial, state=f"{EDIT_STATE}{record.uid}",
        title=edit_title(t, record), intro=t("updates.form.edit_intro", id=record.short_id),
    )


# --- ta-bort --------------------------------------------------------------------------------


def handle_withdraw(ctx: Context) -> Reply:
    t = ctx.t
    number = parse_short_id(ctx.args[0]) if ctx.args else None
    if number is None:
        raise UserError("updates.error.withdraw_usage")
    reason_text = " ".join(ctx.args[1:])
    refuse_identity_numbers(ctx, "reason", reason_text, ctx.command.text)
    record = record_of(ctx, number)
    require_change(ctx, record, "update.withdraw")
    if record.withdrawn:
        raise UserError("updates.error.already_withdrawn", id=record.short_id)
    try:
        reason = clean_text(reason_text, TEXT_RULES["reason"])
    except UpdateInputError as error:
        raise field_error(t, "reason", error) from None
    withdrawn = ctx.store.updates.withdraw(record.number, reason, actor_id=ctx.actor.id,
                                           at=ctx.now)
    audit_change(ctx, withdrawn, "update.withdraw")
    ctx.stored(WITHDRAWN, record.number)
    return Reply.text(t("updates.withdrawn", id=record.short_id))


def replay_withdrawal(ctx: Context) -> Reply | None:
    """A resent `ta-bort`: the same answer, the update withdrawn once."""

    number = ctx.stored_number(WITHDRAWN)
    return Reply.text(ctx.t("updates.withdrawn", id=short_id(number))) if number else None
