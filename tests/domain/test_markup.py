"""Echoed user text cannot mention @channel, @here or a person on Slack (Teams: its door's
`tests/bot/teams/test_cards.py`)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.markup import WORD_JOINER, escape_slack_mrkdwn

# What Slack turns into a mention or a link in mrkdwn.
SLACK_SPECIAL = re.compile(r"<[!@#]|<https?:|<mailto:")
# Bare mentions Slack parses in text sent without `verbatim`, and Teams' mention tag.
BARE_MENTION = re.compile(r"(?<![\w.%+\-])[@＠](channel|here|everyone|U[A-Z0-9]+|\w+)")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!channel> kom hit", "&lt;!channel&gt; kom hit"),
        ("<!here>", "&lt;!here&gt;"),
        ("<!everyone>", "&lt;!everyone&gt;"),
        ("hej <@U0VGR0001>", "hej &lt;@U0VGR0001&gt;"),
        ("<#C0ARBETS01>", "&lt;#C0ARBETS01&gt;"),
        ("<!subteam^S123>", "&lt;!subteam^S123&gt;"),
        ("<https://evil.example|klicka>", "&lt;https://evil.example|klicka&gt;"),
        ("A & B", "A &amp; B"),
        ("&lt;!channel&gt;", "&amp;lt;!channel&amp;gt;"),
        ("vanlig text", "vanlig text"),
    ],
)
def test_slack_special_sequences_are_defused(text: str, expected: str) -> None:
    # (An @ inside gets the invisible word joiner as well; it changes nothing a person sees.)
    assert escape_slack_mrkdwn(text).replace(WORD_JOINER, "") == expected


@pytest.mark.parametrize(
    "text",
    ["@channel titta", "hej @here", "@everyone", "(@channel)", "@U0VGR0001", "＠channel"],
)
def test_bare_mentions_are_neutralised(text: str) -> None:
    escaped = escape_slack_mrkdwn(text)
    assert BARE_MENTION.search(escaped) is None, escaped
    # It still reads the same to a person.
    assert escaped.replace(WORD_JOINER, "") == text


def test_email_addresses_are_left_alone() -> None:
    text = "Skriv till anna.svensson@vgregion.se"
    assert escape_slack_mrkdwn(text) == text


@given(st.text(max_size=200))
def test_nothing_survives_escaping(text: str) -> None:
    escaped = escape_slack_mrkdwn(text)
    assert "<" not in escaped and ">" not in escaped
    assert SLACK_SPECIAL.search(escaped) is None
    assert BARE_MENTION.search(escaped) is None
