"""Text shown as text in Slack: no mention, link or markup that the text itself brings.

A `Reply` holds plain text (what a person typed among it); Slack reads `mrkdwn`. So every
`mrkdwn` text object the door sends is made here:

- `&`, `<` and `>` become entities, as Slack asks. That defuses `<!channel>`, `<!here>`,
  `<@U…>`, `<#C…>`, `<!subteam^…>`, `<!date^…>` and `<url|label>` links.
- It is sent with `verbatim: true`, so that Slack does not turn bare URLs, `#channel` names or
  `@here` into links and mentions by itself; a bare `@` that starts a word also gets an
  invisible word joiner (U+2060) after it, for clients that would parse it anyway.
- Slack's formatting characters (`*bold*`, `_italic_`, `~strike~`, `` `code` ``, `>` quotes)
  have no escape in `mrkdwn`: each gets a word joiner before it. Slack formats only at word
  boundaries, so a character glued to the one before it no longer opens or closes a span,
  and three backticks no longer end a code block. It still reads the same.

The only live links are the bot's own (calendar feeds, downloads, register extracts), which
start with the installation's `PUBLIC_BASE_URL`: they are written as `<url>` explicitly.
E-mail addresses are left as they are (their `@` follows a letter).
"""

from __future__ import annotations

import re
from typing import Any, Final

WORD_JOINER: Final = "\u2060"

# An @ that begins a word: not after a letter, digit or an e-mail address's local part, and
# followed by something a mention could be made of. Full-width ＠ (U+FF20) and the small
# commercial at (U+FE6B) are treated the same.
_MENTION_AT: Final = re.compile(r"(?<![\w.%+\-])([@\uff20\ufe6b])(?=[\w!#^])")
# What formats text in mrkdwn (after `>` became `&gt;`).
_FORMATTING: Final = re.compile(r"([*_~`]|&gt;)")
# A URL ends at white space or at what Slack's own link syntax would need escaped.
_URL_END: Final = r"[^\s<>]*"


def escape(text: str) -> str:
    """Plain text as `mrkdwn` that shows exactly it: no mention, link or formatting."""

    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MENTION_AT.sub(lambda m: m.group(1) + WORD_JOINER, text)
    return _FORMATTING.sub(lambda m: WORD_JOINER + m.group(1), text)


def _own_links(base_url: str | None) -> re.Pattern[str] | None:
    base = (base_url or "").rstrip("/")
    if not base.startswith(("https://", "http://")):
        return None
    return re.compile(re.escape(base) + r"/" + _URL_END)


class Mrkdwn:
    """Escapes a reply's text for Slack; links under `base_url` stay links."""

    def __init__(self, base_url: str | None = None) -> None:
        self._links = _own_links(base_url)

    def __call__(self, text: str) -> str:
        if self._links is None:
            return escape(text)
        out: list[str] = []
        position = 0
        for link in self._links.finditer(text):
            out.append(escape(text[position:link.start()]))
            url = link.group(0).replace("&", "&amp;")
            out.append(f"<{url}>")
            position = link.end()
        out.append(escape(text[position:]))
        return "".join(out)

    def text(self, text: str) -> dict[str, Any]:
        """A `mrkdwn` text object that Slack shows as it is."""

        return {"type": "mrkdwn", "text": text, "verbatim": True}
