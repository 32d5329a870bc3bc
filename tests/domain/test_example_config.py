"""The example configuration administrators start from: it must load, and hold invented people.

examples/vastra-gotaland.toml is read and reviewed like a document, so these tests pin down
what it promises: the real organisations and groups, the cadences and rotations the groups
actually use, and an action plan users can report on (`rapportera VIP-1 ...`).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import holidays
import pytest

from domain.config import Config, load_config_text

HERE = Path(__file__).resolve()
EXAMPLE = HERE.parents[2] / "examples" / "vastra-gotaland.toml"
SEEDS = HERE.parents[3] / "shared" / "seeds"

ORGANISATIONS = {"vgr", "fyrbodal", "sjuharad", "gr", "skaraborg"}
FEDERATIONS = ORGANISATIONS - {"vgr"}
GROUPS = {"chefsgrupp", "arbetsgrupp", "kf-arbetsgrupp", "vgr-arbetsgrupp"}


@pytest.fixture(scope="module")
def config() -> Config:
    result = load_config_text(EXAMPLE.read_text(encoding="utf-8"))
    problems = "\n".join(f"  line {p.line}: {p.path}: {p.code} {p.params}" for p in result.problems)
    assert result.ok, f"{EXAMPLE.name} does not load:\n{problems}"
    assert result.config is not None
    return result.config


def _words(text: str) -> str:
    """Lower-cased, with runs of whitespace as one space, so line breaks do not hide a name."""

    return " ".join(text.casefold().split())


def test_example_loads_without_problems(config: Config) -> None:
    assert config.installation.name == "Samverkansboten Västra Götaland"
    assert config.installation.default_language == "sv"
    assert config.administrators
    assert 1 <= len(config.administrators) <= 2


def test_organisations_are_exactly_the_region_and_the_four_federations(config: Config) -> None:
    ids = [org.id for org in config.organisations]
    assert sorted(ids) == sorted(ORGANISATIONS)


def test_groups_are_exactly_the_four_working_groups(config: Config) -> None:
    ids = [group.id for group in config.groups]
    assert sorted(ids) == sorted(GROUPS)


def test_every_group_has_a_series_a_rotation_and_channels(config: Config) -> None:
    for group in config.groups:
        assert group.series, f"{group.id} has no meeting series"
        assert group.rotation is not None, f"{group.id} has no rotation"
        assert group.members, f"{group.id} has no members"
        assert group.channels.slack or group.channels.teams, f"{group.id} has no channel"


@pytest.mark.parametrize(
    ("group_id", "per", "organisations"),
    [
        ("chefsgrupp", "meeting", ORGANISATIONS),
        ("arbetsgrupp", "term", ORGANISATIONS),
        ("kf-arbetsgrupp", "term", FEDERATIONS),
        ("vgr-arbetsgrupp", "term", {"vgr"}),
    ],
)
def test_rotation_follows_the_groups_own_rules(
    config: Config, group_id: str, per: str, organisations: set[str]
) -> None:
    group = next(g for g in config.groups if g.id == group_id)
    assert group.rotation is not None
    assert group.rotation.per == per
    assert set(group.rotation.order) == organisations


def test_every_organisation_in_a_rotation_has_a_representative_of_its_own(
    config: Config,
) -> None:
    # The schema does not require this; an example an administrator copies should.
    org_of = {person.id: person.organisation for person in config.people}
    for group in config.groups:
        assert group.rotation is not None
        represented = {rep.organisation for rep in group.rotation.representatives}
        assert represented == set(group.rotation.order), group.id
        members = {m.person for m in group.members}
        for rep in group.rotation.representatives:
            assert org_of[rep.person] == rep.organisation, (group.id, rep)
            assert rep.person in members, (group.id, rep.person)
            if rep.stand_in is not None:
                assert org_of[rep.stand_in] == rep.organisation, (group.id, rep)
                assert rep.stand_in != rep.person, (group.id, rep)


def test_chefsgrupp_members_are_one_chef_per_organisation(config: Config) -> None:
    group = next(g for g in config.groups if g.id == "chefsgrupp")
    org_of = {person.id: person.organisation for person in config.people}
    assert all(m.role == "chef" for m in group.members)
    assert sorted(org_of[m.person] for m in group.members) == sorted(ORGANISATIONS)


def test_kf_arbetsgrupp_has_only_federation_members(config: Config) -> None:
    group = next(g for g in config.groups if g.id == "kf-arbetsgrupp")
    org_of = {person.id: person.organisation for person in config.people}
    assert {org_of[m.person] for m in group.members} == FEDERATIONS


def test_explicit_meeting_dates_are_working_days_in_term_outside_breaks(config: Config) -> None:
    years = sorted({t.start.year for t in config.terms} | {t.end.year for t in config.terms})
    public_holidays = holidays.country_holidays("SE", years=years)

    def term_of(day: date) -> str | None:
        for term in config.terms:
            if term.start <= day <= term.end and not any(
                b.start <= day <= b.end for b in term.breaks
            ):
                return term.id
        return None

    dated = [s for g in config.groups for s in g.series if s.dates]
    assert dated, "the example should show a series with explicit dates"
    for series in dated:
        per_term = Counter(term_of(day) for day in series.dates)
        for day in series.dates:
            assert day.weekday() < 5, (series.id, day)
            assert day not in public_holidays, (series.id, day, public_holidays.get(day))
            assert term_of(day) is not None, (series.id, day)
        assert set(per_term.values()) == {2}, (series.id, per_term)


def test_terms_cover_2026_and_2027_with_breaks_inside_them(config: Config) -> None:
    assert [t.id for t in config.terms] == ["vt2026", "ht2026", "vt2027", "ht2027"]
    for term in config.terms:
        assert term.kind == term.id[:2]
        assert term.breaks, term.id
        for holiday in term.breaks:
            assert term.start <= holiday.start <= holiday.end <= term.end, (term.id, holiday)
    for earlier, later in zip(config.terms, config.terms[1:], strict=False):
        assert earlier.end < later.start


def test_series_show_both_non_working_day_rules_and_custom_reminders(config: Config) -> None:
    series = [s for g in config.groups for s in g.series]
    assert {s.on_non_working_day for s in series} == {"skip", "next_working_day"}
    assert any(s.reminders != type(s.reminders)() for s in series)


def test_vip1_exists_under_genomforande_av_strategin(config: Config) -> None:
    areas = {area.code: area.title for area in config.plan.goal_areas}
    assert areas == {
        "GS": "Genomförande av strategin",
        "SP": "Suicidprevention",
        "KB": "Komplexa behov / samsjuklighet",
    }
    activities = {activity.code: activity for activity in config.plan.activities}
    assert "VIP-1" in activities
    assert activities["VIP-1"].goal_area == "GS"
    assert 9 <= len(activities) <= 12
    assert {a.goal_area for a in activities.values()} == set(areas)
    assert any(a.indicators for a in activities.values())


def test_every_organisation_has_two_or_three_people(config: Config) -> None:
    per_org = Counter(person.organisation for person in config.people)
    for org in ORGANISATIONS:
        assert 2 <= per_org[org] <= 3, (org, per_org[org])


def test_people_use_example_addresses_and_mostly_swedish(config: Config) -> None:
    for person in config.people:
        assert person.email.endswith(".example"), person.email
    languages = Counter(person.language for person in config.people)
    assert languages["en"] >= 1
    assert languages["sv"] > languages["en"]


def test_people_are_invented_not_taken_from_the_seed_documents(config: Config) -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"seed documents not found at {SEEDS}; cannot compare names with them")
    seed_text = _words(
        "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.iterdir()) if p.is_file())
    )
    assert seed_text, f"no seed documents in {SEEDS}"
    for person in config.people:
        name = _words(person.name)
        assert name not in seed_text, f"{person.name!r} occurs in the seed documents"
        surname = name.split()[-1]
        assert not re.search(rf"(?<!\w){re.escape(surname)}(?!\w)", seed_text), (
            f"the surname of {person.name!r} occurs in the seed documents"
        )
