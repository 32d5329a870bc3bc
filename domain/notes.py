"""Meeting notes: decisions (beslut) and next steps (nästa steg), read at the next meeting.

A meeting is identified here by its group and its date (Europe/Stockholm); where the
calendar knows the meeting, its id (`<series>:<date>`) is kept too.

`nästa-steg <text> [ansvarig <org>] [senast <datum>]`: the keywords are recognised from the
first one that follows at least one word of text; text that must contain a keyword is put in
quotes (`nästa-steg "Utse ansvarig för X" ansvarig GR`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Literal

from domain.text import fold
from domain.updates import TextRule, UpdateInputError

NextStepStatus = Literal["open", "done"]

NOTE_RULES: Final[dict[str, TextRule]] = {
    "decision": TextRule(1000, required=True),
    "next_step": TextRule(500, required=True),
}

_RESPONSIBLE: Final = frozenset({"ansvarig", "ansvar", "responsible", "owner"})
_DUE: Final = frozenset({"senast", "due", "deadline"})
_DONE: Final = frozenset({"klar", "klart", "done", "stang", "close"})


@dataclass(frozen=True)
class Decision:
    number: int
    uid: str
    group_id: str
    meeting_date: date
    text: str
    author_id: str
    created_at: datetime
    meeting_id: str | None = None


@dataclass(frozen=True)
class NextStep:
    number: int
    uid: str
    group_id: str
    meeting_date: date
    text: str
    author_id: str
    created_at: datetime
    responsible_org_id: str | None = None
    due: date | None = None
    status: NextStepStatus = "open"
    closed_by: str | None = None
    closed_at: datetime | None = None
    meeting_id: str | None = None


def _keyword(word: str) -> Literal["responsible", "due"] | None:
    key = fold(word).rstrip(":")
    if key in _RESPONSIBLE:
        return "responsible"
    if key in _DUE:
        return "due"
    return None


def is_done_word(word: str) -> bool:
    return fold(word) in _DONE


@dataclass(frozen=True)
class NextStepWords:
    text: str
    responsible: str | None = None
    due: str | None = None


def split_next_step(words: Sequence[str]) -> NextStepWords:
    """The text, the responsible organisation's words and the due date's words.

    Raises `UpdateInputError` with `field` set to `responsible` or `due` when a keyword has
    no value or comes twice.
    """

    start = next(
        (index for index, word in enumerate(words) if index > 0 and _keyword(word)), len(words)
    )
    values: dict[str, list[str]] = {}
    current: str | None = None
    for word in words[start:]:
        keyword = _keyword(word)
        if keyword is not None:
            if keyword in values:
                raise UpdateInputError("repeated", field=keyword)
            values[keyword] = []
            current = keyword
            continue
        assert current is not None
        values[current].append(word)
    for name, value in values.items():
        if not value:
            raise UpdateInputError("missing_value", field=name)
    responsible = values.get("responsible")
    due = values.get("due")
    return NextStepWords(
        " ".join(words[:start]),
        " ".join(responsible) if responsible else None,
        " ".join(due) if due else None,
    )
