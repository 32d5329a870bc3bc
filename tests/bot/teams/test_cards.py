"""Replies as Adaptive Cards: under Teams' 28 KB, nothing dropped, user text shown as text."""

from __future__ import annotations

import json
import re

from bot.runtime import Runtime
from bot.teams.cards import MESSAGE_LIMIT, reply_cards, wire_size
from handlers.messages import Fields, Paragraph, Reply, Table
from scheduler.messenger import Target
from tests.bot.teams.support import (
    ARBETS,
    SV,
    Teams,
    drive,
    install_in,
    teams_messenger,
)
from tests.fakes import VirtualTime
from tests.fakes.bf_connector import FakeBotFramework

# --- cards under 28 KB ---------------------------------------------------------------------------


def long_status() -> Reply:
    """A status report far bigger than one Teams message: 300 activities, long texts."""

    rows = tuple(
        (f"AKT-{n}", f"Aktivitet {n} med en lång titel om samverkan och uppföljning åäö " * 2,
         "pågår enligt plan", f"Senaste lägesrapport för aktivitet {n}: " + "text " * 40)
        for n in range(300)
    )
    return Reply(
        heading="Status för handlingsplanen",
        blocks=(
            Paragraph("Inledning. " * 400),
            Fields(tuple((f"Målområde {n}", f"{n} aktiviteter") for n in range(60))),
            Table(("Kod", "Aktivitet", "Status", "Senast"), rows),
            Paragraph("En cell som inte får plats: " + "ord " * 3000),
        ),
    )


def test_a_long_status_is_split_into_cards_under_28_kb_and_nothing_is_dropped() -> None:
    reply = long_status()
    cards = reply_cards(reply)
    assert len(cards) > 5
    assert all(wire_size(card) < MESSAGE_LIMIT - 2048 for card in cards)
    shown = "\n".join(json.dumps(card, ensure_ascii=False) for card in cards)
    for row in reply.blocks[2].rows:  # type: ignore[union-attr]
        for cell in row:
            assert cell.strip().split(" ")[0] in shown
    words = sum(len(re.findall(r"\bord\b", json.dumps(card, ensure_ascii=False)))
                for card in cards)
    assert words == 3000
    assert cards[1]["body"][0]["text"].endswith(f"(2/{len(cards)})")


def test_the_biggest_replies_reach_teams_as_cards_teams_accepts(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    install_in(runtime, fake, ARBETS)

    async def scenario(teams: Teams) -> None:
        for text in ("hjälp", "hem", "status", "rapportera"):
            assert (await teams.say(text))[0].status == 201

    drive(runtime, fake, scenario)
    # The status report's chart (about 50 KB) cannot go in a Teams message: said so.
    assert any(SV("teams.attachments_not_shown", files="").split("(")[0] in c.text
               for c in fake.messages())
    virtual = VirtualTime()
    messenger = teams_messenger(runtime, fake, virtual)
    messenger.send(Target("channel", "teams", ARBETS), long_status())
    assert fake.calls_of(ok=False) == []  # the fake refuses anything over 28 KB with 413
    assert len(fake.messages(ARBETS)) == len(reply_cards(long_status()))
    assert all(len(json.dumps(c.body)) < MESSAGE_LIMIT for c in fake.messages())
