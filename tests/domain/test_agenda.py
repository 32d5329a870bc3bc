"""The pure rules of agenda items and attendance, and `reports_to` in the configuration."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from domain.agenda import Attendance, attendance_answer, attendance_by_organisation, item_action
from domain.config import load_config_text
from domain.config_agenda import reports_to_cycle

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vastra-gotaland.toml"


def with_reports_to(**targets: str) -> str:
    """The example configuration with `reports_to` set as given (group id → target)."""

    text = EXAMPLE.read_text("utf-8").replace('reports_to = "chefsgrupp"\n', "")
    for group, target in targets.items():
        marker = f'id = "{group}"\n'
        assert marker in text
        text = text.replace(marker, f'{marker}reports_to = "{target}"  # <- {group}\n', 1)
    return text


def line_of(text: str, group: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1)
                if line.endswith(f"# <- {group}"))


def test_the_example_reports_from_arbetsgruppen_to_the_chefsgrupp() -> None:
    result = load_config_text(EXAMPLE.read_text("utf-8"))
    assert result.ok and result.config is not None
    groups = {g.id: g.reports_to for g in result.config.groups}
    assert groups["arbetsgrupp"] == "chefsgrupp" and groups["chefsgrupp"] is None


@pytest.mark.parametrize(("targets", "code"), [
    ({"arbetsgrupp": "styrgrupp"}, "config.unknown_reference"),
    ({"arbetsgrupp": "arbetsgrupp"}, "config.reports_to_self"),
    ({"arbetsgrupp": "chefsgrupp", "chefsgrupp": "kf-arbetsgrupp",
      "kf-arbetsgrupp": "arbetsgrupp"}, "config.reports_to_cycle"),
])
def test_reports_to_names_another_group_and_makes_no_circle(
    targets: dict[str, str], code: str
) -> None:
    text = with_reports_to(**targets)
    result = load_config_text(text)
    assert result.config is None
    [problem] = [p for p in result.problems if p.path.endswith("reports_to")]
    assert problem.code == code
    assert problem.line in {line_of(text, group) for group in targets}
    if code == "config.reports_to_cycle":
        assert problem.params["value"].count("→") == 3


def test_a_cycle_is_found_from_anywhere_on_it() -> None:
    edges = {"a": "b", "b": "c", "c": "a", "d": "a"}
    assert reports_to_cycle(edges, "d") == ["a", "b", "c"]
    assert reports_to_cycle({"a": "b", "b": None}, "a") is None  # type: ignore[dict-item]


def test_words_for_actions_and_answers_in_both_languages() -> None:
    assert [item_action(w) for w in ("godkänn", "GODKANN", "accept", "avslå", "decline",
                                     "flytta", "move", "dra-tillbaka", "withdraw", "ja")] == [
        "accept", "accept", "accept", "decline", "decline", "move", "move", "withdraw",
        "withdraw", None]
    assert [attendance_answer(w) for w in ("ja", "yes", "Nej", "no", "ersättare", "stand-in",
                                           "kanske")] == [
        "yes", "yes", "no", "no", "stand_in", "stand_in", None]


def test_attendance_per_organisation_and_who_will_not_be_represented() -> None:
    at = datetime(2026, 9, 7, 8, 0, tzinfo=UTC)
    members = [("p1", "Anna", "gr"), ("p2", "Bo", "gr"), ("p3", "Cia", "vgr"),
               ("p4", "Dan", "skaraborg"), ("p5", "Eva", "fyrbodal")]
    day = date(2026, 9, 8)
    answers = [
        Attendance("g", day, "p1", "gr", "no", at),
        Attendance("g", day, "p1", "gr", "yes", at.replace(hour=9)),  # the latest counts
        Attendance("g", day, "p3", "vgr", "stand_in", at),
        Attendance("g", day, "p4", "skaraborg", "no", at),
    ]
    names = {"gr": "GR", "vgr": "VGR", "skaraborg": "Skaraborg", "fyrbodal": "Fyrbodal"}
    rows = {a.organisation: a for a in attendance_by_organisation(members, answers, names)}
    assert list(rows) == ["Fyrbodal", "GR", "Skaraborg", "VGR"]
    assert (rows["GR"].coming, rows["GR"].no_answer, rows["GR"].represented) == (
        ("Anna",), ("Bo",), True)
    assert (rows["VGR"].stand_in, rows["VGR"].represented) == (("Cia",), True)
    assert rows["Skaraborg"].represented is False
    assert rows["Fyrbodal"].represented is None
