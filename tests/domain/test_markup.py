"""Echoed user text cannot mention @channel, @here or a person on Teams.

(Slack's escaping is its door's own: tests/bot/slack/test_escaping.py.)
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.markup import WORD_JOINER, escape_teams_text

# Bare mentions, and Teams' mention tag.
BARE_MENTION = re.compile(r"(?<![\w.%+\-])[@＠](channel|here|everyone|U[A-Z0-9]+|\w+)")


@pytest.mark.parametrize(
    "text",
    ["@channel titta", "hej @here", "@everyone", "(@channel)", "@U0VGR0001", "＠channel"],
)
def test_bare_mentions_are_neutralised(text: str) -> None:
    escaped = escape_teams_text(text)
    assert BARE_MENTION.search(escaped) is None, escaped
    # It still reads the same to a person.
    assert escaped.replace(WORD_JOINER, "") == text


def test_teams_mention_tags_and_html_are_defused() -> None:
    assert escape_teams_text("<at>Cecilia</at> & <b>fet</b>") == (
        "&lt;at&gt;Cecilia&lt;/at&gt; &amp; &lt;b&gt;fet&lt;/b&gt;"
    )
    assert "<at>" not in escape_teams_text("<at>General</at>")


def test_email_addresses_are_left_alone() -> None:
    text = "Skriv till anna.svensson@vgregion.se"
    assert escape_teams_text(text) == text


@given(st.text(max_size=200))
def test_nothing_survives_escaping(text: str) -> None:
    escaped = escape_teams_text(text)
    assert "<" not in escaped and ">" not in escaped
    assert BARE_MENTION.search(escaped) is None
