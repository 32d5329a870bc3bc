"""`beslut` and `nästa-steg`: the meeting's decisions and next steps, for "upphämtning".

- `beslut <text>` records a decision; `beslut` alone lists the decisions of the group's latest
  meeting that has any.
- `nästa-steg <text> [ansvarig <org>] [senast <datum>]` records a next step; `nästa-steg`
  alone lists the open ones; `nästa-steg klar <id>` closes one.
- NoteOptions anywhere: `--grupp <id>` (or `--group`), `--möte <datum>` (or `--meeting`).

Rules chosen here:
- A decision is recorded by the meeting's convener: the contact person or the stand-in of the
  organisation convening that meeting (from the rotation, as the calendar has it), or by an
  administrator. The organisation responsible for a meeting chairs it and takes the notes.
  Other members are refused with that reason (audited). A meeting the calendar names no
  convener for (a group without rotation or representatives) falls back to its members.
- Members of the group (any role) record and close next steps; administrators may too.
  Everyone else is refused, and the refusal audited.
- The group: `--grupp`; else the group whose channel the command came from; else the person's
  only group; else the person is asked to choose.
- The meeting: `--möte <datum>` (not in the future); else the group's latest meeting that has
  begun (from the calendar, so moves and cancellations count); else, for a group with no
  meeting yet, today's date (Europe/Stockholm). A decision needs a meeting: a date on which
  a group with a calendar held none is refused.
- `ansvarig` takes an organisation's id, short name or name (case and diacritics ignored);
  `senast` a date as `domain.dates.parse_date` reads it, not before the meeting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from app.core import Context, UserError
from app.groups import channel_group, group_named, my_groups
from app.messages import Reply, ReplyBuilder
from app.schedule_text import Names, convener_text, schedule_of
from app.wording import format_day, local_day
from domain.dates import DateParseError, looking_back, parse_date, take_date
from domain.model import GroupInfo
from domain.notes import NOTE_RULES, Decision, NextStep, is_done_word, split_next_step
from domain.plan import PlanOrganisation
from domain.pnr import redact
from domain.schedule import Meeting, latest_held, meetings_on
from domain.text import fold
from domain.updates import UpdateInputError, clean_text, has_identity_number, parse_short_id

GROUP_OPTIONS = ("--grupp", "--group")
MEETING_OPTIONS = ("--mote", "--meeting")
# What a delivery stored (`Context.stored`), for the answer to its resend.
DECISION, NEXT_STEP, NEXT_STEP_CLOSED = "decision", "next_step", "next_step_closed"


@dataclass(frozen=True)
class NoteOptions:
    group: str | None = None
    meeting: date | None = None


def _today(ctx: Context) -> date:
    return local_day(ctx.now)


def _note_error(ctx: Context, field: str, error: UpdateInputError) -> UserError:
    """A text to record refused (too long, an identity number): always on the way to a save."""

    return UserError(
        "notes.error.text",
        field=ctx.t(f"notes.field.{field}"),
        problem=ctx.t(f"updates.invalid.{error.code}", **error.params),
    )


def _date_problem(ctx: Context, field: str, error: DateParseError) -> UserError:
    return UserError(
        "notes.error.field",
        field=ctx.t(f"notes.field.{field}"),
        problem=ctx.t(f"notes.date.{error.code}", text=redact(error.text)),
    )



def take_options(ctx: Context, words: Sequence[str]) -> tuple[NoteOptions, list[str]]:
    rest: list[str] = []
    group: str | None = None
    meeting: date | None = None
    index = 0
    while index < len(words):
        word = fold(words[index])
        if word in GROUP_OPTIONS:
            if index + 1 >= len(words):
                raise UserError("notes.error.option_value", option=words[index])
            group = words[index + 1]
            index += 2
        elif word in MEETING_OPTIONS:
            try:
                meeting, count = take_date(words[index + 1:], today=_today(ctx))
            except DateParseError as error:
                raise _date_problem(ctx, "meeting", error) from None
            meeting = looking_back(meeting, " ".join(words[index + 1:index + 1 + count]),
                                    _today(ctx))
            index += 1 + count
        else:
            rest.append(words[index])
            index += 1
    return NoteOptions(group, meeting), rest



# --- which group, which meeting -----------------------------------------------------------


def _member_of(ctx: Context) -> set[str]:
    return {m.group_id for m in ctx.store.people.memberships(ctx.actor.id)}


def _choices(groups: Sequence[GroupInfo]) -> str:
    return ", ".join(f"{g.id} ({g.short_name})" for g in groups)


def resolve_group(
    ctx: Context, word: str | None, action: str, *, members_only: bool = True
) -> GroupInfo:
    """The group a command is about. `members_only=False` leaves the check of who may act to
    the caller (a convener need not be a member of the group)."""

    own = my_groups(ctx)
    if word is not None:
        group = group_named(ctx, word)
        if group is None:
            raise UserError("notes.error.unknown_group", group=redact(word)[:60],
                            choices=_choices(own or ctx.store.calendar.groups()))
        if members_only:
            _require_member(ctx, group, action)
        return group
    by_channel = channel_group(ctx)
    if by_channel is not None and (
        any(g.id == by_channel.id for g in own) or ctx.actor.is_admin or not members_only
    ):
        return by_channel
    if len(own) == 1:
        return own[0]
    if not own:
        raise UserError("notes.error.no_groups", audit=action, outcome="denied")
    raise UserError("notes.error.choose_group", choices=_choices(own))


def _require_member(ctx: Context, group: GroupInfo, action: str, detail: str = "") -> None:
    if ctx.actor.is_admin or ctx.store.plan.is_active_member(ctx.actor.id, group.id):
        return
    raise UserError(
        "notes.error.not_member", audit=action, outcome="denied",
        audit_detail=f"{group.id} {detail}".strip(), group=group.short_name,
    )


def _schedule(ctx: Context, group: GroupInfo) -> list[Meeting]:
    try:
        return schedule_of(ctx.store, group.id)
    except ValueError:
        return []  # a series the calendar cannot expand: notes still go on the date


def resolve_meeting(
    ctx: Context, group: GroupInfo, day: date | None, schedule: list[Meeting] | None = None
) -> tuple[date, Meeting | None]:
    """The meeting's date and, where the calendar knows it, the meeting."""

    if schedule is None:
        schedule = _schedule(ctx, group)
    if day is not None:
        if day > _today(ctx):
            raise UserError("notes.error.meeting_future", date=format_day(ctx.t, day))
        # Of two meetings that day, the one that began last (the other may not have begun).
        held = [m for m in meetings_on(schedule, day)
                if m.status != "cancelled" and m.start <= ctx.now]
        return day, held[-1] if held else None
    latest = latest_held(schedule, ctx.now)
    if latest is not None:
        return latest.local_date, latest
    return _today(ctx), None


def _require_recorder(
    ctx: Context, group: GroupInfo, meeting: Meeting | None, day: date, has_schedule: bool
) -> None:
    """Decisions are the meeting convener's (contact or stand-in) and the administrators'."""

    if ctx.actor.is_admin:
        return
    if meeting is None and has_schedule:
        raise UserError("notes.error.no_meeting_on", date=format_day(ctx.t, day),
                        group=group.short_name)
    if meeting is None or meeting.convener_person is None:
        _require_member(ctx, group, "notes.decision")
        return
    if ctx.actor.id in (meeting.convener_person, meeting.stand_in):
        return
    raise UserError(
        "notes.error.not_convener", audit="notes.decision", outcome="denied",
        audit_detail=f"{group.id} {meeting.id}", date=format_day(ctx.t, day),
        group=group.short_name,
        convener=convener_text(ctx.t, meeting, Names.of(ctx.store)),
    )


def _organisation(ctx: Context, word: str) -> PlanOrganisation:
    organisations = ctx.store.plan.organisations()
    wanted = fold(word)
    found = next(
        (o for o in organisations if wanted in (fold(o.id), fold(o.short_name), fold(o.name))),
        None,
    )
    if found is None:
        raise UserError(
            "notes.error.unknown_org", field=ctx.t("notes.field.responsible"),
            org=redact(word)[:60],
            choices=", ".join(o.short_name for o in organisations),
        )
    return found


# --- beslut ---------------------------------------------------------------------------------


def handle_decision(ctx: Context) -> Reply:
    if has_identity_number(ctx.command.text) or has_identity_number(" ".join(ctx.args)):
        ctx.writing = True  # a text meant to be recorded, refused before it is read
        raise _note_error(ctx, "decision", UpdateInputError("identity_number"))
    options, words = take_options(ctx, ctx.args)
    ctx.writing = bool(words)  # without text it lists
    if not words:
        group = resolve_group(ctx, options.group, "notes.decision")
        return _decisions(ctx, group, options.meeting)
    group = resolve_group(ctx, options.group, "notes.decision", members_only=False)
    try:
        text = clean_text(" ".join(words), NOTE_RULES["decision"])
    except UpdateInputError as error:
        raise _note_error(ctx, "decision", error) from None
    schedule = _schedule(ctx, group)
    meeting_date, meeting = resolve_meeting(ctx, group, options.meeting, schedule)
    _require_recorder(ctx, group, meeting, meeting_date, bool(schedule))
    decision = ctx.store.notes.add_decision(
        group_id=group.id, meeting_date=meeting_date, text=text, author_id=ctx.actor.id,
        at=ctx.now, meeting_id=meeting.id if meeting else None,
    )
    ctx.stored(DECISION, decision.number)
    return _decision_saved(ctx, decision)


def _decision_saved(ctx: Context, decision: Decision) -> Reply:
    t = ctx.t
    return (
        ReplyBuilder(heading=t("notes.decision.saved", id=f"#{decision.number}",
                               group=_short_name(ctx, decision.group_id),
                               date=format_day(t, decision.meeting_date)))
        .paragraph(decision.text)
        .build()
    )


def _short_name(ctx: Context, group_id: str) -> str:
    group = next((g for g in ctx.store.plan.groups() if g.id == group_id), None)
    return group.short_name if group is not None else group_id


def replay(ctx: Context) -> Reply | None:
    """A resent `beslut` or `nästa-steg`: the answer to what its first delivery stored."""

    notes = ctx.store.notes
    number = ctx.stored_number(DECISION)
    decision = notes.decision(number) if number is not None else None
    if decision is not None:
        return _decision_saved(ctx, decision)
    number = ctx.stored_number(NEXT_STEP)
    step = notes.next_step(number) if number is not None else None
    if step is not None:
        return _step_saved(ctx, step)
    number = ctx.stored_number(NEXT_STEP_CLOSED)
    step = notes.next_step(number) if number is not None else None
    return _step_closed(ctx, step) if step is not None else None


def _decisions(ctx: Context, group: GroupInfo, day: date | None) -> Reply:
    t = ctx.t
    meeting_date = day or ctx.store.notes.latest_decision_date(group.id, _today(ctx))
    decisions = ctx.store.notes.decisions(group.id, meeting_date) if meeting_date else []
    if meeting_date is None or not decisions:
        return Reply.text(t("notes.decision.none", group=group.short_name))
    return (
        ReplyBuilder(heading=t("notes.decision.title", group=group.short_name,
                               date=format_day(t, meeting_date)))
        .table((t("notes.col.id"), t("notes.col.decision")),
               [(f"#{d.number}", d.text) for d in decisions])
        .build()
    )


# --- nästa-steg -----------------------------------------------------------------------------


def handle_next_step(ctx: Context) -> Reply:
    t = ctx.t
    if has_identity_number(ctx.command.text) or has_identity_number(" ".join(ctx.args)):
        ctx.writing = True  # a text meant to be recorded, refused before it is read
        raise _note_error(ctx, "next_step", UpdateInputError("identity_number"))
    options, words = take_options(ctx, ctx.args)
    ctx.writing = bool(words)  # without text it lists; with text it records or closes
    if not words:
        return _open_steps(ctx, options)
    if is_done_word(words[0]) and len(words) <= 2:
        number = parse_short_id(words[1]) if len(words) == 2 else None
        if number is None:
            raise UserError("notes.error.close_usage")
        return _close(ctx, number)
    try:
        parts = split_next_step(words)
    except UpdateInputError as error:
        field = str(error.params.get("field", "next_step"))
        raise UserError(f"notes.error.{error.code}", field=t(f"notes.field.{field}")) from None
    try:
        text = clean_text(parts.text, NOTE_RULES["next_step"])
    except UpdateInputError as error:
        raise _note_error(ctx, "next_step", error) from None
    organisation = _organisation(ctx, parts.responsible) if parts.responsible else None
    group = resolve_group(ctx, options.group, "notes.next_step")
    meeting_date, meeting = resolve_meeting(ctx, group, options.meeting)
    due: date | None = None
    if parts.due is not None:
        try:
            due = parse_date(parts.due, today=_today(ctx))
        except DateParseError as error:
            raise _date_problem(ctx, "due", error) from None
        if due < meeting_date:
            raise UserError("notes.error.due_before_meeting", due=format_day(t, due),
                            meeting=format_day(t, meeting_date))
    step = ctx.store.notes.add_next_step(
        group_id=group.id, meeting_date=meeting_date, text=text, author_id=ctx.actor.id,
        at=ctx.now, responsible_org_id=organisation.id if organisation else None, due=due,
        meeting_id=meeting.id if meeting else None,
    )
    ctx.stored(NEXT_STEP, step.number)
    return _step_saved(ctx, step)


def _step_saved(ctx: Context, step: NextStep) -> Reply:
    t = ctx.t
    builder = ReplyBuilder(heading=t("notes.next_step.saved", id=f"#{step.number}",
                                     group=_short_name(ctx, step.group_id),
                                     date=format_day(t, step.meeting_date)))
    builder.paragraph(step.text)
    items = []
    if step.responsible_org_id is not None:
        organisations = {o.id: o.short_name for o in ctx.store.plan.organisations()}
        shown = organisations.get(step.responsible_org_id, step.responsible_org_id)
        items.append((t("notes.field.responsible"), shown))
    if step.due is not None:
        items.append((t("notes.field.due"), format_day(t, step.due)))
    if items:
        builder.fields(*items)
    builder.paragraph(t("notes.next_step.hint", number=step.number))
    return builder.build()


def _close(ctx: Context, number: int) -> Reply:
    step = ctx.store.notes.next_step(number)
    if step is None:
        raise UserError("notes.error.not_found", id=f"#{number}")
    group = next((g for g in ctx.store.plan.groups() if g.id == step.group_id), None)
    shown = GroupInfo(step.group_id, step.group_id, step.group_id) if group is None else group
    _require_member(ctx, shown, "notes.close", f"#{number}")
    if step.status == "done":
        raise UserError("notes.error.already_done", id=f"#{number}")
    closed = ctx.store.notes.close_next_step(number, actor_id=ctx.actor.id, at=ctx.now)
    ctx.stored(NEXT_STEP_CLOSED, number)
    return _step_closed(ctx, closed)


def _step_closed(ctx: Context, step: NextStep) -> Reply:
    return (
        ReplyBuilder(heading=ctx.t("notes.next_step.closed", id=f"#{step.number}"))
        .paragraph(step.text)
        .build()
    )


def _open_steps(ctx: Context, options: NoteOptions) -> Reply:
    t = ctx.t
    if options.group is not None:
        groups = [resolve_group(ctx, options.group, "notes.next_step")]
    else:
        mine = _member_of(ctx)
        groups = [g for g in ctx.store.plan.groups() if g.id in mine]
    if not groups:
        return Reply.text(t("notes.next_step.no_groups"))
    names = {g.id: g.short_name for g in groups}
    steps = ctx.store.notes.open_next_steps([g.id for g in groups])
    if not steps:
        return Reply.text(t("notes.next_step.none"))
    organisations = {o.id: o.short_name for o in ctx.store.plan.organisations()}
    today = _today(ctx)

    def due_text(day: date | None) -> str:
        if day is None:
            return ""
        shown = format_day(t, day)
        return t("notes.overdue", date=shown) if day < today else shown

    rows = [
        (
            f"#{s.number}", s.text,
            organisations.get(s.responsible_org_id or "", s.responsible_org_id or ""),
            due_text(s.due), format_day(t, s.meeting_date), names.get(s.group_id, s.group_id),
        )
        for s in steps
    ]
    return (
        ReplyBuilder(heading=t("notes.next_step.title"))
        .table(
            (t("notes.col.id"), t("notes.col.next_step"), t("notes.field.responsible"),
             t("notes.field.due"), t("notes.col.meeting"), t("notes.col.group")),
            rows,
        )
        .paragraph(t("notes.next_step.close_hint", number=steps[0].number))
        .build()
    )
