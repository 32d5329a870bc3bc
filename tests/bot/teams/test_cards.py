"""Replies as Adaptive Cards: under Teams' 28 KB, nothing dropped, user text shown as text."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.messages import Fields, Reply, Table, Text
from bot.runtime import Runtime
from bot.teams.cards import MESSAGE_LIMIT, reply_cards, wire_size
from bot.teams.markup import WORD_JOINER, TeamsMarkup, plain_text
from scheduler.messenger import Target
from tests.bot.teams.support import (
    ARBETS,
    SV,
    Teams,
    drive,
    install_in,
    stored_updates,
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
            Text("Inledning. " * 400),
            Fields(tuple((f"Målområde {n}", f"{n} aktiviteter") for n in range(60))),
            Table(("Kod", "Aktivitet", "Status", "Senast"), rows),
            Text("En cell som inte får plats: " + "ord " * 3000),
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
            assert (await teams.say(text))[0].status == 200

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


# --- text someone typed is shown as text -------------------------------------------------------

OWN = "https://samverkan.example.org"
MARKUP = TeamsMarkup(OWN)
PHISH = "[Klicka för att logga in](https://evil.example/login)"
TYPED = f"{PHISH} **brådskande** _nu_ <at>Alla</at> @channel www.evil.example"
HENRIK = "00000000-0000-4000-8000-000000000203"  # a member of Arbetsgruppen, like Linnéa

# What a Markdown renderer (CommonMark, as Adaptive Cards' TextBlock) makes a link, emphasis
# or a list of; and a link a link detector finds.
LIVE_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")
EMPHASIS = re.compile(r"(?<![\\*])\*\*?[^\s*]|(?<![\\\w])_[^\s_]")
LIST_OR_HEADING = re.compile(r"^[ \t]*(?:[-+#]|\d+[.)])(?:[ \t]|$)", re.MULTILINE)
DETECTED_URL = re.compile(r"[a-z][a-z0-9+.\-]*://|www\.", re.IGNORECASE)
ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: backslash before ASCII punctuation


def shown(escaped: str) -> str:
    """What a person reads: backslash escapes and entities resolved, word joiners invisible."""

    return html.unescape(ESCAPE.sub(r"\1", escaped)).replace(WORD_JOINER, "")


@pytest.mark.parametrize(("typed", "expected"), [
    (PHISH, r"\[Klicka för att logga in\](https:" + WORD_JOINER + "//evil.example/login)"),
    ("**fet** och _kursiv_ ~~struken~~", r"\*\*fet\*\* och \_kursiv\_ \~\~struken\~\~"),
    ("- punkt\n1. ett\n  2) två\n# rubrik\n---",
     "\\- punkt\n1\\. ett\n  2\\) två\n\\# rubrik\n\\---"),
    ("<at>Cecilia</at> & <b>fet</b>", "&lt;at&gt;Cecilia&lt;/at&gt; &amp; &lt;b&gt;fet&lt;/b&gt;"),
    ("@channel titta", "@" + WORD_JOINER + "channel titta"),
    ("se www.evil.example", "se www" + WORD_JOINER + ".evil.example"),
    ("Skriv till anna.svensson@vgregion.se", "Skriv till anna.svensson@vgregion.se"),
    ("2026-09-15 kl 10, 1.5 miljoner, -5 grader", "2026-09-15 kl 10, 1.5 miljoner, -5 grader"),
    (f"Ladda ner: {OWN}/export/Ab_c-D9\nLänken gäller", f"Ladda ner: {OWN}/export/Ab_c-D9\n"
     "Länken gäller"),
    (f"{OWN}.evil.example/export/x", "https:" + WORD_JOINER + "//samverkan.example.org.evil"
     ".example/export/x"),
])
def test_typed_markup_is_escaped_and_only_the_bots_own_links_stay(typed: str, expected: str
                                                                   ) -> None:
    assert MARKUP.markdown_text(typed) == expected
    assert shown(MARKUP.markdown_text(typed)) == typed


@given(st.text(max_size=200))
def test_nothing_typed_survives_as_markup_and_it_reads_as_typed(typed: str) -> None:
    escaped = MARKUP.markdown_text(typed)
    assert "<" not in escaped and ">" not in escaped
    assert LIVE_LINK.search(escaped) is None
    assert EMPHASIS.search(escaped) is None
    assert LIST_OR_HEADING.search(escaped) is None
    assert DETECTED_URL.search(escaped) is None or OWN in typed
    assert re.search(r"(?<![\w.%+\-])[@＠﹫]\w", escaped) is None
    assert shown(escaped) == typed


def test_plain_fields_lose_tags_and_mentions_but_show_no_backslash() -> None:
    assert plain_text("Kommun & region <at>Alla</at> @here **x**") == (
        "Kommun &amp; region &lt;at&gt;Alla&lt;/at&gt; @" + WORD_JOINER + "here **x**")


def test_a_typed_link_reaches_another_members_summary_as_text(
    runtime: Runtime, fake: FakeBotFramework
) -> None:
    async def scenario(teams: Teams) -> None:
        answer, _ = await teams.say(f"rapportera VIP-1 pågår {TYPED}")
        assert answer.status == 200
        fake.calls.clear()
        answer, _ = await teams.say("sammanfattning", channel=ARBETS, mention=True,
                                    user=HENRIK, member="29:1henrik-sjoberg")
        assert answer.status == 200
        answer, _ = await teams.say("export status md")  # Linnéa, in her 1:1 chat
        assert answer.status == 200

    drive(runtime, fake, scenario)
    summary = "\n".join(t for call in fake.messages(ARBETS) for t in texts_of(call.cards))
    assert "Klicka för att logga in" in summary  # the update is in Henrik's summary
    assert LIVE_LINK.search(summary) is None and EMPHASIS.search(summary) is None
    assert DETECTED_URL.search(summary) is None and "<at>" not in summary
    (stored,) = stored_updates(runtime.engine)  # (Teams' own mention tag became its name)
    assert stored.startswith(PHISH) and stored in shown(summary)
    # The bot's own download link, in the same kind of card, is left as it is: a link.
    (export,) = [c for c in fake.messages() if c.conversation.startswith("a:")]
    (link,) = re.findall(rf"{re.escape(OWN)}/export/\S+", "\n".join(texts_of(export.cards)))
    assert WORD_JOINER not in link and "\\" not in link


def texts_of(node: Any) -> list[str]:
    """Every Markdown text in a card: TextBlocks' `text`, facts' `title` and `value`."""

    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "TextBlock":
            found.append(str(node["text"]))
        if node.get("type") == "FactSet":
            found.extend(str(f[k]) for f in node["facts"] for k in ("title", "value"))
        for value in node.values():
            found.extend(texts_of(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(texts_of(item))
    return found
