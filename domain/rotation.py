"""Who convenes which meeting: the rotating convener (sammankallande) schedule.

The schedule is one pure function of (order, slots, overrides): no clock, no stored pointer,
no hidden state, so every restart, every replica and every "show me the schedule" command
computes the same answer, and fixing the schedule means adding an override, never editing state.

Terms used here
---------------
* ``order``: the organisations in rotation order, e.g. ``("vgr", "fyrbodal", "sjuharad", "gr",
  "skaraborg")``. Organisation ids are opaque strings.
* A *slot* is the unit of rotation. With ``per="term"`` a slot is a term (the arbetsgrupp: one
  organisation is sammankallande for every meeting of the term); with ``per="meeting"`` a slot is
  one meeting (the chefsgrupp: each meeting has a responsible organisation). The caller supplies
  the slots in chronological order; this module never computes dates.
* A slot's *term* is ``slot.term_id``; in per-term rotation a slot without ``term_id`` is its own
  term (``slot.key``).

The rules (these are the product's rules)
-----------------------------------------
1. Rotation. ``order[0]`` convenes the first slot and the turn walks ``order`` cyclically, one
   turn per slot.
2. Skip. A ``Skip`` makes an organisation unavailable for one meeting (``meeting_key``) or for a
   whole term (``term_id``). A skipped organisation keeps its place:

   * When its turn falls on a slot where it is skipped, the next organisation in the order that
     is not skipped takes the slot (that is that organisation's own turn, taken early), and the
     skipped organisation is *owed* a turn.
   * An owed organisation convenes the very next slot in which it is not skipped, before the
     regular order continues. Several owed organisations are served oldest debt first; an owed
     organisation that is skipped again simply waits while younger debts may be served.
   * Hence, once all owed turns are served, the number of convenings per organisation equals that
     of the plain rotation over the same number of convened slots: over whole cycles every
     organisation convenes equally often, skips included.

   Which skips count for a slot: in per-meeting rotation, skips of that meeting and term skips of
   the meeting's term; in per-term rotation, term skips only (rule 3 covers meeting skips).
3. Meeting skip in per-term rotation. It does not change the term rotation and creates no debt:
   that one meeting goes to the next organisation in the order after the term's convener that is
   skipped neither for the meeting nor for the term. Its reason is "rotation" (it is taken from
   the order; the reason vocabulary has no separate word for a stand-in).
4. Nobody available. If every organisation is skipped for a slot, its meetings get ``org=None``
   with reason "none", and the slot consumes no turn and creates no debt: the rotation behaves as
   if the slot did not exist, so the organisation whose turn it was still holds it for the next
   slot. (Walking past every organisation would make each one owed a turn, which cancels out but
   reorders the following cycle for no reason.)
5. Swap. After the rotation is computed, ``Swap`` exchanges the conveners of two meetings; both
   get reason "swap". A swap naming an unknown meeting, or a meeting nobody can convene, is
   ignored (the caller validates earlier; and moving an organisation into a meeting where every
   organisation is skipped would break that skip - use ``Assign`` to override deliberately).
6. Assign. ``Assign`` makes one organisation convene one meeting (reason "assign"). It is a
   one-off: the rotation, and every other meeting, stays as it was. Unknown meetings are ignored.
7. Override order. Skips shape the rotation (rules 1-4) whatever their position in the list.
   Swaps and assignments are then replayed in the order given, so a later one wins on the same
   meeting. A skip given *after* a swap or assignment that put the skipped organisation on a
   meeting it covers undoes that edit for that meeting: the meeting goes back to its rotation
   convener, which already honours the skip. A swap or assignment given after a skip wins over it.
8. An empty ``order`` means nobody rotates: every meeting gets ``None``/"none" unless assigned.

``convener_schedule`` returns one ``Assignment`` per meeting key, in slot order and, within a
slot, in ``meeting_keys`` order. A per-term slot with no meetings still takes its turn (the term
happened) but yields no assignment. A per-meeting slot with empty ``meeting_keys`` stands for the
meeting ``slot.key``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "Assign",
    "Assignment",
    "Override",
    "Reason",
    "Skip",
    "Slot",
    "Swap",
    "convener_schedule",
    "fairness",
]

Reason = Literal["rotation", "deferred", "swap", "assign", "none"]


@dataclass(frozen=True)
class Slot:
    """One unit of rotation: a term (per-term rotation) or a meeting (per-meeting rotation)."""

    key: str
    term_id: str | None
    meeting_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skip:
    """``org`` cannot convene one meeting or one whole term; it keeps its place in the order."""

    org: str
    meeting_key: str | None = None
    term_id: str | None = None

    def __post_init__(self) -> None:
        # A skip naming both or neither is ambiguous about what it covers; refuse it at creation
        # so a bad override can never silently change the schedule.
        if (self.meeting_key is None) == (self.term_id is None):
            raise ValueError("Skip needs exactly one of meeting_key and term_id")


@dataclass(frozen=True)
class Swap:
    """Exchange the conveners of two meetings."""

    meeting_a: str
    meeting_b: str


@dataclass(frozen=True)
class Assign:
    """``org`` convenes the one meeting ``meeting_key``."""

    meeting_key: str
    org: str


Override = Skip | Swap | Assign


@dataclass(frozen=True)
class Assignment:
    """Who convenes a meeting and why."""

    meeting_key: str
    org: str | None
    reason: Reason


def convener_schedule(
    order: Sequence[str],
    slots: Sequence[Slot],
    overrides: Sequence[Override],
    *,
    per: Literal["term", "meeting"],
) -> list[Assignment]:
    """Return the convener of every meeting of ``slots``; see the module docstring for the rules.

    Raises ``ValueError`` if ``order`` names an organisation twice (its place would be ambiguous)
    or a meeting key occurs twice in ``slots`` (overrides could not tell the meetings apart).
    """
    if per not in ("term", "meeting"):
        raise ValueError(f"per must be 'term' or 'meeting', not {per!r}")
    if len(set(order)) != len(order):
        raise ValueError("an organisation occurs more than once in the rotation order")
    orgs = tuple(order)
    meetings_per_slot = [_meetings_of(slot, per) for slot in slots]
    all_keys = [key for keys in meetings_per_slot for key in keys]
    if len(set(all_keys)) != len(all_keys):
        raise ValueError("a meeting key occurs more than once in the slots")

    skips = [o for o in overrides if isinstance(o, Skip)]
    term_skips: dict[str, set[str]] = {}
    meeting_skips: dict[str, set[str]] = {}
    for skip in skips:
        if skip.term_id is not None:
            term_skips.setdefault(skip.term_id, set()).add(skip.org)
        elif skip.meeting_key is not None:
            meeting_skips.setdefault(skip.meeting_key, set()).add(skip.org)

    slot_terms = [_term_of(slot, per) for slot in slots]
    slot_unavailable: list[frozenset[str]] = []
    for term, keys in zip(slot_terms, meetings_per_slot, strict=True):
        blocked = set(term_skips.get(term, ())) if term is not None else set()
        if per == "meeting":
            for key in keys:
                blocked |= meeting_skips.get(key, set())
        slot_unavailable.append(frozenset(blocked))

    base: list[Assignment] = []
    turns = _rotate(orgs, slot_unavailable)
    for (org, reason), keys, unavailable in zip(
        turns, meetings_per_slot, slot_unavailable, strict=True
    ):
        for key in keys:
            if per == "term" and org is not None and org in meeting_skips.get(key, ()):
                stand_in = _next_available(orgs, org, unavailable | meeting_skips[key])
                if stand_in is None:
                    base.append(Assignment(key, None, "none"))
                else:
                    base.append(Assignment(key, stand_in, "rotation"))
            else:
                base.append(Assignment(key, org, reason))

    return _apply_edits(base, overrides, slot_terms, meetings_per_slot)


def fairness(assignments: Iterable[Assignment]) -> Counter[str]:
    """Count convenings per organisation; meetings nobody convenes are not counted."""
    return Counter(a.org for a in assignments if a.org is not None)


def _meetings_of(slot: Slot, per: Literal["term", "meeting"]) -> tuple[str, ...]:
    if per == "meeting" and not slot.meeting_keys:
        return (slot.key,)
    return slot.meeting_keys


def _term_of(slot: Slot, per: Literal["term", "meeting"]) -> str | None:
    if per == "term" and slot.term_id is None:
        return slot.key
    return slot.term_id


def _rotate(
    order: tuple[str, ...], unavailable_per_slot: Sequence[frozenset[str]]
) -> list[tuple[str | None, Reason]]:
    """The convener of each slot under rules 1, 2 and 4."""
    n = len(order)
    turn = 0  # counts every turn taken or passed over; order[turn % n] is next in line
    owed: list[str] = []  # oldest debt first; an organisation may be owed several turns
    result: list[tuple[str | None, Reason]] = []
    for unavailable in unavailable_per_slot:
        if all(org in unavailable for org in order):
            result.append((None, "none"))
            continue
        debtor = next((i for i, org in enumerate(owed) if org not in unavailable), None)
        if debtor is not None:
            result.append((owed.pop(debtor), "deferred"))
            continue
        # Terminates within n steps: at least one organisation is available.
        while order[turn % n] in unavailable:
            owed.append(order[turn % n])
            turn += 1
        result.append((order[turn % n], "rotation"))
        turn += 1
    return result


def _next_available(order: tuple[str, ...], after: str, unavailable: Iterable[str]) -> str | None:
    blocked = set(unavailable)
    start = order.index(after)
    for step in range(1, len(order)):
        candidate = order[(start + step) % len(order)]
        if candidate not in blocked:
            return candidate
    return None


def _apply_edits(
    base: list[Assignment],
    overrides: Sequence[Override],
    slot_terms: Sequence[str | None],
    meetings_per_slot: Sequence[tuple[str, ...]],
) -> list[Assignment]:
    """Replay swaps, assignments and late skips in order (rules 5-7)."""
    index = {a.meeting_key: i for i, a in enumerate(base)}
    meetings_of_term: dict[str, list[str]] = {}
    for term, keys in zip(slot_terms, meetings_per_slot, strict=True):
        if term is not None:
            meetings_of_term.setdefault(term, []).extend(keys)

    current = list(base)
    for override in overrides:
        if isinstance(override, Assign):
            i = index.get(override.meeting_key)
            if i is not None:
                current[i] = Assignment(override.meeting_key, override.org, "assign")
        elif isinstance(override, Swap):
            i = index.get(override.meeting_a)
            j = index.get(override.meeting_b)
            if i is None or j is None or i == j:
                continue
            a, b = current[i], current[j]
            if a.org is None or b.org is None:
                continue
            current[i] = Assignment(a.meeting_key, b.org, "swap")
            current[j] = Assignment(b.meeting_key, a.org, "swap")
        else:
            covered: Sequence[str] = ()
            if override.meeting_key is not None:
                covered = (override.meeting_key,)
            elif override.term_id is not None:
                covered = meetings_of_term.get(override.term_id, ())
            for key in covered:
                i = index.get(key)
                if i is None:
                    continue
                edited = current[i]
                if edited.org == override.org and edited.reason in ("swap", "assign"):
                    current[i] = base[i]
    return current
