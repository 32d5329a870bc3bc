"""`GET /extract/<token>`: a person's register extract behind a signed, expiring link.

`handlers.gdpr.open_extract` checks the token (its own key: a report link is no extract
link), its expiry and that its person is still active, builds the person's extract and audits
it. Answers: 200 with the file; 410 when the link has expired; 403 for anything else. The token
is never logged, nor is anything of the extract.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Final

from aiohttp import web

from bot.runtime import Runtime
from handlers.gdpr import ExtractFile, Refused, open_extract
from handlers.i18n import translator

log = logging.getLogger(__name__)

EXTRACT_PATH: Final = r"/extract/{token:[A-Za-z0-9_.-]{20,2048}}"
TEXT_MEDIA: Final = frozenset({"text/markdown", "application/json"})


def extract_route(runtime: Runtime) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def extract_file(request: web.Request) -> web.Response:
        token = request.match_info["token"]

        def build() -> ExtractFile | Refused:
            with runtime.stores() as store:
                return open_extract(store, token, runtime.dispatcher.options,
                                    runtime.stores.clock())

        result = await asyncio.to_thread(build)
        if isinstance(result, Refused):
            log.info("extract link refused", extra={"reason": result.reason})
            t = translator(runtime.settings.default_language)
            if result.reason == "expired":
                raise web.HTTPGone(text=t("gdpr.link.expired"))
            raise web.HTTPForbidden(text=t("gdpr.link.refused"))
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

    return extract_file
