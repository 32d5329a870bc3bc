"""Text a person typed is shown as text in Slack: no live link, mention or markup of theirs.

`bot.slack.mrkdwn` on its own (every text, by hypothesis), then through the real server: an
update full of Slack's special sequences, read back by another member in the summary.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.messages import Fields, Reply, Table, Text
from bot.runtime import Runtime
from bot.slack.blocks import reply_blocks, reply_messages
from bot.slack.mrkdwn import WORD_JOINER, Mrkdwn, escape
from tests.bot.slack.support import ARBETS, LINNEA, Slack, drive
from tests.fakes.slack_api import FakeSlackApi

JOHAN = "U0VGR0002"  # a member of Arbetsgruppen, as Linnéa is
BASE = "http://127.0.0.1:3978"  # PUBLIC_BASE_URL of the tests' runtime

# What Slack makes a mention or a link of in mrkdwn.
SPECIAL = re.compile(r"<[!@#]|<https?:|<mailto:|<tel:")
# Bare mentions some clients parse in text sent without `verbatim`.
BARE_MENTION = re.compile(r"(?<![\w.%+\-])[@＠](channel|here|everyone|U[A-Z0-9]+|\w+)")
# Slack's formatting characters (and a quote), not glued to what comes before them.
LOOSE_FORMATTING = re.compile(f"(?<!{WORD_JOINER})([*_~`]|&gt;)")

HOSTILE = ("<!channel> *Klart* _nu_ ~inte~ `kod` ```block``` > citat <@U0VGR0001> "
           "<#C0ARBETS01> <!subteam^S0VGR> <http://phish.example|Logga in> "
           "https://phish.example/login @here & mer")


def reads_as(escaped: str) -> str:
    """What a person reads: entities shown as characters, joiners invisible."""

    return html.unescape(escaped.replace(WORD_JOINER, ""))


def assert_shown_as_text(escaped: str, typed: str) -> None:
    assert "<" not in escaped and ">" not in escaped
    assert SPECIAL.search(escaped) is None and BARE_MENTION.search(escaped) is None
    assert LOOSE_FORMATTING.search(escaped) is None, escaped
    assert reads_as(escaped) == typed


@pytest.mark.parametrize("typed", [
    "<!channel> kom hit", "<!here>", "<!everyone>", "hej <@U0VGR0001>", "<#C0ARBETS01>",
    "<!subteam^S123>", "<!date^1392734382^{date}|då>", "<https://evil.example|klicka>",
    "A & B", "&lt;!channel&gt;", "*fet* _kursiv_ ~struken~ `kod`", "```\nblock\n```",
    "> citat", "@channel titta", "(@here)", "＠everyone", "vanlig text", HOSTILE,
])
def test_slacks_special_sequences_are_shown_as_typed(typed: str) -> None:
    assert_shown_as_text(escape(typed), typed)


@given(st.text(max_size=300))
def test_any_text_is_shown_as_typed(typed: str) -> None:
    assert_shown_as_text(escape(typed), typed)


def test_email_addresses_and_plain_words_are_left_alone() -> None:
    text = "Skriv till anna.svensson@vgregion.se om VIP-1"
    assert escape(text) == text


def test_only_the_bots_own_links_are_links() -> None:
    mrkdwn = Mrkdwn("https://samverkan.example.org")
    own = "https://samverkan.example.org/export/a_b-c~d.docx?x=1&y=2"
    shown = mrkdwn(f"Ladda ner: {own} (inte https://samverkan.example.org.evil.example/x "
                   "eller https://evil.example/samverkan.example.org/)")
    assert re.findall(r"<([^>]*)>", shown) == [own.replace("&", "&amp;")]
    assert "evil.example" in shown
    assert reads_as(re.sub(r"<([^>]*)>", r"\1", shown)).startswith(f"Ladda ner: {own}")
    assert Mrkdwn(None)(own) == escape(own) and "<" not in Mrkdwn("")(own)


def mrkdwn_objects(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            found.append(node)
        for value in node.values():
            found.extend(mrkdwn_objects(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(mrkdwn_objects(value))
    return found


def test_every_mrkdwn_text_is_verbatim_and_within_slacks_limits_once_escaped() -> None:
    """Escaping lengthens text (`&` is five characters): the limits hold for what is sent."""

    long = "&" * 5000 + "\n" + "<@U0VGR0001> " * 400
    reply = Reply("Rubrik", (Text(long), Fields((("Etikett *", long),)),
                             Table(("Kol",), (("`" * 4000,),))))
    blocks = reply_blocks(reply)
    objects = mrkdwn_objects(blocks)
    assert objects and all(o["verbatim"] is True for o in objects)
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    assert all(len(text) <= 3000 for text in sections)
    fields = [f["text"] for b in blocks for f in b.get("fields", [])]
    assert fields and all(len(text) <= 2000 for text in fields)
    shown = "".join(reads_as(t) for t in sections if not t.startswith("```"))
    assert shown.replace("\n", "") == long.replace("\n", "")  # split, never cut
    (message,) = reply_messages(reply)
    assert message["unfurl_links"] is False and message["unfurl_media"] is False
    assert "<" not in message["text"] and len(message["text"]) <= 3000


def test_an_update_full_of_slack_markup_reads_as_typed_in_another_members_summary(
    runtime: Runtime, fake: FakeSlackApi
) -> None:
    async def scenario(slack: Slack) -> tuple[dict[str, Any], dict[str, Any]]:
        await slack.command(LINNEA, f"rapportera VIP-1 pågår {HOSTILE}", name="report")
        await slack.answer("report")
        await slack.command(JOHAN, "sammanfattning arbetsgrupp", name="summary")
        await slack.command(JOHAN, "kalender arbetsgrupp", channel=ARBETS, name="calendar")
        return await slack.answer("summary"), await slack.answer("calendar")

    summary, calendar = drive(runtime, fake, scenario)
    objects = mrkdwn_objects(summary["blocks"])
    assert objects and all(o.get("verbatim") is True for o in objects)
    shown = "\n".join(o["text"] for o in objects)
    assert escape(HOSTILE) in shown  # Linnéa's words, as she typed them
    assert "<" not in shown and SPECIAL.search(shown) is None
    assert "<" not in summary["text"]
    # The bot's own link is the one live link.
    links = re.findall(r"<([^>|]*)>", "\n".join(o["text"] for o in mrkdwn_objects(calendar)))
    assert len(links) == 1 and links[0].startswith(f"{BASE}/kalender/")
