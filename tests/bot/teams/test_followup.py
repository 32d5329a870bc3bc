"""The plan's follow-up through Teams: the same words, the same refusals, nothing changed."""

from __future__ import annotations

from sqlalchemy import text

from bot.runtime import Runtime
from tests.bot.teams.support import Answer, Teams, drive
from tests.fakes.bf_connector import FakeBotFramework


def test_a_non_owner_is_refused_and_an_unknown_milestone_named_in_swedish(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    async def scenario(teams: Teams) -> list[Answer]:
        answers = []
        for words in ("milstolpe klar sro-mars-2027", "milstolpe klar sro-maj", "uppföljning"):
            answer, _ = await teams.say(words)
            answers.append(answer)
        return answers

    assert all(a.status == 200 for a in drive(runtime, fake, scenario))
    refused, unknown, follow_up = fake.messages()
    assert "Bara VGR, GR (eller en administratör)" in refused.text
    assert "Det finns ingen milstolpe ”sro-maj”" in unknown.text
    assert "sro-mars-2027" in unknown.text
    assert "Uppföljning av handlingsplanen" in follow_up.text
    with runtime.engine.connect() as connection:
        assert connection.scalar(text(
            "SELECT count(*) FROM milestones WHERE done_at IS NOT NULL")) == 0
