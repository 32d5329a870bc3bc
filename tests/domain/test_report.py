"""The report builders (`domain.report`) and the signed links (`domain.export_link`).

Figures are given by hand, as storage would hand them over; texts come from the real catalogs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.i18n import translator
from domain.document import (
    BulletList,
    Chart,
    Document,
    Fields,
    Heading,
    Paragraph,
    Table,
)
from domain.export_link import ExportRequest, link_key, sign, verify
from domain.joint_status import OrganisationReport
from domain.notes import Decision, NextStep
from domain.plan import PlanActivity, PlanIndicator
from domain.report_figures import (
    ActivityFigures,
    IndicatorFigure,
    NextMeeting,
    Period,
    ReportedUpdate,
    Reporter,
    StatusFigures,
    SummaryFigures,
    UpdateRow,
    Upphamtning,
)
from domain.report_words import change_text, slug
from domain.signed_link import LinkError
from domain.status_report import build_status, status_dataset
from domain.summary_report import build_summary
from domain.update_export import update_dataset

SV = translator("sv")
EN = translator("en")
NOW = datetime(2026, 9, 1, 7, 0, tzinfo=UTC)
PERIOD = Period(NOW - timedelta(days=90), NOW)
ORGS = {"vgr": "VGR", "gr": "GR", "fyrbodal": "Fyrbodal", "sjuharad": "Sjuhärad",
        "skaraborg": "Skaraborg"}
ALL = tuple(ORGS)
VIP_IND = PlanIndicator("vip-plan", "Delregioner med plan", "antal", 0, 4)
PLAN = [
    PlanActivity("GS-1", "Strukturer för ledning", "GS", "Genomförande av strategin",
                 "arbetsgrupp", ALL, goal_area_position=0, position=0),
    PlanActivity("VIP-1", "Implementera VIP", "GS", "Genomförande av strategin", "arbetsgrupp",
                 ALL, (VIP_IND,), goal_area_position=0, position=1),
    PlanActivity("SP-1", "Efterlevandestöd", "SP", "Suicidprevention", "arbetsgrupp",
                 ("gr", "fyrbodal"), goal_area_position=1, position=0),
    PlanActivity("KB-3", "Regional hälso- och sjukvård", "KB", "Komplexa behov", "vgr-grupp",
                 ("vgr",), goal_area_position=2, position=0),
]


def reported(code: str, state: str | None, at: datetime | None, previous: str | None,
             count: int = 0, *, org: str | None = None) -> ActivityFigures:
    """One organisation's reports on the activity (its first owner's, unless `org` says)."""

    owner = org or next(a.owners[0] for a in PLAN if a.code == code)
    return ActivityFigures(code, (OrganisationReport(owner, state, at, previous),), count)


def figures(*activities: ActivityFigures, indicators: tuple[IndicatorFigure, ...] = ()
            ) -> StatusFigures:
    return StatusFigures(activities, indicators)


def status(fig: StatusFigures, **kwargs: object) -> Document:
    options: dict[str, object] = {"stale_after_days": 60}
    options.update(kwargs)
    return build_status(SV, "sv", plan_title="", activities=PLAN, organisations=ORGS,
                        figures=fig, period=PERIOD, **options)  # type: ignore[arg-type]


def main_table(document: Document) -> Table:
    return document.tables()[1]


def row_of(document: Document, code: str) -> list[str]:
    for row in main_table(document).data_rows():
        if row.cells[0].text.startswith(code + " "):
            return [cell.text for cell in row.cells]
    raise AssertionError(code)


def texts(document: Document) -> list[str]:
    return [b.text for b in document.blocks if isinstance(b, Paragraph | Heading)]


# --- status -------------------------------------------------------------------------------


def test_every_activity_has_its_status_as_a_traffic_light_and_its_last_date() -> None:
    document = status(figures(
        reported("VIP-1", "on_track", NOW - timedelta(days=3), "delayed", 2),
        reported("SP-1", "at_risk", NOW - timedelta(days=10), "at_risk", 1),
    ))
    assert document.layout == "page"
    rows = {row.cells[0].text.split()[0]: row for row in main_table(document).data_rows()}
    assert list(rows) == ["GS-1", "VIP-1", "SP-1", "KB-3"]
    vip = rows["VIP-1"].cells
    assert (vip[2].text, vip[2].light) == ("Pågår enligt plan", "green")
    assert (vip[4].text, vip[4].value) == ("2026-08-29", date(2026, 8, 29))
    assert vip[3].text == SV("reports.change.up", previous="Försenad")
    assert rows["SP-1"].cells[2].light == "yellow"
    assert rows["SP-1"].cells[3].text == SV("reports.change.same")
    assert rows["GS-1"].cells[2].text == SV("reports.status.no_report")
    # Goal areas as section rows, in the plan's order.
    sections = [r.cells[0].text for r in main_table(document).rows if r.section]
    assert sections == ["Genomförande av strategin", "Suicidprevention", "Komplexa behov"]


def test_owners_are_named_or_all_parties() -> None:
    document = status(figures())
    assert row_of(document, "VIP-1")[1] == SV("reports.owners.all")
    assert row_of(document, "SP-1")[1] == "GR, Fyrbodal"
    assert row_of(document, "KB-3")[1] == "VGR"


@pytest.mark.parametrize(
    ("previous", "current", "key", "params"),
    [
        (None, "on_track", "reports.change.new", {}),
        ("on_track", "on_track", "reports.change.same", {}),
        ("delayed", "at_risk", "reports.change.up", {"previous": "Försenad"}),
        ("on_track", "at_risk", "reports.change.down", {"previous": "Pågår enligt plan"}),
        ("not_started", "starting", "reports.change.up", {"previous": "Ej påbörjad"}),
        ("on_track", "paused", "reports.change.down", {"previous": "Pågår enligt plan"}),
        ("at_risk", "done", "reports.change.up", {"previous": "Risk för försening"}),
    ],
)
def test_the_change_since_the_previous_period_has_a_direction(
    previous: str | None, current: str, key: str, params: dict[str, str]
) -> None:
    assert change_text(SV, previous, current) == SV(key, **params)


def test_no_status_means_no_change() -> None:
    assert change_text(SV, None, None) == "–"


def test_activities_without_an_update_for_too_long_are_warned_about() -> None:
    document = status(figures(
        reported("GS-1", "on_track", NOW - timedelta(days=61), None, 0),
        reported("VIP-1", "on_track", NOW - timedelta(days=59), None, 0),
        reported("SP-1", "on_track", NOW - timedelta(days=1), None, 1),
    ))
    warnings = [b.text for b in document.blocks if isinstance(b, Paragraph) and b.tone == "warning"]
    assert warnings == [
        SV("reports.status.stale", count=60, items="GS-1 (senast 2026-07-02)"),
        SV("reports.status.never", items="KB-3"),
    ]
    # The stale date is marked in the table too.
    gs = next(r for r in main_table(document).data_rows() if r.cells[0].text.startswith("GS-1"))
    vip = next(r for r in main_table(document).data_rows() if r.cells[0].text.startswith("VIP"))
    assert gs.cells[4].light == "yellow" and vip.cells[4].light is None


def test_the_stale_limit_is_configurable() -> None:
    fig = figures(reported("GS-1", "on_track", NOW - timedelta(days=31), None, 0))
    assert any("GS-1" in text for text in texts(status(fig, stale_after_days=30)))
    assert not any("GS-1" in text for text in texts(status(fig, stale_after_days=60)))


def test_every_fresh_plan_says_so() -> None:
    fresh = figures(*(reported(a.code, "on_track", NOW, None, 1) for a in PLAN))
    assert SV("reports.status.all_fresh", count=60) in texts(status(fresh))


def test_counts_per_goal_area_count_each_activity_once_by_its_status() -> None:
    document = status(figures(
        reported("GS-1", "on_track", NOW, None, 1),
        reported("VIP-1", "on_track", NOW, None, 1),
        reported("SP-1", "delayed", NOW, None, 1),
    ))
    counts = document.tables()[0]
    assert counts.columns == ("Målområde", "Pågår enligt plan", "Försenad", "Ingen rapport",
                              "Totalt")
    rows = {r.cells[0].text: [c.value for c in r.cells[1:]] for r in counts.rows}
    assert rows == {
        "GS Genomförande av strategin": [2, 0, 0, 2],
        "SP Suicidprevention": [0, 1, 0, 1],
        "KB Komplexa behov": [0, 0, 1, 1],
        "Totalt": [2, 1, 1, 4],
    }


def test_indicators_show_the_latest_value_against_the_target() -> None:
    document = status(figures(
        reported("VIP-1", "on_track", NOW, None, 1),
        indicators=(
            IndicatorFigure("VIP-1", "vip-plan", 3, NOW - timedelta(days=1)),
            IndicatorFigure("VIP-1", "vip-plan", 1, NOW - timedelta(days=40)),
        ),
    ))
    assert row_of(document, "VIP-1")[5] == "Delregioner med plan: 3 av 4 (antal)"
    assert row_of(document, "GS-1")[5] == "–"
    [chart] = document.charts()
    [bar] = chart.indicators
    assert (bar.value, bar.target, bar.baseline) == (3, 4, 0)


def test_the_chart_counts_statuses_per_goal_area() -> None:
    document = status(figures(
        reported("GS-1", "on_track", NOW, None, 1),
        reported("VIP-1", "delayed", NOW, None, 1),
    ))
    [chart] = document.charts()
    assert chart.categories == ("GS", "SP", "KB")
    series = {s.label: (s.light, s.values) for s in chart.series}
    assert series == {
        "Pågår enligt plan": ("green", (1, 0, 0)),
        "Försenad": ("red", (1, 0, 0)),
        "Ingen rapport": (None, (0, 1, 1)),
    }


def test_a_goal_area_filter_keeps_only_that_area() -> None:
    document = status(figures(reported("SP-1", "on_track", NOW, None, 1)),
                      goal_areas=("SP",))
    assert [r.cells[0].text.split()[0] for r in main_table(document).data_rows()] == ["SP-1"]
    assert [r.cells[0].text for r in document.tables()[0].rows] == [
        "SP Suicidprevention", "Totalt"]
    assert "Suicidprevention" in document.subtitle


def test_the_status_in_english() -> None:
    document = build_status(EN, "en", plan_title="", activities=PLAN, organisations=ORGS,
                            figures=figures(reported("SP-1", "done", NOW, None, 1)),
                            period=PERIOD)
    assert document.title == "Status of the action plan"
    assert row_of(document, "SP-1")[2] == "Done"
    assert "Tue 1 Sep 2026" in document.subtitle


def test_the_status_as_typed_rows() -> None:
    dataset, _by_organisation = status_dataset(
        SV, "sv", activities=PLAN, organisations=ORGS, period=PERIOD,
        figures=figures(
            reported("VIP-1", "on_track", NOW - timedelta(days=70), None, 2),
            indicators=(IndicatorFigure("VIP-1", "vip-plan", 2, NOW),),
        ),
    ).parts
    assert dataset.sheets == ("Genomförande av strategin", "Suicidprevention", "Komplexa behov")
    vip = next(r for r in dataset.rows if r[1] == "VIP-1")
    record = dict(zip([c.key for c in dataset.columns], vip, strict=True))
    assert record["last_update"] == date(2026, 6, 23)
    assert record["days_since"] == 70 and record["updates_in_period"] == 2
    assert record["stale"] == SV("reports.status.warning_stale")
    assert record["indicator:VIP-1:vip-plan"] == 2.0
    assert record["target:VIP-1:vip-plan"] == 4.0
    never = dict(zip([c.key for c in dataset.columns],
                     next(r for r in dataset.rows if r[1] == "KB-3"), strict=True))
    assert never["last_update"] is None and never["stale"] == SV("reports.status.warning_never")


# --- summary ------------------------------------------------------------------------------

SINCE = datetime(2026, 6, 9, 7, 0, tzinfo=UTC)
MEETING = NextMeeting(datetime(2026, 9, 8, 7, 0, tzinfo=UTC), "Skaraborg (Malin Hedlund)",
                      "Teams")


def update(number: int, code: str, state: str, who: str, org: str, *, days: int = 10,
           risks: str = "", version: int = 1, values: dict[str, float] | None = None,
           ) -> ReportedUpdate:
    at = SINCE + timedelta(days=days)
    return ReportedUpdate(number, code, state, f"Gjort {number}", f"Sedan {number}", risks, at,
                          at + timedelta(days=version - 1), version, who, who.title(), org,
                          values or {})


def summary(fig: SummaryFigures, *, notes: Upphamtning | None = None,
            meeting: NextMeeting | None = MEETING, t: object = SV, language: str = "sv",
            ) -> Document:
    return build_summary(
        t, language, group_name="Arbetsgruppen",  # type: ignore[arg-type]
        activities=[a for a in PLAN if a.group_id == "arbetsgrupp"], organisations=ORGS,
        figures=fig, since=SINCE, until=NOW, upphamtning=notes or Upphamtning(),
        next_meeting=meeting,
    )


DECISION = Decision(4, "d", "arbetsgrupp", date(2026, 6, 9), "Ta fram indikatorer", "linnea",
                    SINCE)
STEP = NextStep(7, "s", "arbetsgrupp", date(2026, 6, 9), "Sammanställa enkäten", "linnea",
                SINCE, responsible_org_id="gr", due=date(2026, 8, 15))
FIGURES = SummaryFigures(
    updates=(
        update(1, "VIP-1", "on_track", "linnea", "fyrbodal", days=5,
               values={"vip-plan": 2}),
        update(2, "VIP-1", "at_risk", "amir", "gr", days=20, risks="Beslut dröjer", version=2),
    ),
    previous={"VIP-1": (OrganisationReport("fyrbodal", "on_track", SINCE - timedelta(days=9)),),
              "SP-1": (OrganisationReport("gr", "delayed", SINCE - timedelta(days=30)),)},
    missing=(Reporter("emma", "Emma Falk", "sjuharad"), Reporter("therese", "Therese Lund", "gr")),
)


def test_the_summary_follows_the_meeting_pattern() -> None:
    document = summary(FIGURES, notes=Upphamtning((DECISION,), date(2026, 6, 9), (STEP,)))
    top = [b.text for b in document.blocks if isinstance(b, Heading) and b.level == 1]
    assert top == [
        "Upphämtning från förra gången", "Lägesrapporter per målområde", "Risker och hinder",
        "Har inte rapporterat", "Nästa möte", "Förslag till dagordning",
    ]
    assert document.title == SV("reports.summary.title_meeting", group="Arbetsgruppen",
                                date="tis 8 sep 2026")
    assert document.layout == "material"


def test_the_summary_picks_up_decisions_and_open_next_steps() -> None:
    document = summary(FIGURES, notes=Upphamtning((DECISION,), date(2026, 6, 9), (STEP,)))
    decisions, steps = document.tables()[:2]
    assert [c.text for c in decisions.rows[0].cells] == ["#4", "Ta fram indikatorer"]
    assert [c.text for c in steps.rows[0].cells] == [
        "#7", "Sammanställa enkäten", "GR",
        SV("reports.summary.overdue", date="2026-08-15"), "2026-06-09",
    ]
    assert steps.rows[0].cells[3].light == "red"
    assert SV("reports.summary.decisions", date="tis 9 jun 2026") in texts(document)


def test_without_notes_the_recap_says_so() -> None:
    document = summary(FIGURES)
    assert SV("reports.summary.no_decisions") in texts(document)
    assert SV("reports.summary.no_open_steps") in texts(document)


def test_each_activity_shows_its_updates_and_the_change_of_status() -> None:
    document = summary(FIGURES)
    blocks = list(document.blocks)
    start = blocks.index(Heading("VIP-1 Implementera VIP", 3))
    assert blocks[start + 1] == Paragraph(SV(
        "reports.summary.status_line", status="Risk för försening",
        change=SV("reports.change.down", previous="Pågår enligt plan")))
    first, second = [b for b in blocks[start:] if isinstance(b, Fields)][:2]
    assert first.items == (
        ("Vad har hänt?", "Gjort 1"), ("Nästa steg", "Sedan 1"),
        ("Indikatorer", "Delregioner med plan: 2 av 4 (antal)"),
    )
    assert ("Risker eller hinder", "Beslut dröjer") in second.items
    changed = blocks[blocks.index(second) - 1]
    assert isinstance(changed, Paragraph) and "ändrad 2026-06-30" in changed.text


def test_activities_without_an_update_in_the_window_are_named() -> None:
    assert SV("reports.summary.no_update", date="tis 9 jun 2026", codes="GS-1") in texts(
        summary(FIGURES))
    assert SV("reports.summary.no_update", date="tis 9 jun 2026", codes="SP-1") in texts(
        summary(FIGURES))


def test_members_and_organisations_without_an_update_are_named() -> None:
    document = summary(FIGURES)
    assert SV("reports.summary.missing_members",
              people="Emma Falk (Sjuhärad), Therese Lund (GR)") in texts(document)
    # GR reported through Amir: only Sjuhärad is missing as an organisation.
    assert SV("reports.summary.missing_orgs", organisations="Sjuhärad") in texts(document)


def test_when_everyone_reported() -> None:
    everyone = SummaryFigures(FIGURES.updates, {}, ())
    document = summary(everyone)
    assert SV("reports.summary.all_members") in texts(document)
    assert SV("reports.summary.all_orgs") in texts(document)


def test_risks_are_gathered_in_one_table() -> None:
    risks = summary(FIGURES).tables()[-1]
    assert [[c.text for c in r.cells] for r in risks.rows] == [
        ["VIP-1", "Beslut dröjer", "Amir (GR)"]]


def test_the_draft_agenda_is_the_groups_own_pattern() -> None:
    document = summary(FIGURES, notes=Upphamtning((DECISION,), date(2026, 6, 9), (STEP,)))
    [agenda] = [b for b in document.blocks if isinstance(b, BulletList)]
    assert agenda.numbered
    assert [i.text for i in agenda.items] == [
        "Upphämtning från förra gången", "Incheckning", "Lägesrapporter per målområde",
        "Övriga frågor", "Nästa steg",
    ]
    assert agenda.items[0].sub == (
        SV("reports.agenda.decisions", count=1, date="tis 9 jun 2026"),
        SV("reports.agenda.open_steps", count=1),
    )
    assert agenda.items[2].sub == (
        SV("reports.agenda.area", area="Genomförande av strategin", count=2, risks=1),
        SV("reports.agenda.area_no_risks", area="Suicidprevention", count=0),
    )
    assert SV("reports.agenda.convener", convener="Skaraborg (Malin Hedlund)") in (
        agenda.items[4].sub)


def test_the_next_meeting_and_its_convener() -> None:
    document = summary(FIGURES)
    fields = [b for b in document.blocks if isinstance(b, Fields)]
    assert ("Sammankallande", "Skaraborg (Malin Hedlund)") in fields[0].items
    assert ("Var", "Teams") in fields[-1].items
    no_meeting = summary(FIGURES, meeting=None)
    assert SV("reports.summary.no_next_meeting") in texts(no_meeting)
    assert no_meeting.title == SV("reports.summary.title", group="Arbetsgruppen")


def test_the_summary_chart_shows_the_current_status_of_the_groups_activities() -> None:
    [chart] = summary(FIGURES).charts()
    series = {s.label: s.values for s in chart.series}
    # VIP-1's latest update (at risk), SP-1 still delayed from before, GS-1 never reported.
    assert series == {"Risk för försening": (1, 0), "Försenad": (0, 1),
                      "Ingen rapport": (1, 0)}


def test_an_update_about_an_activity_outside_the_group_is_not_lost() -> None:
    moved = SummaryFigures((update(9, "KB-3", "done", "linnea", "fyrbodal"),), {}, ())
    document = summary(moved)
    assert Heading(SV("reports.summary.other_activities"), 2) in document.blocks
    assert Heading("KB-3 KB-3", 3) in document.blocks


def test_the_summary_in_english() -> None:
    document = summary(FIGURES, t=EN, language="en",
                       notes=Upphamtning((DECISION,), date(2026, 6, 9), (STEP,)))
    top = [b.text for b in document.blocks if isinstance(b, Heading) and b.level == 1]
    assert top == ["Recap from last time", "Status updates per goal area",
                   "Risks and obstacles", "Not reported", "Next meeting", "Draft agenda"]
    assert document.title == "Before the meeting on Tue 8 Sep 2026: Arbetsgruppen"
    assert EN("reports.summary.missing_orgs", organisations="Sjuhärad") in texts(document)


# --- the update rows ---------------------------------------------------------------------


def test_update_rows_are_typed_and_split_by_goal_area() -> None:
    created = datetime(2026, 8, 31, 22, 30, tzinfo=UTC)  # 1 September in Stockholm
    rows = [
        UpdateRow(12, created, created + timedelta(days=1), 2, "arbetsgrupp", "Arbetsgruppen",
                  "SP", "Suicidprevention", "SP-1", "Efterlevandestöd", "on_track", "=1+1",
                  "", "", "Linnéa Ek", "Fyrbodal"),
        UpdateRow(13, created, created, 1, "arbetsgrupp", "Arbetsgruppen", "GS",
                  "Genomförande av strategin", "VIP-1", "Implementera VIP", "delayed", "Text",
                  "", "", "Amir Haddad", "GR", {"vip-plan": 2.5}),
    ]
    dataset = update_dataset(SV, "sv", rows, activities=PLAN, filename="x")
    keys = [c.key for c in dataset.columns]
    first = dict(zip(keys, dataset.rows[0], strict=True))
    assert first["number"] == 12 and first["version"] == 2
    assert first["date"] == date(2026, 9, 1) and first["changed"] == date(2026, 9, 2)
    assert first["status"] == "Pågår enligt plan" and first["summary"] == "=1+1"
    second = dict(zip(keys, dataset.rows[1], strict=True))
    assert second["indicator:VIP-1:vip-plan"] == 2.5
    assert first["indicator:VIP-1:vip-plan"] is None
    kinds = {c.key: c.kind for c in dataset.columns}
    assert kinds["date"] == "date" and kinds["number"] == "integer"
    assert kinds["indicator:VIP-1:vip-plan"] == "number"
    # Sheets in the plan's order, whatever order the rows came in.
    assert dataset.sheets == ("Genomförande av strategin", "Suicidprevention")
    assert dataset.all_sheet == "Alla"


def test_file_names_are_plain() -> None:
    assert slug("Länsgemensam arbetsgrupp / psykisk hälsa") == (
        "lansgemensam-arbetsgrupp-psykisk-halsa")
    assert slug("???") == "rapport"


# --- signed links ---------------------------------------------------------------------------

KEY = link_key("a test secret")
REQUEST = ExportRequest("summary", "docx", "linnea.ek", "sv", NOW + timedelta(hours=24),
                        group_id="arbetsgrupp", goal_areas=("SP",), since=SINCE)


def test_a_signed_link_verifies_to_what_was_signed() -> None:
    token = sign(REQUEST, KEY)
    assert verify(token, KEY, NOW) == REQUEST


def test_a_tampered_payload_fails_the_signature() -> None:
    token = sign(REQUEST, KEY)
    other = sign(ExportRequest("summary", "docx", "mattias", "sv", REQUEST.expires,
                               group_id="arbetsgrupp"), KEY)
    forged = other.split(".")[0] + "." + token.split(".")[1]
    with pytest.raises(LinkError) as caught:
        verify(forged, KEY, NOW)
    assert caught.value.problem == "signature"


def test_a_tampered_signature_or_another_key_fails() -> None:
    token = sign(REQUEST, KEY)
    payload, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    for bad, key in ((f"{payload}.{flipped}", KEY), (token, link_key("another secret"))):
        with pytest.raises(LinkError) as caught:
            verify(bad, key, NOW)
        assert caught.value.problem == "signature"


def test_an_expired_link_is_refused() -> None:
    token = sign(REQUEST, KEY)
    assert verify(token, KEY, REQUEST.expires - timedelta(seconds=1)) == REQUEST
    with pytest.raises(LinkError) as caught:
        verify(token, KEY, REQUEST.expires)
    assert caught.value.problem == "expired"


@pytest.mark.parametrize("token", ["", "nodot", "a.b.c", "å.b", "x" * 3000])
def test_malformed_links_are_refused(token: str) -> None:
    with pytest.raises(LinkError) as caught:
        verify(token, KEY, NOW)
    assert caught.value.problem in ("malformed", "signature")


def test_a_well_signed_payload_that_is_not_a_request_is_malformed() -> None:
    import base64
    import hashlib
    import hmac

    payload = base64.urlsafe_b64encode(b'{"v":1,"k":"everything"}').rstrip(b"=").decode()
    signature = base64.urlsafe_b64encode(
        hmac.new(KEY, payload.encode(), hashlib.sha256).digest()).rstrip(b"=").decode()
    with pytest.raises(LinkError) as caught:
        verify(f"{payload}.{signature}", KEY, NOW)
    assert caught.value.problem == "malformed"


def test_the_document_types_are_only_data() -> None:
    # A chart is data, drawn by a renderer: no bytes, no colours beyond the traffic lights.
    [chart] = status(figures()).charts()
    assert isinstance(chart, Chart) and all(
        s.light in (None, "grey", "green", "yellow", "red", "blue") for s in chart.series)
