"""`frånvaro <från> <till>` / `away <from> <to>`: a person away; `frånvaro` lists, `frånvaro av`
ends early.

While a person is away they get no reminders (`domain.reminders`); where they are the
contact of the organisation convening a meeting on those days, the convener's reminders and
the announcements go to the stand-in, who is told at once (`absence_stand_in`, through the
outbox), and the answer here tells the person. Without a stand-in the administrators are
told in good time (`absence_no_stand_in`, `no_stand_in_alert_working_days_before`).

Bad input (a date that is not one, the end before the start, an absence already over, one
longer than a year, one overlapping another) is answered and nothing is stored. The same
absence given again stores nothing new and gets the same answer.
"""

from __future__ import annotations

from app.core import Context, UserError
from app.messages import Reply, ReplyBuilder
from app.schedule_text import Names, date_and_rest, format_time_span, schedule_of, today
from app.wording import format_day
from domain.absence import Absence, absence_problem
from domain.reminders import ReminderRules
from domain.schedule import Meeting
from domain.text import fold

# What `frånvaro av` stored (`Context.stored`): how many absences it ended.
ENDED = "absence_ended"
_END_WORDS = ("av", "off", "slut", "end")
_BETWEEN = ("-", "–", "till", "to", "tom", "t.o.m.", "until")


def handle_absence(ctx: Context) -> Reply:
    words = list(ctx.args)
    if not words:
        return _list(ctx)
    if fold(words[0]) in _END_WORDS and len(words) == 1:
        return _end(ctx)
    first_day = today(ctx)
    start, rest = date_and_rest(words, first_day)
    if rest and fold(rest[0]) in _BETWEEN:
        rest = rest[1:]
    if not rest:
        raise UserError("absence.usage")
    end, rest = date_and_rest(rest, first_day)
    if rest:
        raise UserError("absence.usage")
    problem = absence_problem(start, end, first_day)
    if problem is not None:
        raise UserError(problem, start=format_day(ctx.t, start), end=format_day(ctx.t, end))
    mine = ctx.store.absences.of_person(ctx.actor.id, first_day)
    same = next((a for a in mine if (a.start, a.end) == (start, end)), None)
    if same is None:
        clash = next((a for a in mine if a.start <= end and start <= a.end), None)
        if clash is not None:
            raise UserError("absence.overlaps", start=format_day(ctx.t, clash.start),
                            end=format_day(ctx.t, clash.end))
        same = ctx.store.absences.add(ctx.actor.id, start, end)
        ctx.store.audit.record(ctx.actor.id, "absence.add", "ok", f"absence={same.id}")
    builder = ReplyBuilder(heading=ctx.t("absence.added", start=format_day(ctx.t, start),
                                         end=format_day(ctx.t, end)))
    _consequences(ctx, [same], builder)
    return builder.build()


def _list(ctx: Context) -> Reply:
    mine = ctx.store.absences.of_person(ctx.actor.id, today(ctx))
    if not mine:
        return Reply.text(ctx.t("absence.none"))
    builder = ReplyBuilder(heading=ctx.t("absence.list_title"))
    builder.paragraph("\n".join(
        ctx.t("absence.line", start=format_day(ctx.t, a.start), end=format_day(ctx.t, a.end))
        for a in mine
    ))
    _consequences(ctx, mine, builder)
    builder.paragraph(ctx.t("absence.end_hint"))
    return builder.build()


def _end(ctx: Context) -> Reply:
    ended = ctx.store.absences.end_now(ctx.actor.id, today(ctx))
    if not ended:
        return Reply.text(ctx.t("absence.none"))
    ctx.store.audit.record(ctx.actor.id, "absence.end", "ok",
                           "absences=" + ",".join(str(a.id) for a in ended))
    ctx.stored(ENDED, len(ended))
    return Reply.text(ctx.t("absence.ended", count=len(ended)))


def replay(ctx: Context) -> Reply | None:
    """A resent `frånvaro av`: the answer it gave (a resent registration runs again: the
    absence it stored is found and answered the same, nothing stored twice)."""

    count = ctx.stored_number(ENDED)
    return Reply.text(ctx.t("absence.ended", count=count)) if count else None


def _convening(ctx: Context, absences: list[Absence]) -> list[tuple[str, Meeting]]:
    """The meetings on the absent days where the person is the convening organisation's
    contact: (group short name, meeting)."""

    found: list[tuple[str, Meeting]] = []
    for group in ctx.store.calendar.groups():
        for absence in absences:
            for meeting in schedule_of(ctx.store, group.id, (absence.start, absence.end)):
                if meeting.status != "cancelled" and meeting.convener_person == ctx.actor.id \
                        and meeting.start > ctx.now:
                    found.append((group.short_name, meeting))
    return sorted(found, key=lambda pair: pair[1].start)


def _consequences(ctx: Context, absences: list[Absence], builder: ReplyBuilder) -> None:
    names = Names.of(ctx.store)
    lines = []
    for group, meeting in _convening(ctx, absences):
        when = f"{format_day(ctx.t, meeting.local_date)} {format_time_span(meeting)}"
        if meeting.stand_in:
            lines.append(ctx.t("absence.stand_in", group=group, when=when,
                               stand_in=names.person(meeting.stand_in)))
        else:
            days = _alert_days(ctx, meeting)
            lines.append(ctx.t("absence.no_stand_in", group=group, when=when,
                               org=names.org(meeting.convener_org), count=days))
    builder.paragraph(ctx.t("absence.quiet"))
    if lines:
        builder.paragraph(ctx.t("absence.convening_title") + "\n" + "\n".join(lines))


def _alert_days(ctx: Context, meeting: Meeting) -> int:
    series = ctx.store.announcements.reminder_rules(meeting.group_id)
    rules = series.get(meeting.series_id, ReminderRules())
    return rules.no_stand_in_alert_working_days_before
