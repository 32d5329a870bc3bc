"""`vem` / `whoami`: who the bot thinks you are, your organisation, groups and roles."""

from __future__ import annotations

from app.core import Context
from app.messages import Reply, ReplyBuilder


def handle(ctx: Context) -> Reply:
    t = ctx.t
    person = ctx.actor
    memberships = ctx.store.people.memberships(person.id)
    builder = ReplyBuilder(heading=t("whoami.title", name=person.name)).fields(
        (t("whoami.organisation"),
         f"{person.organisation.name} ({person.organisation.short_name})"),
        (t("whoami.email"), person.email),
        (t("whoami.language"), t(f"language.{person.language}")),
        (t("whoami.admin"), t("common.yes") if person.is_admin else t("common.no")),
    )
    if memberships:
        builder.table(
            (t("whoami.group"), t("whoami.role")),
            [(m.group_name, t(f"role.{m.role}")) for m in memberships],
        )
    else:
        builder.paragraph(t("whoami.no_groups"))
    return builder.build()
