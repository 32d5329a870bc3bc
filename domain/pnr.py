"""Guard against Swedish personal identity numbers in free text.

The bot must never store or forward a personnummer or samordningsnummer, so incoming
text is checked with ``contains_identity_number`` and anything logged goes through
``redact``.

A candidate is ``YYMMDD`` or ``YYYYMMDD``, an optional separator (``-``, ``+``, a space,
or a typographic dash / no-break space that phones and word processors substitute), then
four digits. It is reported only if:

* it is not part of a longer digit run (a digit directly before or after disqualifies it),
* the last digit is a valid Luhn check digit over the ten-digit ``YYMMDDNNNC`` form,
* the month is 01-12 and the day is valid for that month, or is that day + 60
  (samordningsnummer),
* in the twelve-digit form the century is 18, 19 or 20 and the full date exists; in the
  ten-digit form any century is assumed, so ``29`` February is allowed when YY % 4 == 0.

Organisationsnummer (``556036-0793``) have a "month" of 20 or more and so never pass.
Phone numbers and other ten-digit runs can pass by coincidence when their digits happen to
form a date and a valid check digit; that is accepted, because refusing a harmless message
costs far less than storing a real number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

__all__ = [
    "REDACTION_MASK",
    "Finding",
    "IdentityKind",
    "contains_identity_number",
    "find_identity_numbers",
    "redact",
]

IdentityKind = Literal["personnummer", "samordningsnummer"]

# Same shape for both kinds and both lengths, so a redacted log reveals nothing about
# the number beyond the fact that one was there.
REDACTION_MASK: Final = "XXXXXX-XXXX"

_SAMORDNING_DAY_OFFSET: Final = 60
_ACCEPTED_CENTURIES: Final = frozenset({18, 19, 20})

# \d (not [0-9]) on purpose: full-width digits from some keyboards must not slip past.
# Separators: hyphen, plus, space, no-break space, U+2010..U+2015 dashes, minus sign.
_CANDIDATE_RE: Final = re.compile(
    r"(?<!\d)(?P<century>\d{2})?(?P<birth>\d{6})"
    r"[-+ \u00a0\u2010-\u2015\u2212]?"
    r"(?P<tail>\d{4})(?!\d)"
)


@dataclass(frozen=True)
class Finding:
    """An identity number at ``text[start:end]``."""

    start: int
    end: int
    kind: IdentityKind


def _digits(text: str) -> list[int]:
    return [int(ch) for ch in text]


def _luhn_valid(digits: Sequence[int]) -> bool:
    total = 0
    for index, digit in enumerate(digits):
        product = digit * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return total % 10 == 0


def _classify(century: str | None, birth: str, tail: str) -> IdentityKind | None:
    birth_digits = _digits(birth)
    if not _luhn_valid(birth_digits + _digits(tail)):
        return None
    yy = birth_digits[0] * 10 + birth_digits[1]
    month = birth_digits[2] * 10 + birth_digits[3]
    day = birth_digits[4] * 10 + birth_digits[5]

    kind: IdentityKind = "personnummer"
    if day > _SAMORDNING_DAY_OFFSET:
        kind = "samordningsnummer"
        day -= _SAMORDNING_DAY_OFFSET

    if century is None:
        # 20yy is a leap year exactly when some century makes yy a leap year.
        year = 2000 + yy
    else:
        century_value = int(century)
        if century_value not in _ACCEPTED_CENTURIES:
            return None
        year = century_value * 100 + yy
    try:
        date(year, month, day)
    except ValueError:
        return None
    return kind


def find_identity_numbers(text: str) -> list[Finding]:
    """All personnummer and samordningsnummer in ``text``, in order of position."""
    findings: list[Finding] = []
    # Non-overlapping matching hides nothing: inside a rejected candidate only the four
    # digits after its separator start at a non-digit, and they are followed by a
    # non-digit, too short to begin another number.
    for match in _CANDIDATE_RE.finditer(text):
        kind = _classify(match["century"], match["birth"], match["tail"])
        if kind is not None:
            findings.append(Finding(match.start(), match.end(), kind))
    return findings


def contains_identity_number(text: str) -> bool:
    return bool(find_identity_numbers(text))


def redact(text: str) -> str:
    """``text`` with every identity number replaced by ``REDACTION_MASK``."""
    parts: list[str] = []
    position = 0
    for finding in find_identity_numbers(text):
        parts.append(text[position : finding.start])
        parts.append(REDACTION_MASK)
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)
