"""`hem` / `home`: one person's overview, also shown as the Slack Home tab.

Their groups, each group's next meeting and convener, and the activities they may report on
that have had no update since the group's last meeting, with the button to report.
"""

from __future__ import annotations

from datetime import date

from app.core import Context
from app.groups import my_groups
from app.messages import Button, Reply, ReplyBuilder
from app.reminders import REPORT_ACTION
from app.schedule_text import Names, convener_text, format_time_span, schedule_of
from app.wording import format_day
from domain.reminders import previous_meeting_start
from domain.updates import may_report


def handle(ctx: Context) -> Reply:
    t = ctx.t
    groups = my_groups(ctx)
    builder = ReplyBuilder(heading=t("home.title", name=ctx.actor.name))
    if not groups:
        return builder.paragraph(t("home.no_groups")).build()
    names = Names.of(ctx.store)
    group_ids = [g.id for g in groups]
    activities = [
        a for a in ctx.store.plan.activities()
        if may_report(a, ctx.actor.organisation.id, group_ids)
    ]
    for group in groups:
        builder.divider()
        builder.paragraph(t("home.group", group=group.name))
        meetings = schedule_of(ctx.store, group.id, (ctx.now.date(), date.max))
        coming = [m for m in meetings if m.end > ctx.now and m.status != "cancelled"]
        if not coming:
            builder.paragraph(t("home.no_meetings"))
            continue
        following = coming[0]
        builder.fields(
            (t("home.next_meeting"),
             f"{format_day(t, following.local_date)} {format_time_span(following)}"),
            (t("home.convener"), convener_text(t, following, names)),
        )
        since = previous_meeting_start(schedule_of(ctx.store, group.id), following)
        reported = {
            u.content.activity_code
            for u in ctx.store.updates.current(group_ids=[group.id], since=since)
        }
        missing = [a for a in activities if a.group_id == group.id and a.code not in reported]
        if missing:
            builder.paragraph(t("home.needs_update"))
            builder.table(
                (t("home.col.activity"), t("home.col.goal_area")),
                [(f"{a.code} {a.title}", a.goal_area_title) for a in missing],
            )
            builder.buttons(
                Button(t("reminder.report_button"), REPORT_ACTION, group.id, style="primary")
            )
        else:
            builder.paragraph(t("home.all_reported"))
    return builder.build()
