"""What the calendar tests share: the example installation at a fixed moment, and helpers.

Tuesday 24 November 2026, 09:00 in Stockholm, the example configuration synced (SQLite, and
PostgreSQL where it answers). Each test module declares its own `clock`, `stores` and `bot`
fixtures, so a module's fixtures never leak into another's.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.dispatch import Dispatcher
from app.i18n import translator
from app.messages import Command, Fields, Reply, Table, Text
from app.schedule_text import schedule_of
from domain.calendar import STOCKHOLM
from domain.schedule import Meeting
from storage import models as m
from storage import models_calendar as mc
from storage.repositories import StoreFactory

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # 09:00 in Stockholm
ADMIN = "johan.wikstrom"  # administrator; VGR; member of arbetsgrupp and vgr-arbetsgrupp
MEMBER = "amir.haddad"  # not an administrator; GR; member of arbetsgrupp and kf-arbetsgrupp
SV = translator("sv")
EN = translator("en")
GROUPS = ("arbetsgrupp", "chefsgrupp", "kf-arbetsgrupp", "vgr-arbetsgrupp")
FEED_LINK = re.compile(r"http://127\.0\.0\.1:3978/kalender/([A-Za-z0-9_-]{16,64})\.ics")


def say(bot: Dispatcher, text: str, person: str = ADMIN, locale: str | None = None) -> Reply:
    return bot.handle(Command(platform="console", user_id=person, text=text, locale=locale))


def ok(bot: Dispatcher, text: str, person: str = ADMIN, locale: str | None = None) -> Reply:
    reply = say(bot, text, person, locale)
    assert not reply.is_error, reply.plain_text()
    return reply


def error_text(reply: Reply) -> str:
    assert reply.is_error, reply.plain_text()
    assert len(reply.blocks) == 1 and isinstance(reply.blocks[0], Text)
    return reply.blocks[0].text


def table(reply: Reply) -> Table:
    tables = [b for b in reply.blocks if isinstance(b, Table)]
    assert len(tables) == 1, reply.plain_text()
    return tables[0]


def fields(reply: Reply) -> dict[str, str]:
    found = [b for b in reply.blocks if isinstance(b, Fields)]
    assert len(found) == 1, reply.plain_text()
    return dict(found[0].items)


def schedule(stores: StoreFactory, group_id: str) -> list[Meeting]:
    with stores() as store:
        return schedule_of(store, group_id)


def meeting(stores: StoreFactory, meeting_id: str) -> Meeting:
    group_id = {"manadsmote": "arbetsgrupp", "chefsmoten": "chefsgrupp"}[meeting_id.split(":")[0]]
    return next(x for x in schedule(stores, group_id) if x.id == meeting_id)


def all_schedules(stores: StoreFactory) -> dict[str, list[Meeting]]:
    return {group_id: schedule(stores, group_id) for group_id in GROUPS}


def conveners(stores: StoreFactory, group_id: str) -> dict[str, str | None]:
    return {x.local_date.isoformat(): x.convener_org for x in schedule(stores, group_id)}


def stored_changes(engine: Engine) -> list[mc.ScheduleChange]:
    with Session(engine) as session:
        return list(session.scalars(select(mc.ScheduleChange).order_by(mc.ScheduleChange.id)))


def audit(engine: Engine) -> list[tuple[str | None, str, str]]:
    with Session(engine) as session:
        rows = session.scalars(select(m.AuditLog).order_by(m.AuditLog.id))
        return [(row.actor_id, row.action, row.outcome) for row in rows]


def only_change(engine: Engine, **expected: Any) -> mc.ScheduleChange:
    """The one stored change, with `expected` column values."""

    rows = stored_changes(engine)
    assert len(rows) == 1
    row = rows[0]
    for name, value in expected.items():
        assert getattr(row, name) == value, name
    assert row.created_at == NOW
    return row


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=STOCKHOLM)
