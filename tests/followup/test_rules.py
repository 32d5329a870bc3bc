"""The follow-up's pure rules (`domain.followup`, `domain.followup_words`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.followup import (
    OrganisationValue,
    PlanBudgetLine,
    PlanMilestone,
    budget_by_area,
    budget_by_funding,
    latest_per_organisation,
    milestone_reminders,
    milestone_view,
    owners_of,
    reminder_day,
    total,
)
from domain.followup_words import tkr
from domain.plan import PlanActivity

GS1 = PlanActivity("GS-1", "Strukturer", "GS", "Genomförande", "arbetsgrupp", ("vgr", "gr"))
GS2 = PlanActivity("GS-2", "Status", "GS", "Genomförande", "arbetsgrupp", ("gr", "skaraborg"))
KB3 = PlanActivity("KB-3", "Samsjuklighet", "KB", "Komplexa behov", "vgr-arbetsgrupp", ("vgr",),
                   goal_area_position=1)


def milestone(ident: str, due: date, **kwargs: object) -> PlanMilestone:
    return PlanMilestone(ident, "Underlag till SRO", due, **kwargs)  # type: ignore[arg-type]


def test_owners_default_to_the_activitys_then_the_areas_then_the_plans() -> None:
    plan = [GS1, GS2, KB3]
    assert owners_of((), "GS-2", None, plan) == ("gr", "skaraborg")
    assert owners_of((), None, "GS", plan) == ("vgr", "gr", "skaraborg")
    assert owners_of((), None, None, plan) == ("vgr", "gr", "skaraborg")
    assert owners_of(("gr",), "GS-2", None, plan) == ("gr",)


def test_a_milestone_is_overdue_from_the_day_after_its_date() -> None:
    due = date(2027, 3, 18)
    done = milestone("b", due, done_at=datetime(2027, 3, 1, tzinfo=UTC))
    view = milestone_view([milestone("a", due), done], due)
    assert [m.id for m in view.coming] == ["a"] and not view.overdue
    assert [m.id for m in view.done] == ["b"]
    later = milestone_view([milestone("a", due)], due + timedelta(days=1))
    assert [m.id for m in later.overdue] == ["a"]


def test_a_reminder_on_a_day_off_goes_out_the_working_day_before() -> None:
    # 14 days before Friday 17 April 2026 is Friday 3 April: Långfredagen, a holiday.
    assert reminder_day(milestone("a", date(2026, 4, 17))) == date(2026, 4, 2)
    # 14 days before Thursday 18 March 2027 is Thursday 4 March, a working day.
    assert reminder_day(milestone("a", date(2027, 3, 18))) == date(2027, 3, 4)


def test_reminders_are_due_once_in_their_window_to_the_group_and_the_contacts() -> None:
    sro = milestone("sro", date(2027, 3, 18), owners=("vgr", "gr"), group_id="arbetsgrupp")
    plan = milestone("plan", date(2027, 3, 18))  # the whole plan: no group to post in
    at = datetime(2027, 3, 4, 8, 0, tzinfo=UTC)  # 09:00 in Stockholm
    found = milestone_reminders([sro, plan], {"sro": ["amir.haddad"]}, now=at,
                                lookback=timedelta(hours=6))
    assert [r.recipient for r in found] == ["channel", "person:amir.haddad"]
    assert {r.rule for r in found} == {"milestone"} and found[0].due_at == at
    assert milestone_reminders([sro], {}, now=at - timedelta(minutes=1),
                               lookback=timedelta(hours=6)) == []
    assert milestone_reminders([sro], {}, now=at + timedelta(hours=7),
                               lookback=timedelta(hours=6)) == []


def test_counts_add_up_over_organisations_shares_do_not() -> None:
    assert total("antal", [1, 2, 3]) == 6
    assert total("Antal ", [2]) == 2
    assert total("procent", [30, 50]) is None
    assert total("antal", []) is None


def test_each_organisations_latest_value_counts() -> None:
    at = datetime(2026, 5, 1, tzinfo=UTC)
    values = [
        OrganisationValue("VIP-1", "v", "gr", 1, at),
        OrganisationValue("VIP-1", "v", "gr", 3, at + timedelta(days=1)),
        OrganisationValue("VIP-1", "v", "vgr", 2, at - timedelta(days=9)),
    ]
    latest = latest_per_organisation(values)[("VIP-1", "v")]
    assert {org: v.value for org, v in latest.items()} == {"gr": 3, "vgr": 2}


def test_budget_per_goal_area_and_funding_source() -> None:
    lines = [
        PlanBudgetLine("a", "A", 3000, "SSN 2026", goal_area_code="GS"),
        PlanBudgetLine("b", "B", 4000, "SSN 2026", activity_code="KB-3"),
        PlanBudgetLine("c", "C", 3500, "SSN 2026"),
        PlanBudgetLine("d", "D", 300, "Statsbidrag 2026", activity_code="GS-2"),
    ]
    areas = budget_by_area(lines, [GS1, GS2, KB3], "Hela planen")
    assert [(a.key, a.budget_tkr, a.lines) for a in areas] == [
        ("GS", 3300, 2), ("KB", 4000, 1), ("", 3500, 1)]
    assert [(f.key, f.budget_tkr) for f in budget_by_funding(lines)] == [
        ("SSN 2026", 10500), ("Statsbidrag 2026", 300)]


def test_amounts_in_tkr_are_written_the_way_of_each_language() -> None:
    assert tkr(20800, "sv") == "20\u00a0800" and tkr(20800, "en") == "20,800"
    assert tkr(2.5, "sv") == "2,5"
