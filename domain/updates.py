"""Activity updates (lägesrapporter): statuses, finding the activity, validation, indicator values.

Pure rules, no I/O and no clock: `now` is always an argument. Every refusal is an
`UpdateInputError` whose `code` the chat layer turns into words (`updates.error.<code>`), and
whose parameters never contain the refused text itself, so that nothing a user typed (a
personal identity number, say) can reach a log line or an audit row through an error.

Statuses: seven, in the words the groups use (seed 002: "Pågår enligt plan", "Är i uppstart",
…), each with English words, aliases and a traffic-light colour (`grey`, `green`, `yellow`,
`red`, `blue` = done). Matching is folded (case and diacritics ignored, `-` and `_` read as
spaces), so `pagar`, `PÅGÅR`, `on-track` and `on track` all work.

Indicator values are numbers in the indicator's unit: `12`, `12,5` (Swedish decimal comma),
`12.5`, `1 234`, optionally followed by the unit (`12 st`, `45 %`, `45 procent`). A comma is
always a decimal comma, never a thousands separator. Counts (unit `antal`, `st`, …) are whole
and not negative; percentages lie in 0–100.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal

from domain.plan import PlanActivity
from domain.pnr import contains_identity_number
from domain.text import fold, xml_safe

Colour = Literal["grey", "green", "yellow", "red", "blue"]

_SYMBOLS: Final[dict[str, str]] = {
    "grey": "⚪", "green": "🟢", "yellow": "🟡", "red": "🔴", "blue": "🔵",
}


class UpdateInputError(ValueError):
    """Input that cannot be stored. `code` is the last part of a catalog key."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# --- folding ------------------------------------------------------------------------------

_EDGE_PUNCTUATION: Final = ".,:;!?()[]{}\"'”“’‘«»…"




def _key(text: str) -> str:
    """Matching key of a phrase: folded, `-`/`_` as spaces, punctuation at word edges dropped."""

    words = fold(text).replace("-", " ").replace("_", " ").split()
    return " ".join(w for w in (word.strip(_EDGE_PUNCTUATION) for word in words) if w)


# --- statuses -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    code: str
    colour: Colour
    sv: str
    en: str
    aliases: tuple[str, ...] = ()

    @property
    def symbol(self) -> str:
        return _SYMBOLS[self.colour]

    def words(self) -> tuple[str, ...]:
        return (self.code, self.sv, self.en, *self.aliases)


STATUSES: Final[tuple[Status, ...]] = (
    Status("not_started", "grey", "ej påbörjad", "not started", (
        "ej påbörjat", "inte påbörjad", "inte påbörjat", "ej startad", "inte startad",
        "ännu inte påbörjad", "ännu inga konkreta förslag", "not yet started",
    )),
    Status("starting", "green", "i uppstart", "starting up", (
        "uppstart", "är i uppstart", "startar", "startat", "starting", "started",
    )),
    Status("on_track", "green", "pågår enligt plan", "on track", (
        "pågår", "enligt plan", "pågår enligt planen", "ongoing", "in progress",
    )),
    Status("at_risk", "yellow", "risk för försening", "at risk", (
        "risk", "risk för förseningar", "försening befaras", "risk of delay", "at risk of delay",
    )),
    Status("delayed", "red", "försenad", "delayed", (
        "försenat", "försenade", "late", "behind", "behind schedule",
    )),
    Status("done", "blue", "klar", "done", (
        "klart", "avslutad", "avslutat", "genomförd", "genomfört", "slutförd", "slutfört",
        "completed", "complete", "finished",
    )),
    Status("paused", "grey", "pausad", "paused", (
        "pausat", "vilande", "på paus", "on hold",
    )),
)  # fmt: skip

STATUS_BY_CODE: Final[dict[str, Status]] = {s.code: s for s in STATUSES}


def _status_index() -> dict[str, Status]:
    index: dict[str, Status] = {}
    for status in STATUSES:
        for word in status.words():
            key = _key(word)
            other = index.get(key)
            if other is not None and other is not status:
                raise ValueError(f"status word {word!r} means two statuses")
            index[key] = status
    return index


_STATUS_INDEX: Final = _status_index()
_MAX_STATUS_WORDS: Final = max(len(key.split()) for key in _STATUS_INDEX)


def find_status(text: str) -> Status | None:
    """The status a whole phrase names (code, Swedish or English word, or alias)."""

    if len(text) > 100:
        return None
    return _STATUS_INDEX.get(_key(text))


def take_status(words: Sequence[str]) -> tuple[Status, int] | None:
    """The status the first words name, and how many words it took (the longest match)."""

    for count in range(min(_MAX_STATUS_WORDS, len(words)), 0, -1):
        status = find_status(" ".join(words[:count]))
        if status is not None:
            return status, count
    return None


# --- finding the activity -----------------------------------------------------------------

_MAX_QUERY_LENGTH: Final = 200
_MIN_WORD_LENGTH: Final = 2


def _code_key(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", fold(text))


@dataclass(frozen=True)
class ActivityMatch:
    """One activity, or the candidates to choose from (empty: nothing matched).

    `by_code`: the activity was named by its code (not found among words of titles).
    """

    activity: PlanActivity | None
    candidates: tuple[PlanActivity, ...] = ()
    by_code: bool = False


def activity_by_code(text: str, activities: Sequence[PlanActivity]) -> PlanActivity | None:
    """The activity whose code this is; `vip-1`, `VIP1` and `VIP-1` are the same code."""

    key = _code_key(text)
    if not key or len(text) > _MAX_QUERY_LENGTH:
        return None
    hits = [a for a in activities if _code_key(a.code) == key]
    return hits[0] if len(hits) == 1 else None


# A word written as a code is: letters, then digits (`VIP-9`, `SP4`, `UPP-1.2`).
_CODE_SHAPE: Final = re.compile(r"[^\W\d_]{1,12}[-–.]?[0-9]{1,6}(?:[-.][0-9]{1,6})*")
_CLOSEST: Final = 5


def _letters(code_key: str) -> str:
    return re.sub(r"[0-9].*", "", code_key)


def written_as_code(words: Sequence[str], activities: Sequence[PlanActivity]) -> str | None:
    """The code the first words are written as (`VIP-9`, or `VIP 9` where VIP begins codes of
    the plan), whether or not the plan has it; None: they are words, not a code."""

    if not words or len(words[0]) > _MAX_QUERY_LENGTH:
        return None
    if _CODE_SHAPE.fullmatch(words[0]):
        return words[0]
    prefixes = {_letters(_code_key(a.code)) for a in activities}
    if len(words) > 1 and words[1].isdigit() and _code_key(words[0]) in prefixes - {""}:
        return f"{words[0]} {words[1]}"
    return None


def closest_codes(text: str, activities: Sequence[PlanActivity]) -> tuple[PlanActivity, ...]:
    """The activities whose codes are nearest a mistyped one: those with the same letters
    first (`SP-4` → SP-1, SP-2, SP-3), then by likeness (`VP-1` → VIP-1); at most five."""

    key = _code_key(text)
    letters = _letters(key)
    scored = []
    for activity in activities:
        other = _code_key(activity.code)
        likeness = difflib.SequenceMatcher(None, key, other).ratio()
        same = bool(letters) and _letters(other) == letters
        if same or likeness >= 0.6:
            scored.append((not same, -likeness, activity.goal_area_position, activity.position,
                           activity.code, activity))
    return tuple(item[-1] for item in sorted(scored, key=lambda item: item[:-1])[:_CLOSEST])


def match_activity(query: str, activities: Sequence[PlanActivity]) -> ActivityMatch:
    """By code, or by words of the title: every word (2+ letters) must occur in it.

    More than one hit is answered with the candidates, never with a guess.
    """

    if len(query) > _MAX_QUERY_LENGTH:
        return ActivityMatch(None)
    exact = activity_by_code(query, activities)
    if exact is not None:
        return ActivityMatch(exact, by_code=True)
    words = [w for w in _key(query).split() if len(w) >= _MIN_WORD_LENGTH]
    if not words:
        return ActivityMatch(None)
    hits = [
        a for a in activities
        if all(w in _key(f"{a.code} {a.title}") for w in words)
    ]
    if len(hits) == 1:
        return ActivityMatch(hits[0])
    return ActivityMatch(None, tuple(hits))


InlineKind = Literal[
    "form", "report", "confirm", "ambiguous", "unknown_code", "unknown_activity",
    "unknown_status",
]


@dataclass(frozen=True)
class InlineReport:
    """What `rapportera <activity> <status> <text>` says, as far as it can be read.

    `form`: not everything was given; open the form with what was (`activity`, `status`).
    `report`: the activity by its code, a status and a text: ready to store.
    `confirm`: the same, but the activity was found by words of its title: the person is
    asked (the form, filled in) before anything is stored.
    `unknown_code`: the words are written as a code the plan does not have; `candidates` are
    the closest codes. Nothing is ever stored against another activity.
    `query`: the words that failed (`ambiguous`, `unknown_*`), or were matched (`confirm`).
    """

    kind: InlineKind
    activity: PlanActivity | None = None
    status: Status | None = None
    text: str = ""
    candidates: tuple[PlanActivity, ...] = ()
    query: str = ""


def _after_status(
    activity: PlanActivity, rest: Sequence[str], *, by_code: bool = True, query: str = ""
) -> InlineReport:
    if not rest:
        return InlineReport("form", activity)
    taken = take_status(rest)
    if taken is None:
        return InlineReport("unknown_status", activity, query=rest[0])
    status, count = taken
    text = " ".join(rest[count:]).strip().lstrip("-–—:").strip()
    if not text:
        return InlineReport("form", activity, status)
    return InlineReport("report" if by_code else "confirm", activity, status, text, query=query)


def interpret_report_words(
    words: Sequence[str], activities: Sequence[PlanActivity]
) -> InlineReport:
    """Read `VIP-1 pågår Utbildningsdag genomförd` or `efterlevandestöd i uppstart Möte hölls`.

    The activity is the first word when it is a code. A first word written as a code that the
    plan does not have (`VIP-9`) is never read as words of a title: the answer is the closest
    codes. Otherwise the words before the first status word are matched against the titles,
    and a report found that way is only `confirm`ed, not stored.
    """

    if not words:
        return InlineReport("form")
    by_code = activity_by_code(words[0], activities)
    if by_code is not None:
        return _after_status(by_code, words[1:])
    code = written_as_code(words, activities)
    if code is not None:
        exact = activity_by_code(code, activities)
        if exact is not None:
            return _after_status(exact, words[2:])
        return InlineReport("unknown_code", candidates=closest_codes(code, activities),
                            query=code)
    ambiguous: InlineReport | None = None
    first_query = ""
    for index in range(1, len(words)):
        if take_status(words[index:]) is None:
            continue
        query = " ".join(words[:index])
        first_query = first_query or query
        match = match_activity(query, activities)
        if match.activity is not None:
            return _after_status(match.activity, words[index:], by_code=match.by_code,
                                 query=query)
        if match.candidates and ambiguous is None:
            ambiguous = InlineReport("ambiguous", candidates=match.candidates, query=query)
    if ambiguous is not None:
        return ambiguous
    whole = " ".join(words)
    match = match_activity(whole, activities)
    if match.activity is not None:
        return InlineReport("form", match.activity)
    # Words that name one activity, followed by something that is not a status.
    for count in range(len(words) - 1, 0, -1):
        head = match_activity(" ".join(words[:count]), activities)
        if head.activity is not None:
            return InlineReport("unknown_status", head.activity, query=words[count])
    if match.candidates:
        return InlineReport("ambiguous", candidates=match.candidates, query=whole)
    return InlineReport("unknown_activity", query=first_query or whole)


# --- free text ----------------------------------------------------------------------------

TextField = Literal["summary", "next_steps", "risks", "reason"]


@dataclass(frozen=True)
class TextRule:
    max_length: int
    required: bool = False


# Long enough for a real lägesrapport, short enough for one chat message and one report cell.
TEXT_RULES: Final[dict[str, TextRule]] = {
    "summary": TextRule(2000, required=True),
    "next_steps": TextRule(1000),
    "risks": TextRule(1000),
    "reason": TextRule(500, required=True),
}


def _without_format_characters(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def clean_text(value: str, rule: TextRule) -> str:
    """The text as stored: control characters and what no document can hold (`domain.text`)
    out, line breaks kept, ends trimmed.

    Refuses (in this order) a personal identity number, a missing required text, a text
    over the limit.
    """

    text = xml_safe(value).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc"
    ).strip()
    if contains_identity_number(value) or contains_identity_number(
        _without_format_characters(text)
    ):
        raise UpdateInputError("identity_number")
    if rule.required and not text:
        raise UpdateInputError("required")
    if len(text) > rule.max_length:
        raise UpdateInputError("too_long", limit=rule.max_length, length=len(text))
    return text


def has_identity_number(value: str) -> bool:
    return contains_identity_number(value) or contains_identity_number(
        _without_format_characters(value)
    )


# --- indicator values ---------------------------------------------------------------------

UnitKind = Literal["count", "percent", "other"]

_COUNT_UNITS: Final = frozenset({
    "antal", "st", "stycken", "styck", "count", "number", "pcs", "items", "number of",
})  # fmt: skip
_PERCENT_UNITS: Final = frozenset({"procent", "%", "percent", "pct", "per cent"})
_MAX_VALUE_TEXT: Final = 40
_MAX_MAGNITUDE: Final = Decimal(1_000_000_000)

_NUMBER_RE: Final = re.compile(
    r"(?P<sign>[-+])?\s*"
    r"(?P<whole>[0-9]{1,3}(?: [0-9]{3})+|[0-9]+)"
    r"(?:[.,](?P<fraction>[0-9]+))?"
    r"\s*(?P<unit>(?:%|[^\W\d_]).*)?"
)


def unit_kind(unit: str) -> UnitKind:
    key = _unit_key(unit)
    if key in _COUNT_UNITS:
        return "count"
    if key in _PERCENT_UNITS:
        return "percent"
    return "other"


def _unit_key(text: str) -> str:
    return fold(text).rstrip(".").strip()


def _unit_accepted(written: str, unit: str) -> bool:
    key = _unit_key(written)
    kind = unit_kind(unit)
    if kind == "count":
        return key in _COUNT_UNITS
    if kind == "percent":
        return key in _PERCENT_UNITS
    return key == _unit_key(unit)


def parse_indicator_value(text: str, unit: str) -> float:
    """A value typed for an indicator measured in `unit`. Raises only `UpdateInputError`."""

    if len(text) > _MAX_VALUE_TEXT:
        raise UpdateInputError("value_too_long", limit=_MAX_VALUE_TEXT)
    normalised = unicodedata.normalize("NFKC", text)
    for space in ("\u00a0", "\u202f", "\u2009", "\u2007"):
        normalised = normalised.replace(space, " ")
    normalised = normalised.replace("\u2212", "-").strip()
    if not normalised:
        raise UpdateInputError("required")
    match = _NUMBER_RE.fullmatch(normalised)
    if match is None:
        raise UpdateInputError("not_a_number", unit=unit)
    written_unit = match["unit"]
    if written_unit is not None and not _unit_accepted(written_unit, unit):
        raise UpdateInputError("wrong_unit", unit=unit)
    digits = match["whole"].replace(" ", "")
    if match["fraction"]:
        digits += "." + match["fraction"]
    try:
        value = Decimal(digits)
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        raise UpdateInputError("not_a_number", unit=unit) from None
    if match["sign"] == "-":
        value = -value
    kind = unit_kind(unit)
    low, high = {
        "count": (Decimal(0), _MAX_MAGNITUDE),
        "percent": (Decimal(0), Decimal(100)),
        "other": (-_MAX_MAGNITUDE, _MAX_MAGNITUDE),
    }[kind]
    if value < low:
        raise UpdateInputError("too_small", minimum=_plain(low), unit=unit)
    if value > high:
        raise UpdateInputError("too_large", maximum=_plain(high), unit=unit)
    if kind == "count" and value != value.to_integral_value():
        raise UpdateInputError("not_whole", unit=unit)
    return float(value)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def format_value(value: float, language: str) -> str:
    """`12`, `12,5` in Swedish, `12.5` in English; at most four decimals."""

    if value == int(value):
        text = str(int(value))
    else:
        text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if language == "sv" else text


# --- who may do what ----------------------------------------------------------------------


def may_report(activity: PlanActivity, organisation_id: str, group_ids: Collection[str]) -> bool:
    """Active members of the activity's responsible group may report on it; so may active
    members of any group whose organisation is one of the activity's owners (the owner
    organisation's own people follow their share of the work, wherever they sit)."""

    if activity.group_id in group_ids:
        return True
    return bool(group_ids) and organisation_id in activity.owners


ChangeVerdict = Literal["ok", "not_author", "window_closed"]


def may_change(
    *,
    author_id: str,
    created_at: datetime,
    actor_id: str,
    actor_is_admin: bool,
    now: datetime,
    window_days: int,
) -> ChangeVerdict:
    """The author or an administrator, within `window_days` of the update's creation."""

    if actor_id != author_id and not actor_is_admin:
        return "not_author"
    if now - created_at > timedelta(days=window_days):
        return "window_closed"
    return "ok"


_SHORT_ID_RE: Final = re.compile(r"#?\s*([0-9]{1,9})")


def parse_short_id(text: str) -> int | None:
    """`#12` or `12` → 12."""

    match = _SHORT_ID_RE.fullmatch(text.strip())
    return int(match[1]) if match else None


# --- read models --------------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateContent:
    """What one version of an update says."""

    activity_code: str
    status: str
    summary: str
    next_steps: str = ""
    risks: str = ""
    # indicator id → value, in the indicator's unit
    indicator_values: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class UpdateRecord:
    """An update as it stands now (its latest version)."""

    number: int
    uid: str
    author_id: str
    group_id: str
    created_at: datetime
    updated_at: datetime
    version: int
    content: UpdateContent
    withdrawn: bool = False
    withdrawn_reason: str = ""

    @property
    def short_id(self) -> str:
        return f"#{self.number}"


@dataclass(frozen=True)
class UpdateVersion:
    """One entry of an update's history: who changed it, when, and what it then said."""

    number: int
    version: int
    at: datetime
    actor_id: str
    content: UpdateContent
    withdrawn: bool = False
    withdrawn_reason: str = ""
