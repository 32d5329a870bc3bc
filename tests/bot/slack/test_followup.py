"""The plan's follow-up through Slack: the same words, the same refusals, nothing changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from bot.runtime import Runtime
from tests.bot.slack.support import LINNEA, Slack, drive, row_counts, texts
from tests.fakes.slack_api import FakeSlackApi


def done_at(engine: Engine, milestone: str) -> Any:
    with engine.connect() as connection:
        return connection.scalar(text("SELECT done_at FROM milestones WHERE id = :id"),
                                 {"id": milestone})


def test_milestones_are_listed_and_a_non_owner_is_refused_in_swedish(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    before = row_counts(runtime.engine)

    async def scenario(slack: Slack) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        await slack.command(LINNEA, "milstolpar", name="list")
        await slack.command(LINNEA, "milstolpe klar sro-mars-2027", name="done")
        await slack.command(LINNEA, "uppföljning 2031", name="year")
        return (await slack.answer("list"), await slack.answer("done"),
                await slack.answer("year"))

    listed, refused, future = drive(runtime, fake, scenario)
    assert "sro-mars-2027" in texts(listed["blocks"])
    # Linnéa is Fyrbodal's; the SRO material is VGR's and GR's.
    assert "Bara VGR, GR (eller en administratör) kan markera milstolpen sro-mars-2027" in texts(
        refused["blocks"])
    assert "2031 har inte börjat än" in texts(future["blocks"])
    assert done_at(runtime.engine, "sro-mars-2027") is None
    counts = row_counts(runtime.engine)
    # Nothing stored but the delivery ids and the refusal's audit entry.
    assert counts["audit_log"] == before["audit_log"] + 1
    changed = {k for k in counts if counts[k] != before[k]}
    assert changed == {"audit_log", "processed_deliveries"}
