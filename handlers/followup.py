"""`milstolpar`, `milstolpe klar <id>`, `uppföljning <år>`: the plan's follow-up in chat.

- `milstolpar [alla]` (`milestones [all]`): the overdue milestones and the coming ones, with
  what each is for, its date and owners; `alla` adds the ones done, with who and when.
- `milstolpe klar <id>` (`milestone done <id>`): marks one done, by someone of an owner
  organisation or an administrator; kept with who and when, and audited. Done twice: the
  answer says who marked it, and nothing changes. `milstolpe <id>` shows one.
- `uppföljning <år> [målområde]` (`follow-up <year>`): the annual follow-up in short (per goal
  area: the statuses at the start and end of the year, the milestones, the budget), with
  links to the whole document as Word and Excel.

The milestones and the follow-up are built in `app.followup`; this module reads the words.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from typing import Final

from app import followup as service
from app.core import Context, UserError
from app.messages import Reply, ReplyBuilder
from app.reports import export_url, goal_areas_named
from app.wording import format_day, format_moment, local_day
from domain.export_link import ExportRequest
from domain.followup import PlanMilestone, may_mark_done, milestone_view
from domain.followup_report import YearView, milestone_outcome
from domain.followup_words import budget_paragraph, owners_short, scope_text, tkr
from domain.notes import is_done_word
from domain.pnr import redact
from domain.report_words import status_text
from domain.text import fold

ALL_WORDS: Final = frozenset({"alla", "all"})
DONE_ACTION: Final = "followup.milestone_done"
# What a `milstolpe klar` stored, for the answer to a resend (`milestone:<id>`: an id has at
# most 54 characters, `domain.followup_config`, so that it fits the 64 of a delivery's outcome).
MILESTONE_DONE: Final = "milestone"
_YEAR: Final = re.compile(r"(?:19|20)[0-9]{2}")


def _organisations(ctx: Context) -> dict[str, str]:
    return {o.id: o.short_name for o in ctx.store.plan.organisations()}


def _rows(ctx: Context, items: tuple[PlanMilestone, ...],
          organisations: dict[str, str]) -> list[tuple[str, ...]]:
    t = ctx.t
    return [
        (m.id, m.title, scope_text(t, m), format_day(t, m.due),
         owners_short(m.owners, organisations))
        for m in items
    ]


def handle_milestones(ctx: Context) -> Reply:
    t = ctx.t
    words = [fold(word) for word in ctx.args]
    if any(word not in ALL_WORDS for word in words):
        raise UserError("followup.error.milestones_usage")
    found = service.milestones(ctx.store)
    if not found:
        return Reply.text(t("followup.milestones.none"), heading=t("followup.milestones.title"))
    today = local_day(ctx.now)
    view = milestone_view(found, today)
    organisations = _organisations(ctx)
    columns = (t("followup.col.id"), t("followup.col.milestone"), t("followup.col.scope"),
               t("followup.col.due"), t("reports.col.owners"))
    builder = ReplyBuilder(heading=t("followup.milestones.title"))
    if view.overdue:
        builder.paragraph(t("followup.milestones.overdue", count=len(view.overdue)))
        builder.table(columns, _rows(ctx, view.overdue, organisations))
    if view.coming:
        builder.paragraph(t("followup.milestones.coming", count=len(view.coming)))
        builder.table(columns, _rows(ctx, view.coming, organisations))
    if not view.overdue and not view.coming:
        builder.paragraph(t("followup.milestones.all_done"))
    if view.done and words:
        builder.paragraph(t("followup.milestones.done", count=len(view.done)))
        builder.table(
            (t("followup.col.id"), t("followup.col.milestone"), t("followup.col.due"),
             t("followup.col.done_at"), t("followup.col.done_by")),
            [(m.id, m.title, format_day(t, m.due),
              format_moment(t, m.done_at) if m.done_at else "", m.done_by_name)
             for m in view.done],
        )
    elif view.done:
        builder.paragraph(t("followup.milestones.done_hint", done=len(view.done)))
    example = (view.overdue or view.coming or (found[0],))[0]
    return builder.paragraph(t("followup.milestones.hint", id=example.id)).build()


def _find(ctx: Context, word: str) -> PlanMilestone:
    found = service.milestones(ctx.store)
    wanted = fold(word)
    milestone = next((m for m in found if fold(m.id) == wanted), None)
    if milestone is None:
        raise UserError("followup.error.unknown_milestone", id=redact(word)[:64],
                        choices=", ".join(m.id for m in found) or "–")
    return milestone


def handle_milestone(ctx: Context) -> Reply:
    words = list(ctx.args)
    if len(words) == 2 and is_done_word(words[0]):
        words = [words[1], words[0]]
    if len(words) == 2 and is_done_word(words[1]):
        ctx.writing = True
        return _mark_done(ctx, _find(ctx, words[0]))
    if len(words) == 1:
        return _shown(ctx, _find(ctx, words[0]))
    raise UserError("followup.error.milestone_usage")


def _shown(ctx: Context, milestone: PlanMilestone) -> Reply:
    t = ctx.t
    organisations = _organisations(ctx)
    items = [
        (t("followup.col.scope"), scope_text(t, milestone)),
        (t("followup.col.due"), format_day(t, milestone.due)),
        (t("reports.col.owners"), owners_short(milestone.owners, organisations)),
        (t("followup.col.outcome"), _state(ctx, milestone)),
    ]
    return (ReplyBuilder(heading=f"{milestone.id}: {milestone.title}").fields(*items)
            .build())


def _state(ctx: Context, milestone: PlanMilestone) -> str:
    t = ctx.t
    if milestone.done_at is not None:
        return t("followup.milestone.done_by", name=milestone.done_by_name,
                 at=format_moment(t, milestone.done_at))
    if milestone.overdue(local_day(ctx.now)):
        return t("followup.milestone.overdue")
    return t("followup.milestone.coming")


def _mark_done(ctx: Context, milestone: PlanMilestone) -> Reply:
    t = ctx.t
    if milestone.done_at is not None:
        return Reply.text(t("followup.milestone.already_done", id=milestone.id,
                            name=milestone.done_by_name,
                            at=format_moment(t, milestone.done_at)))
    if not may_mark_done(milestone, ctx.actor.organisation.id, ctx.actor.is_admin):
        raise UserError(
            "followup.error.not_owner", audit=DONE_ACTION, outcome="denied",
            audit_detail=milestone.id, id=milestone.id,
            owners=owners_short(milestone.owners, _organisations(ctx)))
    if not ctx.store.followup.mark_done(milestone.id, actor_id=ctx.actor.id, at=ctx.now):
        # Marked by someone else a moment ago: say by whom.
        return _mark_done(ctx, _find(ctx, milestone.id))
    ctx.store.audit.record(ctx.actor.id, DONE_ACTION, "ok", milestone.id)
    ctx.stored(MILESTONE_DONE, milestone.id)
    return _marked(ctx, _find(ctx, milestone.id))


def _marked(ctx: Context, milestone: PlanMilestone) -> Reply:
    t = ctx.t
    assert milestone.done_at is not None
    late = milestone.due < local_day(milestone.done_at)
    return (
        ReplyBuilder(heading=t("followup.milestone.marked", id=milestone.id))
        .paragraph(t("followup.milestone.marked_text", title=milestone.title,
                     date=format_day(t, milestone.due), at=format_moment(t, milestone.done_at)))
        .paragraph(t("followup.milestone.late" if late else "followup.milestone.in_time"))
        .build()
    )


def replay(ctx: Context) -> Reply | None:
    """A resent `milstolpe klar`: the answer to what its first delivery marked."""

    wanted = ctx.stored_value(MILESTONE_DONE)
    found = next((m for m in service.milestones(ctx.store) if m.id == wanted), None)
    return _marked(ctx, found) if found is not None and found.done_at is not None else None


# --- uppföljning <år> -----------------------------------------------------------------------


def handle_follow_up(ctx: Context) -> Reply:
    t = ctx.t
    years = [word for word in ctx.args if _YEAR.fullmatch(word)]
    rest = [word for word in ctx.args if not _YEAR.fullmatch(word)]
    if len(years) > 1:
        raise UserError("followup.error.follow_up_usage")
    today = local_day(ctx.now)
    year = int(years[0]) if years else today.year
    areas = goal_areas_named(ctx.store, rest)
    data = service.follow_up_input(ctx.store, year, ctx.now, areas)
    figures = data.figures
    builder = ReplyBuilder(heading=t("followup.report.title", year=year))
    builder.paragraph(t("followup.chat.period", first=format_day(t, local_day(data.start)),
                        last=format_day(t, local_day(data.end))))
    arranged = YearView.of(data.activities, figures)
    rows = []
    for activity in data.activities:
        rows.append((
            activity.code, status_text(t, arranged.start_status[activity.code]),
            status_text(t, arranged.end_status[activity.code]),
            str(sum(y.updates for y in arranged.by_activity.get(activity.code, []))),
        ))
    builder.table((t("reports.col.code"),
                   t("followup.col.status_start", date=local_day(data.start).isoformat()),
                   t("followup.col.status_end", date=local_day(data.end).isoformat()),
                   t("followup.col.updates")), rows)
    outcomes = Counter(milestone_outcome(m, local_day(data.end)) for m in figures.milestones)
    builder.paragraph(t("followup.chat.milestones", met=outcomes["met"] + outcomes["late"],
                        missed=outcomes["missed"], coming=outcomes["coming"]))
    budget = budget_paragraph(t, ctx.language, list(figures.budget), data.activities,
                              arranged.end_status)
    if budget:
        builder.paragraph(budget)
    total_tkr = sum(line.budget_tkr for line in figures.budget)
    if figures.budget:
        builder.paragraph(t("followup.chat.budget_total", amount=tkr(total_tkr, ctx.language)))
    expires = ctx.now + timedelta(hours=ctx.options.export_link_hours)
    links = [
        t("followup.chat.link", format=label, url=export_url(ctx.store, ctx.options,
          ExportRequest("followup", fmt, ctx.actor.id, ctx.language, expires,
                        goal_areas=tuple(areas or ()), since=data.start, until=data.end)))
        for fmt, label in (("docx", "Word"), ("xlsx", "Excel"))
    ]
    builder.paragraph(t("followup.chat.links", links=" · ".join(links),
                        count=ctx.options.export_link_hours))
    return builder.build()
