"""Text every file can hold: what XML 1.0 allows, without Unicode's non-characters.

Word and Excel files are XML: a character XML 1.0 cannot hold (C0 controls other than tab,
line feed and carriage return, the surrogates U+D800–U+DFFF, U+FFFE and U+FFFF) makes
python-docx and openpyxl refuse the whole file ("All strings must be XML compatible"). The
non-characters (U+FDD0–U+FDEF and the last two code points of every plane) are not meant for
interchange at all. None of them is anything a person meant to write, so they are removed:
where text comes in (the dispatcher, before any command or form sees it; `clean_text`),
and again in every file writer, for whatever was stored before.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

_RANGES: Final = (
    "\x00-\x08\x0b\x0c\x0e-\x1f"  # C0 controls but tab, line feed, carriage return
    "\ud800-\udfff"  # surrogates (a lone one can arrive as JSON's "\ud800")
    "\ufdd0-\ufdef"  # the non-character block
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
)
_UNSAFE: Final = re.compile(f"[{_RANGES}]")


def xml_safe(text: str) -> str:
    """The text without the characters a Word or Excel file cannot hold."""

    return _UNSAFE.sub("", text)


def first_unsafe(text: str) -> str | None:
    """The first such character as `U+FFFF`, for a message; None when there is none."""

    match = _UNSAFE.search(text)
    return f"U+{ord(match.group()):04X}" if match else None


def fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: `PÅGÅR  enligt` → `pagar enligt`, so that
    `hjalp` finds `hjälp` and a keyboard without å, ä, ö is understood.

    NFKD also turns decomposed input (a + combining ring) and full-width digits into plain forms.
    """

    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.split())
