"""What the update tests share: saying and submitting, and reading what was stored."""


from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, inspect, select, table
from sqlalchemy.orm import Session

from app.dispatch import Dispatcher
from app.i18n import translator
from app.messages import Command, Fields, FormField, FormSubmission, Reply, Text
from app.updates import FORM_ID
from storage import models as m
from storage import models_updates as mu

SV = translator("sv")
EN = translator("en")
LINNEA = "linnea.ek"
HENRIK = "henrik.sjoberg"
MALIN = "malin.hedlund"  # administrator
CECILIA = "cecilia.akerblom"
SOFIA = "sofia.marklund"  # English
PNR = "19121212-1212"
PNR_FORMS = (PNR, "191212121212", "121212-1212", "1212121212")
VIP_INDICATOR = "indicator:VIP-1:vip-inforandeplan"
SP1_INDICATOR = "indicator:SP-1:efterlevandestod-kommuner"


def say(dispatcher: Dispatcher, text: str, person: str = LINNEA, **kwargs: Any) -> Reply:
    return dispatcher.handle(Command(platform="console", user_id=person, text=text, **kwargs))


def valid(**changes: str) -> dict[str, str]:
    values = {
        "activity": "VIP-1", "status": "on_track", "summary": "Utbildningsdag genomförd",
        "next_steps": "Ny träff i oktober", "risks": "", VIP_INDICATOR: "2 st",
    }
    values.update(changes)
    return values


def submit(
    dispatcher: Dispatcher, values: dict[str, str], person: str = LINNEA, *, state: str = "",
    platform: str = "console", delivery_id: str | None = None, locale: str | None = None,
) -> Reply:
    return dispatcher.submit(FormSubmission(
        platform=platform, user_id=person, form_id=FORM_ID, values=values,  # type: ignore[arg-type]
        state=state, locale=locale, delivery_id=delivery_id,
    ))


def updates(engine: Engine) -> list[mu.Update]:
    with Session(engine) as session:
        return list(session.scalars(select(mu.Update).order_by(mu.Update.id)))


def versions(engine: Engine, number: int) -> list[mu.UpdateVersion]:
    with Session(engine) as session:
        return list(session.scalars(
            select(mu.UpdateVersion).where(mu.UpdateVersion.update_id == number)
            .order_by(mu.UpdateVersion.version)))


def audit(engine: Engine) -> list[tuple[str | None, str, str, str]]:
    with Session(engine) as session:
        return [(e.actor_id, e.action, e.outcome, e.detail)
                for e in session.scalars(select(m.AuditLog).order_by(m.AuditLog.id))]


def row_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            name: int(session.scalar(select(func.count()).select_from(table(name))) or 0)
            for name in inspect(engine).get_table_names()
        }


def all_stored_text(engine: Engine) -> str:
    """Every row of every table, as text: to prove a number is nowhere in the database."""

    parts: list[str] = []
    with engine.connect() as connection:
        for name in inspect(connection).get_table_names():
            rows = connection.exec_driver_sql(f'SELECT * FROM "{name}"')
            parts.extend(str(tuple(row)) for row in rows)
    return "\n".join(parts)


def fields_of(reply: Reply) -> dict[str, FormField]:
    assert reply.form is not None, reply
    return {f.id: f for f in reply.form.fields}


def field_items(reply: Reply) -> dict[str, str]:
    return {label: value for block in reply.blocks if isinstance(block, Fields)
            for label, value in block.items}


def text(reply: Reply) -> str:
    return reply.plain_text()


def only_text(reply: Reply) -> str:
    assert len(reply.blocks) == 1 and isinstance(reply.blocks[0], Text), reply
    return reply.blocks[0].text
