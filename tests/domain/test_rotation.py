"""Tests for domain.rotation: worked examples with the real organisations, then properties."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.rotation import (
    Assign,
    Assignment,
    Override,
    Skip,
    Slot,
    Swap,
    convener_schedule,
    fairness,
)

VGR, FYRBODAL, SJUHARAD, GR, SKARABORG = "vgr", "fyrbodal", "sjuharad", "gr", "skaraborg"
ORDER = (VGR, FYRBODAL, SJUHARAD, GR, SKARABORG)

# The chefsgrupp meets twice per term; ten meetings span five terms.
CHEFSGRUPP_DATES = [
    ("vt2026", "2026-02-10"),
    ("vt2026", "2026-05-12"),
    ("ht2026", "2026-09-08"),
    ("ht2026", "2026-11-10"),
    ("vt2027", "2027-02-09"),
    ("vt2027", "2027-05-11"),
    ("ht2027", "2027-09-07"),
    ("ht2027", "2027-11-09"),
    ("vt2028", "2028-02-08"),
    ("vt2028", "2028-05-09"),
]
M = [f"chefsgrupp-moten:{day}" for _, day in CHEFSGRUPP_DATES]
CHEFSGRUPP = [
    Slot(key=key, term_id=term, meeting_keys=(key,))
    for key, (term, _) in zip(M, CHEFSGRUPP_DATES, strict=True)
]

# The arbetsgrupp has one sammankallande per term and meets monthly (three meetings kept short).
TERMS = ["ht2026", "vt2027", "ht2027", "vt2028"]
ARBETSGRUPP = [
    Slot(key=t, term_id=t, meeting_keys=tuple(f"arbetsgrupp:{t}-{i}" for i in (1, 2, 3)))
    for t in TERMS
]


def meeting(term: str, i: int) -> str:
    return f"arbetsgrupp:{term}-{i}"


def orgs(assignments: Sequence[Assignment]) -> list[str | None]:
    return [a.org for a in assignments]


def reasons(assignments: Sequence[Assignment]) -> list[str]:
    return [a.reason for a in assignments]


def per_meeting(overrides: Sequence[Override] = ()) -> list[Assignment]:
    return convener_schedule(ORDER, CHEFSGRUPP, overrides, per="meeting")


def per_term(overrides: Sequence[Override] = ()) -> list[Assignment]:
    return convener_schedule(ORDER, ARBETSGRUPP, overrides, per="term")


def term_conveners(assignments: Sequence[Assignment]) -> list[str | None]:
    """The convener of each arbetsgrupp term (its meetings agree when nothing is overridden)."""
    by_key = {a.meeting_key: a.org for a in assignments}
    return [by_key[meeting(t, 1)] for t in TERMS]


# --- worked examples ------------------------------------------------------------------------


def test_per_meeting_rotation_over_ten_meetings() -> None:
    result = per_meeting()
    assert [a.meeting_key for a in result] == M
    assert orgs(result) == list(ORDER) * 2
    assert set(reasons(result)) == {"rotation"}
    assert fairness(result) == Counter({org: 2 for org in ORDER})


def test_per_term_rotation_over_four_terms() -> None:
    result = per_term()
    assert [a.meeting_key for a in result] == [meeting(t, i) for t in TERMS for i in (1, 2, 3)]
    assert orgs(result) == [VGR] * 3 + [FYRBODAL] * 3 + [SJUHARAD] * 3 + [GR] * 3
    assert set(reasons(result)) == {"rotation"}


def test_skip_for_one_meeting_convenes_the_next_meeting_then_order_continues() -> None:
    result = per_meeting([Skip(FYRBODAL, meeting_key=M[1])])
    assert orgs(result) == [
        VGR, SJUHARAD, FYRBODAL, GR, SKARABORG, VGR, FYRBODAL, SJUHARAD, GR, SKARABORG,
    ]  # fmt: skip
    assert reasons(result)[:4] == ["rotation", "rotation", "deferred", "rotation"]
    assert fairness(result) == Counter({org: 2 for org in ORDER})


def test_skip_of_an_org_whose_turn_it_is_not_changes_nothing() -> None:
    assert per_meeting([Skip(GR, meeting_key=M[1])]) == per_meeting()


def test_skip_for_a_term_in_per_term_rotation() -> None:
    result = per_term([Skip(FYRBODAL, term_id="vt2027")])
    assert term_conveners(result) == [VGR, SJUHARAD, FYRBODAL, GR]
    assert [result[3 * i].reason for i in range(4)] == [
        "rotation", "rotation", "deferred", "rotation",
    ]  # fmt: skip


def test_term_skip_in_per_meeting_rotation_covers_every_meeting_of_the_term() -> None:
    # vt2026 holds meetings 0 and 1; fyrbodal's turn (meeting 1) passes to sjuharad and
    # fyrbodal convenes the first meeting of ht2026.
    result = per_meeting([Skip(FYRBODAL, term_id="vt2026")])
    assert orgs(result)[:5] == [VGR, SJUHARAD, FYRBODAL, GR, SKARABORG]
    assert result[2].reason == "deferred"


def test_same_org_skipped_two_meetings_in_a_row() -> None:
    result = per_meeting([Skip(FYRBODAL, meeting_key=M[1]), Skip(FYRBODAL, meeting_key=M[2])])
    assert orgs(result)[:6] == [VGR, SJUHARAD, GR, FYRBODAL, SKARABORG, VGR]
    assert reasons(result)[:5] == ["rotation", "rotation", "rotation", "deferred", "rotation"]


def test_two_orgs_skipped_in_consecutive_meetings() -> None:
    # Sjuharad already took its turn early at meeting 1, so its skip at meeting 2 changes nothing.
    result = per_meeting([Skip(FYRBODAL, meeting_key=M[1]), Skip(SJUHARAD, meeting_key=M[2])])
    assert orgs(result)[:5] == [VGR, SJUHARAD, FYRBODAL, GR, SKARABORG]


def test_two_orgs_skipped_in_the_same_meeting_are_served_oldest_first() -> None:
    result = per_meeting([Skip(FYRBODAL, meeting_key=M[1]), Skip(SJUHARAD, meeting_key=M[1])])
    assert orgs(result)[:6] == [VGR, GR, FYRBODAL, SJUHARAD, SKARABORG, VGR]
    assert reasons(result)[:5] == ["rotation", "rotation", "deferred", "deferred", "rotation"]
    assert fairness(result) == Counter({org: 2 for org in ORDER})


def test_an_owed_org_skipped_again_lets_a_younger_debt_go_first() -> None:
    result = per_meeting(
        [
            Skip(FYRBODAL, meeting_key=M[1]),
            Skip(SJUHARAD, meeting_key=M[1]),
            Skip(FYRBODAL, meeting_key=M[2]),
        ]
    )
    assert orgs(result)[:5] == [VGR, GR, SJUHARAD, FYRBODAL, SKARABORG]


def test_meeting_skip_in_per_term_rotation_only_moves_that_meeting() -> None:
    skipped = meeting("vt2027", 2)
    result = per_term([Skip(FYRBODAL, meeting_key=skipped)])
    by_key = {a.meeting_key: a for a in result}
    assert by_key[skipped] == Assignment(skipped, SJUHARAD, "rotation")
    assert by_key[meeting("vt2027", 1)].org == FYRBODAL
    assert by_key[meeting("vt2027", 3)].org == FYRBODAL
    assert term_conveners(result) == [VGR, FYRBODAL, SJUHARAD, GR]


def test_meeting_stand_in_passes_over_orgs_skipped_for_the_meeting_or_the_term() -> None:
    skipped = meeting("vt2027", 2)
    result = per_term(
        [
            Skip(FYRBODAL, meeting_key=skipped),
            Skip(SJUHARAD, meeting_key=skipped),
            Skip(GR, term_id="vt2027"),
        ]
    )
    by_key = {a.meeting_key: a for a in result}
    assert by_key[skipped].org == SKARABORG


def test_swap_exchanges_two_meetings_and_nothing_else() -> None:
    result = per_meeting([Swap(M[0], M[1])])
    assert result[0] == Assignment(M[0], FYRBODAL, "swap")
    assert result[1] == Assignment(M[1], VGR, "swap")
    assert result[2:] == per_meeting()[2:]


def test_swap_with_an_unknown_meeting_is_ignored() -> None:
    assert per_meeting([Swap(M[0], "chefsgrupp-moten:1999-01-01")]) == per_meeting()


def test_assign_is_a_one_off_that_does_not_move_the_rotation() -> None:
    result = per_meeting([Assign(M[2], GR)])
    assert result[2] == Assignment(M[2], GR, "assign")
    assert result[3] == Assignment(M[3], GR, "rotation")
    assert [a for i, a in enumerate(result) if i != 2] == [
        a for i, a in enumerate(per_meeting()) if i != 2
    ]


def test_assign_in_per_term_rotation_moves_one_meeting_only() -> None:
    key = meeting("ht2026", 3)
    result = per_term([Assign(key, SKARABORG)])
    assert {a.meeting_key: a.org for a in result}[key] == SKARABORG
    assert term_conveners(result) == [VGR, FYRBODAL, SJUHARAD, GR]


def test_every_org_skipped_for_a_meeting_gives_nobody_and_keeps_the_turn() -> None:
    result = per_meeting([Skip(org, meeting_key=M[1]) for org in ORDER])
    assert result[1] == Assignment(M[1], None, "none")
    assert orgs(result) == [
        VGR, None, FYRBODAL, SJUHARAD, GR, SKARABORG, VGR, FYRBODAL, SJUHARAD, GR,
    ]  # fmt: skip
    assert set(reasons(result)) == {"rotation", "none"}


def test_every_org_skipped_for_a_term_gives_nobody_for_its_meetings() -> None:
    result = per_term([Skip(org, term_id="vt2027") for org in ORDER])
    assert orgs(result)[3:6] == [None, None, None]
    assert term_conveners(result) == [VGR, None, FYRBODAL, SJUHARAD]


def test_a_term_without_meetings_still_takes_its_turn() -> None:
    slots = [ARBETSGRUPP[0], Slot("vt2027", "vt2027"), ARBETSGRUPP[2]]
    result = convener_schedule(ORDER, slots, [], per="term")
    assert orgs(result) == [VGR] * 3 + [SJUHARAD] * 3


def test_per_meeting_slot_without_meeting_keys_stands_for_its_own_key() -> None:
    slots = [Slot(key, term) for key, (term, _) in zip(M, CHEFSGRUPP_DATES, strict=True)]
    assert convener_schedule(ORDER, slots, [], per="meeting") == per_meeting()


def test_later_override_wins_on_the_same_meeting() -> None:
    assert per_meeting([Assign(M[0], GR), Assign(M[0], SKARABORG)])[0].org == SKARABORG
    # Assign after swap overrides one side of the swap.
    result = per_meeting([Swap(M[0], M[1]), Assign(M[0], GR)])
    assert orgs(result)[:2] == [GR, VGR]


def test_skip_after_assign_undoes_the_assignment() -> None:
    assert per_meeting([Assign(M[0], GR), Skip(GR, meeting_key=M[0])]) == per_meeting(
        [Skip(GR, meeting_key=M[0])]
    )


def test_assign_after_skip_wins() -> None:
    result = per_meeting([Skip(VGR, meeting_key=M[0]), Assign(M[0], VGR)])
    assert result[0] == Assignment(M[0], VGR, "assign")
    # The skip still shapes the rotation: vgr's turn is owed and served next.
    assert orgs(result)[1:3] == [VGR, SJUHARAD]


def test_skip_after_swap_returns_that_meeting_to_its_rotation_convener() -> None:
    result = per_meeting([Swap(M[0], M[1]), Skip(VGR, meeting_key=M[1])])
    assert result[1] == Assignment(M[1], FYRBODAL, "rotation")
    assert result[1].org != VGR


def test_swap_with_a_meeting_nobody_can_convene_is_ignored() -> None:
    skips: list[Override] = [Skip(org, meeting_key=M[1]) for org in ORDER]
    assert per_meeting([*skips, Swap(M[0], M[1])]) == per_meeting(skips)


def test_empty_order_gives_nobody_unless_assigned() -> None:
    result = convener_schedule([], CHEFSGRUPP[:2], [Assign(M[1], VGR)], per="meeting")
    assert result == [Assignment(M[0], None, "none"), Assignment(M[1], VGR, "assign")]


def test_skip_needs_exactly_one_target() -> None:
    with pytest.raises(ValueError):
        Skip(VGR)
    with pytest.raises(ValueError):
        Skip(VGR, meeting_key=M[0], term_id="vt2026")


def test_duplicate_org_in_order_is_rejected() -> None:
    with pytest.raises(ValueError):
        convener_schedule([VGR, GR, VGR], CHEFSGRUPP, [], per="meeting")


def test_duplicate_meeting_key_is_rejected() -> None:
    with pytest.raises(ValueError):
        convener_schedule(ORDER, [CHEFSGRUPP[0], CHEFSGRUPP[0]], [], per="meeting")


def test_fairness_ignores_meetings_nobody_convenes() -> None:
    assert fairness([Assignment("a", None, "none"), Assignment("b", GR, "rotation")]) == Counter(
        {GR: 1}
    )


# --- properties -----------------------------------------------------------------------------

ORG_POOL = [*ORDER, "vastkom", "sro", "bph"]
Per = Literal["term", "meeting"]


def plain_rotation(order: Sequence[str], length: int) -> list[str]:
    return [order[i % len(order)] for i in range(length)]


def meeting_slots(count: int, per_term: int = 2) -> list[Slot]:
    """Per-meeting slots, ``per_term`` meetings in each term."""
    return [
        Slot(key=f"m{i:03d}", term_id=f"t{i // per_term:03d}", meeting_keys=(f"m{i:03d}",))
        for i in range(count)
    ]


def term_slots(count: int, meetings: int) -> list[Slot]:
    return [
        Slot(
            key=f"t{i:03d}",
            term_id=f"t{i:03d}",
            meeting_keys=tuple(f"t{i:03d}-m{j}" for j in range(meetings)),
        )
        for i in range(count)
    ]


orders = st.lists(st.sampled_from(ORG_POOL), min_size=2, max_size=6, unique=True)


@st.composite
def skip_sets(
    draw: st.DrawFn, order: Sequence[str], slot_count: int, leave_someone: bool
) -> list[frozenset[str]]:
    """For each slot, the set of orgs skipped in it."""
    most = len(order) - 1 if leave_someone else len(order)
    return [
        frozenset(draw(st.lists(st.sampled_from(order), max_size=most, unique=True)))
        for _ in range(slot_count)
    ]


def skips_for(slots: Sequence[Slot], skipped: Sequence[frozenset[str]], per: Per) -> list[Skip]:
    out: list[Skip] = []
    for slot, orgs_skipped in zip(slots, skipped, strict=False):
        for org in sorted(orgs_skipped):
            if per == "term":
                out.append(Skip(org, term_id=slot.term_id))
            else:
                out.append(Skip(org, meeting_key=slot.key))
    return out


@st.composite
def skipped_rotations(draw: st.DrawFn, leave_someone: bool) -> tuple[list[str], int, list[Skip]]:
    """An order, k whole cycles of per-meeting slots, and random skips in those cycles.

    Returns the order, the number of slots in the skipped head, and the skips.
    """
    order = draw(orders)
    cycles = draw(st.integers(min_value=1, max_value=4))
    head = cycles * len(order)
    skipped = draw(skip_sets(order, head, leave_someone))
    return order, head, skips_for(meeting_slots(head), skipped, "meeting")


def trailing_for(order: Sequence[str], skips: Sequence[Skip]) -> int:
    """Enough skip-free trailing slots to serve every debt, rounded up to whole cycles.

    Each skip creates at most one debt (one org is passed over at most once per slot) and each
    skip-free slot serves one debt while any is outstanding, so len(skips) slots always suffice.
    """
    n = len(order)
    return -(-len(skips) // n) * n


@settings(max_examples=300, deadline=None)
@given(skipped_rotations(leave_someone=True))
def test_whole_cycles_are_exactly_fair_once_debts_are_served(
    case: tuple[list[str], int, list[Skip]],
) -> None:
    # The true invariant: when no slot is fully skipped, k cycles of skipped slots followed by
    # enough skip-free slots to serve every debt (rounded to whole cycles) give every org exactly
    # the same count. Equality does NOT hold over the first k*n slots alone: a skip late in the
    # head leaves a debt that is only served after it.
    order, head, skips = case
    trailing = trailing_for(order, skips)
    result = convener_schedule(order, meeting_slots(head + trailing), skips, per="meeting")
    assert None not in orgs(result)
    per_org = (head + trailing) // len(order)
    assert fairness(result) == Counter({org: per_org for org in order})


@settings(max_examples=300, deadline=None)
@given(skipped_rotations(leave_someone=False))
def test_counts_equal_plain_rotation_over_the_convened_slots(
    case: tuple[list[str], int, list[Skip]],
) -> None:
    # General form, fully skipped slots allowed: once every debt is served, the counts are those
    # of the plain rotation over as many slots as were convened (so they differ by at most one,
    # the surplus going to the first orgs in the order), and fully skipped slots are skipped.
    order, head, skips = case
    trailing = trailing_for(order, skips)
    result = convener_schedule(order, meeting_slots(head + trailing), skips, per="meeting")
    convened = [a for a in result if a.org is not None]
    assert fairness(result) == Counter(plain_rotation(order, len(convened)))
    skipped_per_slot = Counter(s.meeting_key for s in skips)
    fully_skipped = {key for key, count in skipped_per_slot.items() if count == len(order)}
    assert {a.meeting_key for a in result if a.org is None} == fully_skipped
    assert all(a.reason == "none" for a in result if a.org is None)
    counts = fairness(result).values()
    assert max(counts) - min(counts) <= 1


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_per_term_whole_cycles_are_exactly_fair(data: st.DataObject) -> None:
    order = data.draw(orders)
    meetings = data.draw(st.integers(min_value=1, max_value=3))
    head = data.draw(st.integers(min_value=1, max_value=3)) * len(order)
    skipped = data.draw(skip_sets(order, head, leave_someone=True))
    head_slots = term_slots(head, meetings)
    skips = skips_for(head_slots, skipped, "term")
    trailing = trailing_for(order, skips)
    result = convener_schedule(order, term_slots(head + trailing, meetings), skips, per="term")
    per_org = (head + trailing) // len(order) * meetings
    assert fairness(result) == Counter({org: per_org for org in order})


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_single_skip_exchanges_the_skipped_turn_with_the_next(data: st.DataObject) -> None:
    # Exact shape of the rule "keeps its place and convenes next".
    order = data.draw(orders)
    length = data.draw(st.integers(min_value=1, max_value=20))
    i = data.draw(st.integers(min_value=0, max_value=length - 1))
    org = data.draw(st.sampled_from(order))
    slots = meeting_slots(length)
    result = orgs(
        convener_schedule(order, slots, [Skip(org, meeting_key=slots[i].key)], per="meeting")
    )
    expected: list[str | None] = list(plain_rotation(order, length))
    if expected[i] == org:
        if i + 1 < length:
            expected[i], expected[i + 1] = expected[i + 1], expected[i]
        else:
            expected[i] = order[(i + 1) % len(order)]
    assert result == expected


@st.composite
def mixed_cases(draw: st.DrawFn) -> tuple[list[str], list[Slot], list[Skip], Per]:
    """Random order, slots and skips of both kinds (meeting and term), in either rotation mode."""
    order = draw(orders)
    per: Per = draw(st.sampled_from(["term", "meeting"]))
    count = draw(st.integers(min_value=0, max_value=15))
    if per == "term":
        slots = term_slots(count, draw(st.integers(min_value=0, max_value=3)))
    else:
        slots = meeting_slots(count, draw(st.integers(min_value=1, max_value=3)))
    meeting_keys = [key for slot in slots for key in slot.meeting_keys]
    term_ids = sorted({slot.term_id for slot in slots if slot.term_id is not None})
    skips: list[Skip] = []
    if meeting_keys:
        skips += [
            Skip(org, meeting_key=key)
            for org, key in draw(
                st.lists(st.tuples(st.sampled_from(order), st.sampled_from(meeting_keys)))
            )
        ]
    if term_ids:
        skips += [
            Skip(org, term_id=term)
            for org, term in draw(
                st.lists(st.tuples(st.sampled_from(order), st.sampled_from(term_ids)), max_size=8)
            )
        ]
    return order, slots, draw(st.permutations(skips)), per


def skipped_for(slots: Sequence[Slot], skips: Sequence[Skip]) -> dict[str, set[str]]:
    """Every org a meeting must not get, whether skipped for the meeting or for its term."""
    out: dict[str, set[str]] = {}
    for slot in slots:
        for key in slot.meeting_keys:
            out[key] = {s.org for s in skips if s.meeting_key == key or s.term_id == slot.term_id}
    return out


@settings(max_examples=300, deadline=None)
@given(mixed_cases())
def test_a_skipped_org_never_gets_a_meeting_it_is_skipped_for(
    case: tuple[list[str], list[Slot], list[Skip], Per],
) -> None:
    order, slots, skips, per = case
    result = convener_schedule(order, slots, skips, per=per)
    forbidden = skipped_for(slots, skips)
    for a in result:
        assert a.org not in forbidden[a.meeting_key]
        assert (a.org is None) == (a.reason == "none")
        if a.org is None:
            assert forbidden[a.meeting_key] >= set(order)


@settings(max_examples=200, deadline=None)
@given(mixed_cases(), st.randoms(use_true_random=False))
def test_deterministic_and_independent_of_object_identity_and_skip_order(
    case: tuple[list[str], list[Slot], list[Skip], Per], rnd: random.Random
) -> None:
    order, slots, skips, per = case

    def fresh(text: str) -> str:
        # An equal string that is a different object, so nothing can key on identity.
        return "".join(list(text + "\0"))[:-1]

    order2 = tuple(fresh(o) for o in order)
    slots2 = [
        Slot(
            fresh(s.key),
            None if s.term_id is None else fresh(s.term_id),
            tuple(fresh(k) for k in s.meeting_keys),
        )
        for s in slots
    ]
    skips2 = [
        Skip(
            fresh(s.org),
            meeting_key=None if s.meeting_key is None else fresh(s.meeting_key),
            term_id=None if s.term_id is None else fresh(s.term_id),
        )
        for s in skips
    ]
    rnd.shuffle(skips2)  # skips are a set of facts: their relative order must not matter
    first = convener_schedule(order, slots, skips, per=per)
    assert convener_schedule(order, slots, skips, per=per) == first
    assert convener_schedule(order2, slots2, tuple(skips2), per=per) == first


@settings(max_examples=200, deadline=None)
@given(mixed_cases(), st.data())
def test_swaps_preserve_the_multiset_of_conveners(
    case: tuple[list[str], list[Slot], list[Skip], Per], data: st.DataObject
) -> None:
    order, slots, skips, per = case
    before = convener_schedule(order, slots, skips, per=per)
    keys = [a.meeting_key for a in before] + ["unknown"]
    swaps = data.draw(st.lists(st.builds(Swap, st.sampled_from(keys), st.sampled_from(keys))))
    after = convener_schedule(order, slots, [*skips, *swaps], per=per)
    assert Counter(orgs(after)) == Counter(orgs(before))
    assert [a.meeting_key for a in after] == [a.meeting_key for a in before]


@settings(max_examples=200, deadline=None)
@given(mixed_cases(), st.data())
def test_one_swap_exchanges_exactly_two_conveners(
    case: tuple[list[str], list[Slot], list[Skip], Per], data: st.DataObject
) -> None:
    order, slots, skips, per = case
    before = convener_schedule(order, slots, skips, per=per)
    convened = [i for i, a in enumerate(before) if a.org is not None]
    if len(convened) < 2:
        return
    i, j = data.draw(st.lists(st.sampled_from(convened), min_size=2, max_size=2, unique=True))
    swap = Swap(before[i].meeting_key, before[j].meeting_key)
    after = convener_schedule(order, slots, [*skips, swap], per=per)
    assert after[i] == Assignment(before[i].meeting_key, before[j].org, "swap")
    assert after[j] == Assignment(before[j].meeting_key, before[i].org, "swap")
    assert [a for k, a in enumerate(after) if k not in (i, j)] == [
        a for k, a in enumerate(before) if k not in (i, j)
    ]


@settings(max_examples=200, deadline=None)
@given(mixed_cases(), st.data())
def test_assign_changes_only_its_own_meeting(
    case: tuple[list[str], list[Slot], list[Skip], Per], data: st.DataObject
) -> None:
    order, slots, skips, per = case
    before = convener_schedule(order, slots, skips, per=per)
    if not before:
        return
    i = data.draw(st.integers(min_value=0, max_value=len(before) - 1))
    org = data.draw(st.sampled_from(order))
    after = convener_schedule(order, slots, [*skips, Assign(before[i].meeting_key, org)], per=per)
    assert after[i] == Assignment(before[i].meeting_key, org, "assign")
    assert after[:i] + after[i + 1 :] == before[:i] + before[i + 1 :]


@settings(max_examples=200, deadline=None)
@given(mixed_cases())
def test_meeting_skips_do_not_change_the_term_rotation(
    case: tuple[list[str], list[Slot], list[Skip], Per],
) -> None:
    order, slots, skips, per = case
    if per != "term":
        return
    term_only = [s for s in skips if s.term_id is not None]
    meeting_skipped = {s.meeting_key for s in skips if s.meeting_key is not None}
    with_meeting_skips = convener_schedule(order, slots, skips, per=per)
    without = convener_schedule(order, slots, term_only, per=per)
    for a, b in zip(with_meeting_skips, without, strict=True):
        if a.meeting_key not in meeting_skipped:
            assert a == b


@settings(max_examples=200, deadline=None)
@given(mixed_cases())
def test_deferred_turns_never_exceed_skips(
    case: tuple[list[str], list[Slot], list[Skip], Per],
) -> None:
    # A debt only arises from a skip, so no org convenes "deferred" more often than the number
    # of slots it was skipped for.
    order, slots, skips, per = case
    if per != "meeting":
        return
    result = convener_schedule(order, slots, skips, per=per)
    forbidden = skipped_for(slots, skips)
    for org in order:
        deferred = sum(1 for a in result if a.org == org and a.reason == "deferred")
        assert deferred <= sum(1 for key in forbidden if org in forbidden[key])
