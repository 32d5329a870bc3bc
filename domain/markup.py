"""Escaping echoed user text for Slack's markup, so that no text can mention anyone.

The Slack door calls this when it renders a `Reply` (handlers never escape: a `Reply` holds
plain text, and the console shows it as it is). Teams' escaping is its door's own
(`bot/teams/markup.py`).

Slack (mrkdwn): `&`, `<` and `>` become entities, as Slack asks; that defuses `<!channel>`,
`<!here>`, `<!everyone>`, `<@U123>`, `<#C123>`, `<!subteam^…>` and `<url|label>` links. Slack
also parses bare `@channel`/`@here` in text sent without `verbatim`, so an `@` that starts a
word gets an invisible word joiner (U+2060) after it: it still reads `@channel`, but is no
longer a mention. E-mail addresses (`a@b.se`) are left alone: their `@` follows a letter.
"""

from __future__ import annotations

import re
from typing import Final

WORD_JOINER: Final = "\u2060"

# An @ that begins a word: not preceded by a letter, digit or the characters of an e-mail
# address's local part, and followed by something a mention could be made of. Full-width ＠
# (U+FF20) and the small commercial at (U+FE6B) are treated the same.
_MENTION_AT: Final = re.compile(r"(?<![\w.%+\-])([@\uff20\ufe6b])(?=[\w!#^])")


def _defuse_mentions(text: str) -> str:
    return _MENTION_AT.sub(lambda m: m.group(1) + WORD_JOINER, text)


def _escape_entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_slack_mrkdwn(text: str) -> str:
    """User text made safe for a Slack `mrkdwn` (or `plain_text`) field."""

    return _defuse_mentions(_escape_entities(text))
