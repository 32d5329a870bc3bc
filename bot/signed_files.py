"""Files behind signed, expiring links: `GET /export/<token>` (a report, `export` in chat) and
`GET /extract/<token>` (a person's register extract, `mina-data`).

The token is the only credential. The handler that opens the file checks its signature (with
a key for that kind of link only), its expiry and that its person is still active, then
builds the file from the figures of this moment (`app.reports.open_export`,
`handlers.gdpr.open_extract`). Both kinds answer alike: 200 with the file and a
`Content-Disposition` name; 410 when the link has expired (or what it names is gone); 403 for
anything else. The token is never logged, nor is the key, nor anything of the file.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Final

from aiohttp import web

from app.core import Options
from app.extracts import open_extract
from app.i18n import translator
from app.messages import Attachment
from app.ports import Store
from app.reports import open_export
from bot.runtime import Runtime
from domain.signed_link import Refused

log = logging.getLogger(__name__)

# Anything else after the prefix is a 404 before a store is even opened.
_SIGNED_PART: Final = r"{token:[A-Za-z0-9_.-]{20,2048}}"
EXPORT_PATH: Final = "/export/" + _SIGNED_PART
EXTRACT_PATH: Final = "/extract/" + _SIGNED_PART
TEXT_MEDIA: Final = frozenset({"text/markdown", "text/csv", "application/json"})

Handler = Callable[[web.Request], Awaitable[web.Response]]


Opener = Callable[[Store, str, Options, datetime], Attachment | Refused]


def signed_file_route(
    runtime: Runtime, open_file: Opener, *, kind: str, gone: Mapping[str, str], refused: str
) -> Handler:
    """The route for one kind of link: `gone` maps the refusals answered 410 to their message
    keys; every other refusal is a 403 with the message `refused`."""

    async def signed_file(request: web.Request) -> web.Response:
        token = request.match_info["token"]

        def build() -> Attachment | Refused:
            with runtime.stores() as store:
                return open_file(store, token, runtime.dispatcher.options,
                                 runtime.stores.clock())

        result = await asyncio.to_thread(build)
        if isinstance(result, Refused):
            log.info(f"{kind} link refused", extra={"reason": result.reason})
            t = translator(runtime.settings.default_language)
            if result.reason in gone:
                raise web.HTTPGone(text=t(gone[result.reason]))
            raise web.HTTPForbidden(text=t(refused))
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

    return signed_file


def export_route(runtime: Runtime) -> Handler:
    return signed_file_route(
        runtime, open_export, kind="export",
        gone={"expired": "reports.link.expired", "gone": "reports.link.gone"},
        refused="reports.link.refused",
    )


def extract_route(runtime: Runtime) -> Handler:
    return signed_file_route(
        runtime, open_extract, kind="extract",
        gone={"expired": "gdpr.link.expired"}, refused="gdpr.link.refused",
    )
