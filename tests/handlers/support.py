"""What the tests of records and reports share: speaking to the real `Dispatcher` as a person
of the example configuration, filling in the update form, and fetching a file through the
link the bot answered with (`/export/<token>`, `/extract/<token>`), as the web route does."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.core import Options
from app.dispatch import Dispatcher
from app.extracts import open_extract
from app.messages import Attachment, Command, FormSubmission, Reply
from app.reports import open_export
from app.updates import FORM_ID
from storage import models_updates as mu
from storage.repositories import StoreFactory
from tests.conftest import FixedClock

LINNEA = "linnea.ek"  # Fyrbodal; arbetsgrupp and kf-arbetsgrupp
HENRIK = "henrik.sjoberg"  # Fyrbodal; the same groups
AMIR = "amir.haddad"  # GR; the same groups
EMMA = "emma.falk"  # Sjuhärad; the same groups
JOHAN = "johan.wikstrom"  # VGR, administrator; arbetsgrupp and vgr-arbetsgrupp
SOFIA = "sofia.marklund"  # VGR, English; arbetsgrupp and vgr-arbetsgrupp
MATTIAS = "mattias.gustavsson"  # Fyrbodal; chefsgrupp only, as chef
_LINK = re.compile(r"http://127\.0\.0\.1:3978/(export|extract)/(\S+)")


def say(dispatcher: Dispatcher, text: str, person: str = LINNEA, **kwargs: Any) -> Reply:
    platform = kwargs.pop("platform", "console")
    return dispatcher.handle(Command(platform=platform, user_id=person, text=text, **kwargs))


def submit(dispatcher: Dispatcher, values: dict[str, str], person: str = LINNEA) -> Reply:
    return dispatcher.submit(FormSubmission("console", person, FORM_ID, values))


def report(dispatcher: Dispatcher, clock: FixedClock, at: datetime, person: str, code: str,
           status: str, summary: str, **fields: str) -> None:
    """An update as a person stores it: the form, sent at `at`."""

    clock.now = at
    reply = submit(dispatcher, {"activity": code, "status": status, "summary": summary,
                                **fields}, person)
    assert not reply.is_error and reply.form is None, reply.plain_text()


def links(reply: Reply) -> list[str]:
    return [token for _kind, token in _LINK.findall(reply.plain_text())]


def export_file(dispatcher: Dispatcher, stores: StoreFactory, words: str,
                person: str = LINNEA) -> Attachment:
    """The file behind the link that `export …` answers with."""

    reply = say(dispatcher, words, person)
    assert not reply.is_error, reply.plain_text()
    [token] = links(reply)
    with stores() as store:
        file = open_export(store, token, Options(), dispatcher.clock())
    assert isinstance(file, Attachment), file
    return file


def extract_files(dispatcher: Dispatcher, stores: StoreFactory,
                  person: str = LINNEA) -> dict[str, Attachment]:
    """The register extract behind each link `mina-data` answers with, by extension."""

    found: dict[str, Attachment] = {}
    for token in links(say(dispatcher, "mina-data", person)):
        with stores() as store:
            file = open_extract(store, token, Options(), dispatcher.clock())
        assert isinstance(file, Attachment), file
        found[file.filename.rsplit(".", 1)[1]] = file
    return found


def stored_updates(engine: Engine) -> list[mu.Update]:
    with Session(engine) as session:
        return list(session.scalars(select(mu.Update).order_by(mu.Update.id)))


def update_count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(mu.Update)) or 0)
