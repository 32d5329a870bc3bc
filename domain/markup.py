"""Escaping echoed user text for Teams' markup, so that no text can mention anyone.

The Teams door calls this when it renders a `Reply` (handlers never escape: a `Reply` holds
plain text, and the console shows it as it is). Slack's escaping is its door's own
(`bot.slack.mrkdwn`); Teams' is to move into its door as well (issue 16).

Teams (text, markdown, Adaptive Cards): `&`, `<` and `>` are escaped, which defuses the
`<at>…</at>` mention tag, and an `@` that starts a word gets an invisible word joiner (U+2060)
after it: it still reads `@channel`, but is no longer a mention. E-mail addresses (`a@b.se`)
are left alone: their `@` follows a letter.
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


def escape_teams_text(text: str) -> str:
    """User text made safe for a Teams message or an Adaptive Card `TextBlock`."""

    return _defuse_mentions(_escape_entities(text))
