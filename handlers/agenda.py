"""`punkt`, `lyft`, `närvaro`: the meeting's agenda, questions raised to the group that gave
the mandate, and who comes.

- `punkt <text>` (`agenda`) proposes an item for the group's next meeting; `punkt` lists the
  next meeting's items; `punkt dra-tillbaka <nr>` (`withdraw`) takes back one's own;
  `punkt godkänn <nr>` (`accept`), `punkt avslå <nr>` (`decline`) and
  `punkt flytta <nr> [datum]` (`move`: to the meeting on that date, else the one after) are
  the convener's.
- `lyft <text>` (`escalate`) raises a question to the next meeting of the group this group
  reports to (`reports_to`). It is answered there with `beslut <text> --svar <nr>`
  (`handlers.notes`), and the answer goes back to this group's channel.
- `närvaro ja|nej|ersättare [datum]` (`attend yes|no|stand-in`): whether one comes to the next
  meeting (or the one on the date); `närvaro` alone shows who comes. The day-before reminder's
  buttons say the same.
- The minutes (`anteckningar`) are a report command (`handlers.reports`).
- `--grupp <id>` (`--group`) names the group where the channel or one's memberships do not.

Rules chosen here:
- Items and questions are proposed by the group's active members (administrators too);
  a question is raised by a member of the raising group. Items are numbered together with
  questions (`#3`), one series for the installation.
- Accepting, declining and moving are for the convener of the item's meeting (the convening
  organisation's contact person or stand-in) and administrators, as recording a decision is;
  a meeting without a named convener leaves it to the group's members. Only items still open
  (proposed or accepted) can be changed, and only before their meeting has ended.
- Attendance is answered by the group's active members, for a meeting that has not ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from app.agenda import (
    agenda_lines,
    meeting_on,
    meetings,
    next_meeting,
)
from app.core import Context, UserError
from app.groups import convener_right, my_groups, take_group
from app.messages import Reply, ReplyBuilder
from app.schedule_text import Names, convener_text
from app.wording import format_day, local_day
from domain.agenda import (
    ITEM_RULE,
    AgendaItem,
    AttendanceAnswer,
    ItemStatus,
    attendance_answer,
    attendance_by_organisation,
    item_action,
    later_meeting,
)
from domain.dates import DateParseError, take_date
from domain.model import GroupInfo
from domain.pnr import redact
from domain.schedule import Meeting
from domain.text import fold
from domain.updates import UpdateInputError, clean_text, has_identity_number, parse_short_id

GROUP_FLAGS = ("--grupp", "--group")
# What a delivery stored (`Context.stored`), for the answer to its resend.
ITEM, QUESTION, ITEM_CHANGED, ATTENDANCE = "agenda_item", "question", "agenda_changed", "attend"


# --- shared ---------------------------------------------------------------------------------


def _flag(words: Sequence[str]) -> tuple[list[str], list[str]]:
    """(`--grupp <id>` if given, the other words)."""

    rest = list(words)
    for index, word in enumerate(rest):
        if fold(word) in GROUP_FLAGS:
            if index + 1 >= len(rest):
                raise UserError("notes.error.option_value", option=word)
            flagged = [rest[index], rest[index + 1]]
            del rest[index:index + 2]
            return flagged, rest
    return [], rest


def _group(ctx: Context, words: Sequence[str], *, reporting: bool = False
           ) -> tuple[GroupInfo, list[str]]:
    """`--grupp <id>` anywhere, else the channel's group, else the person's only group
    (`reporting`: else the person's only group that reports to another).

    (A first word naming a group is not taken: it may be the first word of an item's text.)
    """

    flagged, rest = _flag(words)
    try:
        group, _ = take_group(ctx, flagged, required=True)
    except UserError as error:
        if flagged or not reporting or error.key != "group.choose":
            raise
        mine = [g for g in my_groups(ctx) if g.reports_to]
        if len(mine) != 1:
            raise
        group = mine[0]
    assert group is not None
    return group, rest


def _require_member(ctx: Context, group: GroupInfo, action: str, *, admins: bool = True) -> None:
    if (admins and ctx.actor.is_admin) or ctx.store.plan.is_active_member(ctx.actor.id, group.id):
        return
    raise UserError("agenda.error.not_member", audit=action, outcome="denied",
                    audit_detail=group.id, group=group.short_name)


def _text(ctx: Context, words: Sequence[str]) -> str:
    try:
        return clean_text(" ".join(words), ITEM_RULE)
    except UpdateInputError as error:
        raise UserError("agenda.error.text",
                        problem=ctx.t(f"updates.invalid.{error.code}", **error.params)) from None


def _coming(ctx: Context, group: GroupInfo) -> Meeting | None:
    """The group's next meeting; a group with a calendar but no meeting ahead is refused."""

    schedule = meetings(ctx.store, group.id)
    following = next_meeting(schedule, ctx.now)
    if schedule and following is None:
        key = "no_next_meeting" if ctx.writing else "no_next_meeting_read"
        raise UserError(f"agenda.error.{key}", group=group.short_name)
    return following


def _meeting_words(ctx: Context, meeting: Meeting | None, group: GroupInfo) -> str:
    if meeting is None:
        return ctx.t("agenda.next_meeting_undated", group=group.short_name)
    return ctx.t("agenda.meeting", group=group.short_name,
                 date=format_day(ctx.t, meeting.local_date))


def _group_of(ctx: Context, group_id: str) -> GroupInfo:
    group = ctx.store.calendar.group(group_id)
    return group if group is not None else GroupInfo(group_id, group_id, group_id)


def _refuse_identity_number(ctx: Context) -> None:
    if has_identity_number(ctx.command.text) or has_identity_number(" ".join(ctx.args)):
        ctx.writing = True  # a text meant to be stored, refused before it is read
        raise UserError("agenda.error.text",
                        problem=ctx.t("updates.invalid.identity_number"))


# --- punkt ----------------------------------------------------------------------------------


def handle_item(ctx: Context) -> Reply:
    _refuse_identity_number(ctx)
    _, words = _flag(ctx.args)
    action = item_action(words[0]) if words else None
    number = parse_short_id(words[1]) if action and len(words) >= 2 else None
    if action is not None and number is not None and (len(words) == 2 or action == "move"):
        # The item names its group and meeting.
        ctx.writing = True
        return _change(ctx, action, number, words[2:])
    if action is not None and (len(words) == 1 or words[1][:1] in "#0123456789"):
        # `punkt godkänn` without a number, `punkt avslå #x`: a command gone wrong, not an item.
        raise UserError("agenda.error.action_usage", word=words[0][:20])
    group, words = _group(ctx, ctx.args)
    if not words:
        return _list(ctx, group)
    ctx.writing = True
    return _propose(ctx, group, words, kind="item")


def _propose(ctx: Context, group: GroupInfo, words: Sequence[str], *, kind: str) -> Reply:
    text = _text(ctx, words)
    if kind == "question":
        _require_member(ctx, group, "agenda.question", admins=False)
        if not group.reports_to:
            raise UserError("agenda.error.no_reports_to", group=group.short_name)
        target = ctx.store.calendar.group(group.reports_to)
        if target is None:
            raise UserError("agenda.error.no_reports_to", group=group.short_name)
        from_group: str | None = group.id
    else:
        _require_member(ctx, group, "agenda.item")
        target, from_group = group, None
    meeting = _coming(ctx, target)
    item = ctx.store.agenda.add_item(
        group_id=target.id, kind="question" if kind == "question" else "item", text=text,
        proposer_id=ctx.actor.id, organisation_id=ctx.actor.organisation.id, at=ctx.now,
        meeting_date=meeting.local_date if meeting else None,
        meeting_id=meeting.id if meeting else None, from_group_id=from_group,
    )
    ctx.stored(QUESTION if from_group else ITEM, item.number)
    return _proposed(ctx, item)


def _proposed(ctx: Context, item: AgendaItem) -> Reply:
    t = ctx.t
    target = _group_of(ctx, item.group_id)
    schedule = meetings(ctx.store, target.id)
    meeting = meeting_on(schedule, item.meeting_date) if item.meeting_date else None
    where = _meeting_words(ctx, meeting, target)
    if item.kind == "question":
        raising = _group_of(ctx, item.from_group_id or "")
        heading = t("agenda.question.saved", number=item.number, meeting=where)
        after = t("agenda.question.hint", group=raising.short_name, number=item.number,
                  target=target.short_name, target_id=target.id)
    else:
        heading = t("agenda.item.saved", number=item.number, meeting=where)
        convener = (convener_text(t, meeting, Names.of(ctx.store)) if meeting
                    else t("agenda.the_convener"))
        after = t("agenda.item.hint", convener=convener, number=item.number)
    return ReplyBuilder(heading=heading).paragraph(item.text).paragraph(after).build()


def _list(ctx: Context, group: GroupInfo) -> Reply:
    t = ctx.t
    _require_member(ctx, group, "agenda.list")
    meeting = _coming(ctx, group)
    items = ctx.store.agenda.items(group.id, meeting.local_date if meeting else None,
                                   ("proposed", "accepted"))
    where = _meeting_words(ctx, meeting, group)
    if not items:
        return Reply.text(t("agenda.list.none", meeting=where))
    rows = [
        (f"#{line.number}",
         t("agenda.kind.question", group=line.from_group) if line.kind == "question"
         else t("agenda.kind.item"),
         line.text, line.organisation, t(f"agenda.status.{line.status}"))
        for line in agenda_lines(ctx.store, items)
    ]
    return (
        ReplyBuilder(heading=t("agenda.list.title", meeting=where))
        .table((t("agenda.col.number"), t("agenda.col.kind"), t("agenda.col.text"),
                t("agenda.col.organisation"), t("agenda.col.status")), rows)
        .paragraph(t("agenda.list.hint", number=items[0].number))
        .build()
    )


def _change(ctx: Context, action: str, number: int, rest: Sequence[str]) -> Reply:
    t = ctx.t
    item = ctx.store.agenda.item(number)
    if item is None:
        raise UserError("agenda.error.not_found", number=number)
    group = _group_of(ctx, item.group_id)
    if not item.is_open:
        raise UserError("agenda.error.closed", number=number,
                        status=t(f"agenda.status.{item.status}"))
    schedule = meetings(ctx.store, group.id)
    meeting = meeting_on(schedule, item.meeting_date) if item.meeting_date else None
    if meeting is not None and meeting.end <= ctx.now:
        raise UserError("agenda.error.held", number=number,
                        date=format_day(t, meeting.local_date))
    if action == "withdraw":
        if item.proposer_id != ctx.actor.id and not ctx.actor.is_admin:
            raise UserError("agenda.error.not_proposer", audit="agenda.withdraw",
                            outcome="denied", audit_detail=f"#{number}", number=number)
        changed = ctx.store.agenda.set_status(number, "withdrawn", actor_id=ctx.actor.id,
                                              at=ctx.now)
    else:
        _require_convener(ctx, group, meeting, number)
        if action == "move":
            changed = _move(ctx, item, group, schedule, rest)
        else:
            status: ItemStatus = "accepted" if action == "accept" else "declined"
            changed = ctx.store.agenda.set_status(number, status, actor_id=ctx.actor.id,
                                                  at=ctx.now)
    ctx.stored(ITEM_CHANGED, number)
    return _changed(ctx, changed)


def _require_convener(ctx: Context, group: GroupInfo, meeting: Meeting | None,
                      number: int) -> None:
    right = convener_right(ctx, meeting)
    if right == "members":
        _require_member(ctx, group, "agenda.decide")
    if right != "no":
        return
    assert meeting is not None
    raise UserError(
        "agenda.error.not_convener", audit="agenda.decide", outcome="denied",
        audit_detail=f"{group.id} #{number}", number=number,
        convener=convener_text(ctx.t, meeting, Names.of(ctx.store)),
    )


def _move(ctx: Context, item: AgendaItem, group: GroupInfo, schedule: Sequence[Meeting],
          rest: Sequence[str]) -> AgendaItem:
    t = ctx.t
    if item.meeting_date is None or not schedule:
        raise UserError("agenda.error.no_calendar", group=group.short_name)
    coming = [m for m in schedule if m.status != "cancelled" and m.end > ctx.now]
    if rest:
        try:
            day, count = take_date(rest, today=local_day(ctx.now))
        except DateParseError as error:
            raise UserError(f"calendar.{error.code}", text=redact(error.text)) from None
        if count != len(rest):
            raise UserError("agenda.error.move_usage")
        target = meeting_on(coming, day)
        if target is None or target.local_date <= item.meeting_date:
            raise UserError("agenda.error.no_later_meeting", date=format_day(t, day),
                            group=group.short_name)
    else:
        later = later_meeting([m.local_date for m in coming], item.meeting_date)
        target = meeting_on(coming, later) if later is not None else None
        if target is None:
            raise UserError("agenda.error.no_meeting_after", group=group.short_name,
                            date=format_day(t, item.meeting_date))
    return ctx.store.agenda.move(item.number, meeting_date=target.local_date,
                                 meeting_id=target.id, actor_id=ctx.actor.id, at=ctx.now)


def _changed(ctx: Context, item: AgendaItem) -> Reply:
    t = ctx.t
    key = {"withdrawn": "withdrawn", "accepted": "accepted", "declined": "declined"}.get(
        item.status, "moved")
    when = format_day(t, item.meeting_date) if item.meeting_date else "–"
    return (
        ReplyBuilder(heading=t(f"agenda.changed.{key}", number=item.number, date=when))
        .paragraph(item.text)
        .build()
    )


def replay(ctx: Context) -> Reply | None:
    """A resent `punkt` or `lyft`: the answer to what its first delivery stored."""

    for kind in (ITEM, QUESTION):
        number = ctx.stored_number(kind)
        item = ctx.store.agenda.item(number) if number is not None else None
        if item is not None:
            return _proposed(ctx, item)
    number = ctx.stored_number(ITEM_CHANGED)
    item = ctx.store.agenda.item(number) if number is not None else None
    return _changed(ctx, item) if item is not None else None


# --- lyft -------------------------------------------------------------------------------------


def handle_question(ctx: Context) -> Reply:
    _refuse_identity_number(ctx)
    ctx.writing = True
    group, words = _group(ctx, ctx.args, reporting=True)
    if not words:
        raise UserError("agenda.error.question_usage")
    return _propose(ctx, group, words, kind="question")


# --- närvaro --------------------------------------------------------------------------------


def handle_attend(ctx: Context) -> Reply:
    t = ctx.t
    group, words = _group(ctx, ctx.args)
    if not words:
        return _attendance(ctx, group)
    answer = attendance_answer(words[0])
    if answer is None:
        raise UserError("agenda.error.attend_usage")
    ctx.writing = True
    _require_member(ctx, group, "agenda.attend", admins=False)
    schedule = meetings(ctx.store, group.id)
    if not schedule:
        raise UserError("agenda.error.no_calendar", group=group.short_name)
    if len(words) > 1:
        try:
            day, count = take_date(words[1:], today=local_day(ctx.now))
        except DateParseError as error:
            raise UserError(f"calendar.{error.code}", text=redact(error.text)) from None
        if count != len(words) - 1:
            raise UserError("agenda.error.attend_usage")
        meeting = meeting_on(schedule, day)
        if meeting is None:
            raise UserError("agenda.error.no_meeting_on", date=format_day(t, day),
                            group=group.short_name)
        if meeting.end <= ctx.now:
            raise UserError("agenda.error.attend_held", date=format_day(t, day))
    else:
        meeting = next_meeting(schedule, ctx.now)
        if meeting is None:
            raise UserError("agenda.error.no_next_meeting", group=group.short_name)
    ctx.store.agenda.record_attendance(
        group_id=group.id, meeting_date=meeting.local_date, meeting_id=meeting.id,
        person_id=ctx.actor.id, organisation_id=ctx.actor.organisation.id, answer=answer,
        at=ctx.now,
    )
    ctx.stored(ATTENDANCE, f"{answer}|{group.id}|{meeting.local_date.isoformat()}")
    return _attended(ctx, answer, group, meeting.local_date)


def _attended(ctx: Context, answer: AttendanceAnswer, group: GroupInfo, day: date) -> Reply:
    return Reply.text(ctx.t(f"agenda.attend.saved.{answer}", group=group.short_name,
                            date=format_day(ctx.t, day)))


def replay_attend(ctx: Context) -> Reply | None:
    value = ctx.stored_value(ATTENDANCE)
    if value is None:
        return None
    answer, group_id, day = value.split("|")
    found = attendance_answer(answer.replace("_", "-"))
    if found is None:
        return None
    return _attended(ctx, found, _group_of(ctx, group_id), date.fromisoformat(day))


def _attendance(ctx: Context, group: GroupInfo) -> Reply:
    t = ctx.t
    _require_member(ctx, group, "agenda.attend")
    meeting = _coming(ctx, group)
    if meeting is None:
        raise UserError("agenda.error.no_calendar_read", group=group.short_name)
    names = Names.of(ctx.store)
    rows = attendance_by_organisation(
        ctx.store.agenda.members(group.id),
        ctx.store.agenda.attendance(group.id, meeting.local_date), names.organisations,
    )
    where = _meeting_words(ctx, meeting, group)
    builder = ReplyBuilder(heading=t("agenda.attendance.title", meeting=where))
    table = []
    for org in rows:
        table.append((
            org.organisation, ", ".join(org.coming) or "–", ", ".join(org.stand_in) or "–",
            ", ".join(org.not_coming) or "–", ", ".join(org.no_answer) or "–",
        ))
    builder.table((t("agenda.col.organisation"), t("agenda.col.coming"),
                   t("agenda.col.stand_in"), t("agenda.col.not_coming"),
                   t("agenda.col.no_answer")), table)
    missing = [o.organisation for o in rows if o.represented is False]
    if missing:
        builder.paragraph(t("agenda.attendance.not_represented",
                            organisations=", ".join(missing)))
    builder.paragraph(t("agenda.attendance.hint"))
    return builder.build()
