"""`[[plan.milestones]]` and `[[plan.budget]]`: every problem at once, with its exact line."""

from __future__ import annotations

from pathlib import Path

from app.i18n import translator
from bot.config_file import format_problem
from domain.config import load_config_text
from tests.domain.test_config import found, marker_line

ROOT = Path(__file__).resolve().parents[2]

BASE = """\
[[organisations]]
id = "vgr"
name = "Västra Götalandsregionen"
short_name = "VGR"

[[organisations]]
id = "gr"
name = "Göteborgsregionen"
short_name = "GR"

[[groups]]
id = "chefsgrupp"
name = "Chefsgruppen"

[plan]
title = "Plan"
year = 2026

[[plan.goal_areas]]
code = "GS"
title = "Genomförande"

[[plan.activities]]
code = "UPP-2"
title = "Följa upp"
goal_area = "GS"
owners = ["vgr", "gr"]
group = "chefsgrupp"
budget_tkr = -5  # <- activity-budget
"""

FAULTS = BASE + """
[[plan.milestones]]
id = "sro-mars-2027"
title = "Underlag till SRO"
due = 2027-03-18
activity = "UPP-9"  # <- unknown-activity
owners = ["vgr", "kommunen"]  # <- owner

[[plan.milestones]]
id = "sro-juni-2027"
title = "Underlag till SRO"
due = 2029-06-10  # <- due
goal_area = "XX"  # <- unknown-area

[[plan.milestones]]
id = "sro-juni-2027"  # <- duplicate
title = "Dubblett"
due = 2026-06-10
goal_area = "GS"
activity = "UPP-2"  # <- both

[[plan.budget]]
id = "ssn-utvag"
title = "Utväg"
budget_tkr = -1000  # <- negative
funding = "SSN utvecklingsmedel 2026"
"""


def test_milestone_and_budget_problems_are_reported_with_their_lines() -> None:
    result = load_config_text(FAULTS)
    assert not result.ok

    def line(name: str) -> int:
        return marker_line(FAULTS, name)

    assert found(result) == {
        ("plan.activities[0].budget_tkr", line("activity-budget"), "config.too_small"),
        ("plan.milestones[0].activity", line("unknown-activity"), "config.unknown_reference"),
        ("plan.milestones[0].owners[1]", line("owner"), "config.unknown_reference"),
        ("plan.milestones[1].due", line("due"), "config.due_outside_plan"),
        ("plan.milestones[1].goal_area", line("unknown-area"), "config.unknown_reference"),
        ("plan.milestones[2].id", line("duplicate"), "config.duplicate_id"),
        ("plan.milestones[2].goal_area", line("both") - 1, "config.activity_or_area"),
        ("plan.budget[0].budget_tkr", line("negative"), "config.too_small"),
    }


def test_the_problems_read_as_sentences_in_both_languages() -> None:
    result = load_config_text(FAULTS)
    by_code = {p.code + p.path: p for p in result.problems}
    due = by_code["config.due_outside_planplan.milestones[1].due"]
    owner = by_code["config.unknown_referenceplan.milestones[0].owners[1]"]
    sv, en = translator("sv"), translator("en")
    assert "2029-06-10 ligger utanför planens år" in format_problem(sv, "plan.toml", due)
    assert "2026 och 2027" in format_problem(sv, "plan.toml", due)
    assert "organisationen ”kommunen” som inte finns" in format_problem(sv, "plan.toml", owner)
    assert "outside the plan's years" in format_problem(en, "plan.toml", due)


def test_a_plan_without_milestones_or_budget_is_still_valid() -> None:
    text = BASE.replace("budget_tkr = -5  # <- activity-budget\n", "")
    assert load_config_text(text).ok


def test_the_example_has_the_plans_follow_up_for_2026() -> None:
    result = load_config_text((ROOT / "examples" / "vastra-gotaland.toml").read_text("utf-8"))
    assert result.ok and result.config is not None
    plan = result.config.plan
    sro = sorted(m.due.isoformat() for m in plan.milestones if "SRO" in m.title)
    assert sro[0].startswith("2027-03") and sro[1].startswith("2027-06")
    follow_up = [m for m in plan.milestones if m.activity == "UPP-2"]
    assert follow_up and all(m.due.year == 2027 and m.due.month <= 6 for m in follow_up)
    ssn = [line for line in plan.budget if line.funding == "SSN utvecklingsmedel 2026"]
    # The SSN's development funds for mental health 2026: 20.8 million kronor in seven lines.
    assert len(ssn) == 7 and sum(line.budget_tkr for line in ssn) == 20_800
    assert {line.note.split(",")[0] for line in ssn} >= {
        "Pågår enligt plan", "Är i uppstart", "Ännu inga konkreta förslag"}
