"""`mina-data` (`my-data`): links to the person's own register extract (see app/extracts.py)."""

from __future__ import annotations

from datetime import timedelta

from app import messages as chat
from app.core import Context
from app.extracts import EXTRACT_LINK_HOURS, extract_url
from app.messages import Reply
from app.wording import format_moment
from domain.extract_link import ExtractRequest


def handle_my_data(ctx: Context) -> Reply:
    t = ctx.t
    expires = ctx.now + timedelta(hours=EXTRACT_LINK_HOURS)
    builder = chat.ReplyBuilder(heading=t("gdpr.extract.title"))
    builder.paragraph(t("gdpr.extract.intro"))
    for fmt in ("md", "docx", "json"):
        request = ExtractRequest(ctx.actor.id, fmt, ctx.language, expires)
        builder.paragraph(t(f"gdpr.extract.link_{fmt}",
                            url=extract_url(ctx.store, ctx.options, request)))
    builder.paragraph(t("gdpr.extract.until", until=format_moment(t, expires)))
    builder.paragraph(t("gdpr.extract.note"))
    ctx.store.audit.record(ctx.actor.id, "gdpr.extract.link", "ok", "md docx json")
    return builder.build()
