"""`load_config_text`: every problem at once, each with its key path and the line it is on.

Faulty lines carry a `# <- name` marker; `line("name")` is that line's number, so each test
asserts the exact line while the fixtures stay easy to edit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.config import LoadResult, Problem, load_config_text

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "vastra-gotaland.toml"


def marker_line(text: str, name: str) -> int:
    hits = [n for n, line in enumerate(text.splitlines(), 1) if line.endswith(f"# <- {name}")]
    assert len(hits) == 1, f"marker {name!r} must appear exactly once"
    return hits[0]


def found(result: LoadResult) -> set[tuple[str, int | None, str]]:
    return {(p.path, p.line, p.code) for p in result.problems}


MANY_FAULTS = """\
administrators = ["anna.berg", "ghost"]  # <- admin

[[organisations]]
id = "vgr"
name = "Västra Götalandsregionen"
short_name = "VGR"
colour = "blue"  # <- unknown-key

[[organisations]]
id = "vgr"  # <- duplicate
name = "Dubblett"
short_name = "DUP"

[[organisations]]
id = "gr"
name = "Göteborgsregionen"
short_name = "GR"

[[people]]  # <- missing-email
id = "anna.berg"
name = "Anna Berg"
organisation = "vgr"
language = "de"  # <- bad-enum

[[people]]
id = "olle.ek"
name = "Olle Ek"
organisation = "nowhere"  # <- unknown-org
email = "olle.ek@vgregion.example"

[[terms]]
id = "vt2026"
kind = "vt"
start = 2026-01-12
end = "soon"  # <- bad-date

[[groups]]
id = "arbetsgrupp"
name = "Arbetsgruppen"
members = [{ person = "anna.berg" }, { person = "nils.okand" }]  # <- unknown-member

[[groups.series]]
id = "manadsmote"
dates = [2026-02-10]
start_time = "nine"  # <- bad-time
duration_minutes = 60

[groups.rotation]  # <- missing-order
per = "term"

[[groups]]
id = "chefsgrupp"
name = "Chefsgruppen"

[[groups.series]]
id = "manadsmote"  # <- series-duplicate
dates = [2026-03-10]
start_time = "13:00"
duration_minutes = 60

[groups.rotation]
per = "year"  # <- rotation-per
order = ["vgr", "gr"]

[plan]
title = "Plan"
year = 2026

[[plan.goal_areas]]
code = "GS"
title = "Genomförande"

[[plan.activities]]
code = "GS-1"
title = "Aktivitet"
goal_area = "XX"  # <- unknown-goal-area
owners = ["vgr"]
group = "arbetsgrupp"
"""


def test_every_problem_is_reported_at_once_with_path_and_exact_line() -> None:
    result = load_config_text(MANY_FAULTS)
    assert result.config is None and not result.ok

    def line(name: str) -> int:
        return marker_line(MANY_FAULTS, name)

    expected = {
        ("administrators[1]", line("admin"), "config.unknown_reference"),
        ("organisations[0].colour", line("unknown-key"), "config.unknown_key"),
        ("organisations[1].id", line("duplicate"), "config.duplicate_id"),
        # A missing key points at the table it is missing from, not at a later table's key.
        ("people[0].email", line("missing-email"), "config.missing"),
        ("people[0].language", line("bad-enum"), "config.not_one_of"),
        ("people[1].organisation", line("unknown-org"), "config.unknown_reference"),
        ("terms[0].end", line("bad-date"), "config.bad_date"),
        ("groups[0].members[1].person", line("unknown-member"), "config.unknown_reference"),
        ("groups[0].series[0].start_time", line("bad-time"), "config.bad_time"),
        ("groups[0].rotation.order", line("missing-order"), "config.missing"),
        ("groups[1].series[0].id", line("series-duplicate"), "config.duplicate_id"),
        ("groups[1].rotation.per", line("rotation-per"), "config.not_one_of"),
        ("plan.activities[0].goal_area", line("unknown-goal-area"), "config.unknown_reference"),
    }
    assert found(result) == expected
    # Reported in file order, so an administrator can work from the top.
    lines = [p.line or 0 for p in result.problems]
    assert lines == sorted(lines)


def test_problem_parameters_name_what_is_wrong() -> None:
    problems = {p.path: p for p in load_config_text(MANY_FAULTS).problems}
    assert problems["people[1].organisation"].params == {"kind": "organisation",
                                                          "value": "nowhere"}
    assert problems["organisations[1].id"].params == {"value": "vgr"}
    assert "'sv'" in problems["people[0].language"].params["allowed"]
    assert "'en'" in problems["people[0].language"].params["allowed"]
    assert problems["groups[1].series[0].id"].params == {"value": "manadsmote"}


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[[organisations]]\nid = "vgr"\nname "VGR"\n', 3),
        ('administrators = ["a"\n\n[[organisations]]\n', 3),
        ('[plan]\ntitle = "x"\n[plan]\nyear = 2026\n', 3),
        ('[[organisations]]\nid = "vgr"\nid = "gr"\n', 3),
    ],
)
def test_a_toml_syntax_error_is_one_problem_with_its_line(text: str, line: int) -> None:
    result = load_config_text(text)
    assert result.config is None
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert problem.code == "config.toml_syntax"
    assert problem.line == line
    assert problem.params["detail"]


def test_the_example_configuration_passes() -> None:
    result = load_config_text(EXAMPLE.read_text("utf-8"))
    assert result.problems == []
    assert result.ok and result.config is not None
    assert {o.id for o in result.config.organisations} == {
        "vgr", "fyrbodal", "sjuharad", "gr", "skaraborg",
    }
    assert {g.id for g in result.config.groups} == {
        "chefsgrupp", "arbetsgrupp", "kf-arbetsgrupp", "vgr-arbetsgrupp",
    }


def _example_with(old: str, new: str) -> str:
    text = EXAMPLE.read_text("utf-8")
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_a_rotation_representative_of_the_wrong_organisation_is_reported() -> None:
    # The example's arbetsgrupp: GR represented by someone from Fyrbodal.
    text = _example_with(
        '    { organisation = "gr", person = "amir.haddad", stand_in = "therese.lund" },',
        '    { organisation = "gr", person = "linnea.ek", stand_in = "therese.lund" },',
    )
    result = load_config_text(text)
    assert result.config is None
    index = _group_ids(text).index("arbetsgrupp")
    assert [(p.path, p.code, p.params) for p in result.problems] == [
        (f"groups[{index}].rotation.representatives[2].person",
         "config.representative_other_org", {"value": "linnea.ek", "organisation": "gr"}),
    ]
    # Inline array: the line of `representatives =` within that group's rotation.
    assert result.problems[0].line == _line_after(
        text, 'id = "arbetsgrupp"', "representatives = ["
    )


def test_a_stand_in_of_the_wrong_organisation_is_reported() -> None:
    text = _example_with(
        '{ organisation = "vgr", person = "cecilia.akerblom", stand_in = "johan.wikstrom" }',
        '{ organisation = "vgr", person = "cecilia.akerblom", stand_in = "amir.haddad" }',
    )
    problems = load_config_text(text).problems
    assert [(p.path, p.code) for p in problems] == [
        ("groups[0].rotation.representatives[0].stand_in", "config.representative_other_org"),
    ]


def test_an_organisation_in_the_order_without_representative_is_reported() -> None:
    text = _example_with(
        '    { organisation = "skaraborg", person = "malin.hedlund" },  # ingen ersättare utsedd\n',
        "",
    )
    problems = load_config_text(text).problems
    assert [(p.path, p.code, p.params) for p in problems] == [
        ("groups[1].rotation.order[1]", "config.no_representative", {"value": "skaraborg"}),
    ]


def test_a_series_id_used_in_two_groups_is_reported() -> None:
    text = _example_with('id = "vgr-manadsmote"', 'id = "manadsmote"  # <- again')
    result = load_config_text(text)
    assert result.config is None
    index = _group_ids(text).index("vgr-arbetsgrupp")
    assert found(result) == {
        (f"groups[{index}].series[0].id", marker_line(text, "again"), "config.duplicate_id"),
    }


def test_a_missing_key_in_a_nested_table_points_at_that_table() -> None:
    """The second group's inline rotation lacks `order`; the third group has one."""

    text = """\
[[organisations]]
id = "vgr"
name = "VGR"
short_name = "VGR"

[[groups]]
id = "a"
name = "A"

[[groups]]  # <- second-group
id = "b"
name = "B"
rotation = { per = "term" }  # <- inline-rotation

[[groups]]
id = "c"
name = "C"

[groups.rotation]
per = "term"
order = ["vgr"]

[plan]
title = "Plan"
year = 2026
goal_areas = [{ code = "GS", title = "G" }]
"""
    result = load_config_text(text)
    assert found(result) == {
        ("groups[1].rotation.order", marker_line(text, "inline-rotation"), "config.missing"),
    }


def test_a_missing_top_level_table_has_no_line_but_a_path() -> None:
    result = load_config_text('[[organisations]]\nid = "vgr"\nname = "V"\nshort_name = "V"\n')
    assert [(p.path, p.line, p.code) for p in result.problems] == [
        ("plan", None, "config.missing"),
    ]


def test_problems_are_plain_data() -> None:
    problem = load_config_text("x = 1\n").problems[0]
    assert isinstance(problem, Problem)
    assert problem.code.startswith("config.")


# --- helpers for the example-based tests -------------------------------------------------


def _group_ids(text: str) -> list[str]:
    lines = text.splitlines()
    ids: list[str] = []
    for number, line in enumerate(lines):
        if line.strip() == "[[groups]]":
            ids.append(lines[number + 1].split('"')[1])
    return ids


def _line_after(text: str, anchor: str, wanted: str) -> int:
    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.strip() == anchor)
    return next(n for n in range(start, len(lines)) if lines[n].strip() == wanted) + 1


def test_a_list_whose_only_item_is_faulty_is_not_also_called_empty() -> None:
    """Pydantic adds "at least 1 item after validation" when the one item fails; the
    administrator has one organisation with a typo, not none."""

    text = """\
[[organisations]]
id = "vgr"
name = "VGR"
short_name = "VGR"
colour = "blue"  # <- typo

[plan]
title = "Plan"
year = 2026
goal_areas = [{ code = "GS", title = "G" }]
"""
    assert found(load_config_text(text)) == {
        ("organisations[0].colour", marker_line(text, "typo"), "config.unknown_key"),
    }
    empty = load_config_text(text.replace('colour = "blue"  # <- typo\n', "").replace(
        "[[organisations]]", "[[skipped]]"
    ))
    assert ("organisations", None, "config.missing") in found(empty)
    really_empty = load_config_text('organisations = []\n' + text[text.index("[plan]"):])
    assert [(p.path, p.code) for p in really_empty.problems] == [
        ("organisations", "config.too_few"),
    ]
