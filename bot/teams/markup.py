"""Text in Teams cards is shown as text: no mention, no link, no markup from what was typed.

An Adaptive Card's `TextBlock` (and a `FactSet`'s title and value) is read as Markdown by
Teams: `**bold**`, `_italic_`, `- ` and `1. ` lists, `[label](url)` links; HTML tags are not
rendered, and the entities `&amp;`, `&lt;`, `&gt;` are shown as the characters they stand for.
A text someone typed (an update's summary, a decision, a next step) reaches other people's
cards (summaries, status, reminders), so it must not carry a disguised link (`[Klicka för att
logga in](https://…)`), a mention (`<at>…</at>`, `@channel`) or formatting into them.

`markdown_text` makes any text safe for those fields, the bot's own texts and the database's
alike (the catalogs hold no markup):

- `&`, `<`, `>` become entities, so no tag (and no `<at>` mention, no `<https://…>` autolink)
  can be formed; an `@` that starts a word gets an invisible word joiner (U+2060) after it, so
  `@channel` still reads `@channel` but mentions no one.
- The Markdown characters get CommonMark's backslash escape: `\\`, `` ` ``, `*`, `_`, `[`, `]`,
  `~`, `|` anywhere, and a list or heading marker (`-`, `+`, `=`, `#`, `1.`, `1)`) at the
  start of a line. A backslash before ASCII punctuation is not shown, so the text reads as
  typed; `[label](url)` is no longer a link but its visible text.
- A URL is a live link only when it is the bot's own (`PUBLIC_BASE_URL`: calendar, download
  and register-extract links, which the bot itself makes). Any other URL is defused with a
  word joiner between its scheme and `//` (and after `www`), so that neither Markdown nor
  Teams' link detection takes it for one; it still reads the same.

`plain_text` is for fields Teams shows as they are (input labels, choice and button titles, a
message's notification summary): entities and mentions only, since a backslash there would
be shown. An input's prefilled `value` is neither: it comes back as it was when submitted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

WORD_JOINER: Final = "\u2060"

# An @ that begins a word: not preceded by a letter, digit or the characters of an e-mail
# address's local part, and followed by something a mention could be made of. Full-width ＠
# (U+FF20) and the small commercial at (U+FE6B) are treated the same.
_MENTION_AT: Final = re.compile(r"(?<![\w.%+\-])([@\uff20\ufe6b])(?=[\w!#^])")
# Markdown read anywhere in a line.
_INLINE: Final = re.compile(r"([\\`*_\[\]~|])")
# Markdown read at the start of a line: list items, headings, setext underlines.
_LINE_START: Final = re.compile(
    r"^([ \t]*)(?:([-+=#])(?=[ \t\-=#]|$)|(\d{1,9})([.)])(?=[ \t]|$))", re.MULTILINE
)
# What a link detector takes for a link: a scheme and its `//` (or `mailto:`), or `www.`.
_URL: Final = re.compile(r"\b(?:[a-z][a-z0-9+.\-]*://|mailto:|www\.)[^\s<>\"]*", re.IGNORECASE)
_SCHEME: Final = re.compile(r"^([a-z][a-z0-9+.\-]*:)(//)|^(mailto)(:)|^(www)(\.)", re.IGNORECASE)


def _entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _mentions(text: str) -> str:
    return _MENTION_AT.sub(lambda m: m.group(1) + WORD_JOINER, text)


def _line_start(match: re.Match[str]) -> str:
    indent, mark, number, dot = match.groups()
    return f"{indent}\\{mark}" if mark else f"{indent}{number}\\{dot}"


def _inline(text: str) -> str:
    return _mentions(_entities(_INLINE.sub(r"\\\1", text)))


def _defuse_url(url: str) -> str:
    return _SCHEME.sub(lambda m: WORD_JOINER.join(g for g in m.groups() if g), url, count=1)


def plain_text(text: str) -> str:
    """For fields Teams shows without Markdown: no tag, no entity trick, no mention."""

    return _mentions(_entities(text))


@dataclass(frozen=True)
class TeamsMarkup:
    """How text goes into a card. `own_url`: the bot's public address; links under it stay
    live. Without one, no URL in a card is a link (the reminders carry none)."""

    own_url: str = ""

    def is_own(self, url: str) -> bool:
        base = self.own_url.rstrip("/")
        return bool(base) and (url == base or url.startswith((base + "/", base + "?")))

    def markdown_text(self, text: str) -> str:
        """For a `TextBlock` or a fact: shown as the text it is, the bot's own links live."""

        out: list[str] = []
        position = 0
        for match in _URL.finditer(text):
            url = match.group(0)
            out.append(_inline(text[position:match.start()]))
            out.append(url if self.is_own(url) else _inline(_defuse_url(url)))
            position = match.end()
        out.append(_inline(text[position:]))
        # A URL starts with a letter, so no line-start marker is ever inside one.
        return _LINE_START.sub(_line_start, "".join(out))


PLAIN_MARKUP: Final = TeamsMarkup()
