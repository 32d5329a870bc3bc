"""`GET /export/<token>`: a report file behind a signed, expiring link (`export` in chat).

The token is the only credential: `handlers.reports.open_export` checks its HMAC-SHA256
signature, its expiry and that its person is still active (and may still see the report),
then builds the file from the figures of this moment. Answers: 200 with the file and a
`Content-Disposition` name; 410 when the link has expired (or what it names is gone); 403
for anything else. The token is never logged, nor is the key.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Final

from aiohttp import web

from bot.runtime import Runtime
from handlers.i18n import translator
from handlers.reports import ExportFile, Refused, open_export

log = logging.getLogger(__name__)

EXPORT_PATH: Final = r"/export/{token:[A-Za-z0-9_.-]{20,2048}}"
TEXT_MEDIA: Final = frozenset({"text/markdown", "text/csv", "application/json"})


def export_route(runtime: Runtime) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def export_file(request: web.Request) -> web.Response:
        token = request.match_info["token"]

        def build() -> ExportFile | Refused:
            with runtime.stores() as store:
                return open_export(store, token, runtime.dispatcher.options,
                                   runtime.stores.clock())

        result = await asyncio.to_thread(build)
        if isinstance(result, Refused):
            log.info("export link refused", extra={"reason": result.reason})
            t = translator(runtime.settings.default_language)
            if result.reason in ("expired", "gone"):
                key = "reports.link.expired" if result.reason == "expired" else "reports.link.gone"
                raise web.HTTPGone(text=t(key))
            raise web.HTTPForbidden(text=t("reports.link.refused"))
        return web.Response(
            body=result.content,
            content_type=result.media_type,
            charset="utf-8" if result.media_type in TEXT_MEDIA else None,
            headers={
                "Content-Disposition": f'attachment; filename="{result.filename}"',
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            },
        )

    return export_file
