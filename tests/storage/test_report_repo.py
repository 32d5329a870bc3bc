"""The reports' aggregation in SQL (`storage/report_repo.py`), on SQLite and PostgreSQL.

What it counts (latest live status, before the period, in the window, who is missing), and
how: every statement that reads `updates` is planned on the reports' indexes, never as a
scan of the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, update
from sqlalchemy.orm import Session

from domain.joint_status import OrganisationReport
from domain.report_figures import Reporter
from domain.updates import UpdateContent
from storage import models as m
from storage.repositories import SqlStore, StoreFactory
from tests.conftest import FixedClock

NOW = datetime(2026, 9, 1, 7, 0, tzinfo=UTC)
SINGLE_COLUMN = ("ix_updates_group_id", "ix_updates_activity_code", "ix_updates_author_id",
                 "ix_updates_created_at")
SINCE = datetime(2026, 6, 9, 7, 0, tzinfo=UTC)


@pytest.fixture
def stores(synced_engine: Engine, clock: FixedClock) -> StoreFactory:
    return StoreFactory(synced_engine, clock)


def add(store: SqlStore, code: str, status: str, at: datetime, author: str = "linnea.ek",
        values: dict[str, float] | None = None, group: str = "arbetsgrupp") -> int:
    record = store.updates.add(
        UpdateContent(code, status, f"{code} {status}", indicator_values=values or {}),
        author_id=author, group_id=group, at=at,
    )
    return record.number


@pytest.fixture
def filled(stores: StoreFactory) -> None:
    with stores() as store:
        add(store, "VIP-1", "on_track", datetime(2026, 5, 1, 8, tzinfo=UTC),
            values={"vip-inforandeplan": 1})
        add(store, "VIP-1", "delayed", datetime(2026, 7, 1, 8, tzinfo=UTC), author="amir.haddad",
            values={"vip-inforandeplan": 2})
        add(store, "VIP-1", "at_risk", datetime(2026, 8, 1, 8, tzinfo=UTC))
        withdrawn = add(store, "VIP-1", "done", datetime(2026, 8, 20, 8, tzinfo=UTC),
                        values={"vip-inforandeplan": 4})
        store.updates.withdraw(withdrawn, "fel", actor_id="linnea.ek",
                               at=datetime(2026, 8, 21, 8, tzinfo=UTC))
        add(store, "SP-1", "starting", datetime(2026, 3, 1, 8, tzinfo=UTC))
        add(store, "KB-3", "on_track", datetime(2026, 7, 1, 8, tzinfo=UTC),
            author="sofia.marklund", group="vgr-arbetsgrupp")


@pytest.mark.usefixtures("filled")
def test_status_figures_take_each_organisations_latest_live_update(
    stores: StoreFactory
) -> None:
    with stores() as store:
        figures = store.reports.status_figures(since=SINCE, until=NOW)
    by_code = {f.code: f for f in figures.activities}
    assert len(by_code) == 12
    vip = by_code["VIP-1"]
    # Fyrbodal (Linnéa): the withdrawn "done" of 20 August does not count, at risk (1 Aug)
    # is its latest, on track before the period. GR (Amir): delayed on 1 July, new.
    assert sorted(vip.organisations, key=lambda r: r.organisation_id) == [
        OrganisationReport("fyrbodal", "at_risk", datetime(2026, 8, 1, 8, tzinfo=UTC),
                           "on_track"),
        OrganisationReport("gr", "delayed", datetime(2026, 7, 1, 8, tzinfo=UTC), None),
    ]
    assert vip.updates_in_period == 2
    assert by_code["SP-1"].organisations == (OrganisationReport(
        "fyrbodal", "starting", datetime(2026, 3, 1, 8, tzinfo=UTC), "starting"),)
    assert by_code["KB-3"].organisations[0].organisation_id == "vgr"
    assert by_code["GS-1"].organisations == () and by_code["GS-1"].updates_in_period == 0


def test_each_organisations_standing_is_found_behind_the_others_updates(
    stores: StoreFactory
) -> None:
    with stores() as store:
        add(store, "VIP-1", "delayed", datetime(2026, 5, 1, 8, tzinfo=UTC))
        add(store, "VIP-1", "at_risk", datetime(2026, 5, 2, 8, tzinfo=UTC), author="emma.falk")
        add(store, "VIP-1", "on_track", datetime(2026, 7, 1, 8, tzinfo=UTC), author="emma.falk")
        for day in (2, 3, 4):
            add(store, "VIP-1", "on_track", datetime(2026, 7, day, 8, tzinfo=UTC),
                author="amir.haddad")
    with stores() as store:
        figures = store.reports.status_figures(since=SINCE, until=NOW)
    vip = next(f for f in figures.activities if f.code == "VIP-1")
    assert sorted(vip.organisations) == [
        OrganisationReport("fyrbodal", "delayed", datetime(2026, 5, 1, 8, tzinfo=UTC),
                           "delayed"),
        OrganisationReport("gr", "on_track", datetime(2026, 7, 4, 8, tzinfo=UTC), None),
        OrganisationReport("sjuharad", "on_track", datetime(2026, 7, 1, 8, tzinfo=UTC),
                           "at_risk"),
    ]
    assert vip.updates_in_period == 4


@pytest.mark.usefixtures("filled")
def test_status_figures_as_they_stood_at_an_earlier_moment(stores: StoreFactory) -> None:
    with stores() as store:
        figures = store.reports.status_figures(
            since=datetime(2026, 5, 15, tzinfo=UTC), until=datetime(2026, 7, 15, tzinfo=UTC),
            goal_areas=["GS"])
    vip = next(f for f in figures.activities if f.code == "VIP-1")
    assert {(r.organisation_id, r.status, r.previous_status) for r in vip.organisations} == {
        ("fyrbodal", "on_track", "on_track"), ("gr", "delayed", None)}
    assert vip.updates_in_period == 1
    assert {f.code for f in figures.activities} == {"GS-1", "GS-2", "VIP-1", "BM-1", "UPP-1",
                                                    "UPP-2"}


@pytest.mark.usefixtures("filled")
def test_an_update_speaks_for_its_authors_organisation_as_it_was(
    stores: StoreFactory, synced_engine: Engine
) -> None:
    # Amir moves from GR to Fyrbodal: his July report stays GR's.
    with Session(synced_engine) as session:
        session.execute(update(m.Person).where(m.Person.id == "amir.haddad")
                        .values(organisation_id="fyrbodal"))
        session.commit()
    with stores() as store:
        figures = store.reports.status_figures(since=SINCE, until=NOW)
        rows = list(store.reports.update_rows(group_ids=["arbetsgrupp"]))
    vip = next(f for f in figures.activities if f.code == "VIP-1")
    assert {r.organisation_id for r in vip.organisations} == {"fyrbodal", "gr"}
    assert next(r for r in rows if r.number == 2).organisation_name == "GR"


@pytest.mark.usefixtures("filled")
def test_the_latest_indicator_value_skips_withdrawn_updates_and_those_without(
    stores: StoreFactory
) -> None:
    with stores() as store:
        values = store.reports.indicator_values(until=NOW)
        earlier = store.reports.indicator_values(until=datetime(2026, 6, 1, tzinfo=UTC))
    assert [(v.activity_code, v.indicator_id, v.value, v.at) for v in values] == [
        ("VIP-1", "vip-inforandeplan", 2.0, datetime(2026, 7, 1, 8, tzinfo=UTC))]
    assert [v.value for v in earlier] == [1.0]


@pytest.mark.usefixtures("filled")
def test_summary_figures_of_one_groups_window(stores: StoreFactory,
                                              synced_engine: Engine) -> None:
    with stores() as store:
        # An update from before the window, changed in it, is in it (as for the reminders).
        store.updates.revise(
            1, UpdateContent("VIP-1", "on_track", "Rättad text"), actor_id="linnea.ek",
            group_id="arbetsgrupp", at=datetime(2026, 6, 15, 8, tzinfo=UTC))
    with Session(synced_engine) as session:
        session.execute(update(m.Membership).where(m.Membership.person_id == "emma.falk")
                        .values(active=False))
        session.commit()
    with stores() as store:
        figures = store.reports.summary_figures("arbetsgrupp", since=SINCE, until=NOW)
    assert [u.number for u in figures.updates] == [1, 2, 3]
    assert figures.updates[0].summary == "Rättad text" and figures.updates[0].version == 2
    assert figures.updates[1].author_name == "Amir Haddad"
    assert figures.updates[1].organisation_id == "gr"
    assert figures.updates[1].indicator_values == {"vip-inforandeplan": 2.0}
    assert dict(figures.previous) == {
        "VIP-1": (OrganisationReport("fyrbodal", "on_track",
                                     datetime(2026, 5, 1, 8, tzinfo=UTC)),),
        "SP-1": (OrganisationReport("fyrbodal", "starting",
                                    datetime(2026, 3, 1, 8, tzinfo=UTC)),),
    }
    missing = {r.person_id for r in figures.missing}
    assert "linnea.ek" not in missing and "amir.haddad" not in missing
    assert "emma.falk" not in missing  # no longer an active member
    assert Reporter("therese.lund", "Therese Lund", "gr") in figures.missing
    assert "sofia.marklund" in missing  # she reported for another group only


def test_the_reports_read_the_same_plan_as_the_handlers(stores: StoreFactory) -> None:
    with stores() as store:
        assert store.reports.plan_activities() == store.plan.activities()
        assert store.reports.plan_activities(group_id="kf-arbetsgrupp") == [
            a for a in store.plan.activities() if a.group_id == "kf-arbetsgrupp"]
        assert store.reports.plan_activities(goal_areas=["SP"]) == [
            a for a in store.plan.activities() if a.goal_area_code == "SP"]


@pytest.mark.usefixtures("filled")
def test_update_rows_are_streamed_in_order(stores: StoreFactory) -> None:
    with stores() as store:
        rows = list(store.reports.update_rows(group_ids=["arbetsgrupp"]))
        since = list(store.reports.update_rows(since=datetime(2026, 6, 1, tzinfo=UTC)))
    assert [r.number for r in rows] == [5, 1, 2, 3]
    assert rows[0].goal_area_title == "Suicidprevention" and rows[0].organisation_name == (
        "Fyrbodal")
    assert [r.number for r in since] == [2, 6, 3]


# --- the plans --------------------------------------------------------------------------


@pytest.fixture
def captured(synced_engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def capture(_c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if " updates" in statement:
            statements.append((statement, parameters))

    event.listen(synced_engine, "before_cursor_execute", capture)
    yield statements
    event.remove(synced_engine, "before_cursor_execute", capture)


def plan_text(engine: Engine, statement: str, parameters: Any) -> str:
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        if engine.dialect.name == "postgresql":
            # On a handful of rows any plan is cheap and the planner takes whichever index:
            # with table scans off and the single-column indexes dropped (in a transaction
            # rolled back) the plan shows that the reports' indexes serve the query. At a
            # million rows `bench/reports.py --plans` shows the planner choosing them itself.
            cursor.execute("SET LOCAL enable_seqscan = off")
            for index in SINGLE_COLUMN:
                cursor.execute(f"DROP INDEX {index}")
            cursor.execute("EXPLAIN " + statement, parameters)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            connection.rollback()
            return plan
        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())
    finally:
        connection.close()


def full_scan(engine: Engine, plan: str) -> bool:
    if engine.dialect.name == "postgresql":
        return "Seq Scan on updates" in plan
    return any(line.strip() in ("SCAN updates", "SCAN latest", "SCAN before")
               for line in plan.splitlines())


@pytest.mark.usefixtures("filled")
def test_the_status_is_planned_on_its_index(stores: StoreFactory, synced_engine: Engine,
                                            captured: list[tuple[str, Any]]) -> None:
    with stores() as store:
        store.reports.status_figures(since=SINCE, until=NOW)
        store.reports.indicator_values(until=NOW)
    # Each organisation's latest, the counts in the period, and the indicators.
    plans = [plan_text(synced_engine, s, p) for s, p in captured]
    assert len(plans) == 3
    organisations, counts, indicators = plans
    assert "ix_updates_activity_org_latest" in organisations, organisations
    # A range per activity: either index leads with the activity (on a handful of rows the
    # PostgreSQL planner may take the wider one).
    assert "ix_updates_activity_latest" in counts or "ix_updates_activity_org_latest" in (
        counts), counts
    assert "ix_updates_activity_latest" in indicators, indicators
    assert not any(full_scan(synced_engine, plan) for plan in plans), plans


@pytest.mark.usefixtures("filled")
def test_the_summary_is_planned_on_its_indexes(stores: StoreFactory, synced_engine: Engine,
                                               captured: list[tuple[str, Any]]) -> None:
    with stores() as store:
        store.reports.summary_figures("arbetsgrupp", since=SINCE, until=NOW)
    plans = [plan_text(synced_engine, s, p) for s, p in captured]
    assert len(plans) == 3
    window, previous, missing = plans
    assert "ix_updates_group_window" in window
    assert "ix_updates_activity_org_latest" in previous
    assert "ix_updates_group_window" in missing
    assert not any(full_scan(synced_engine, plan) for plan in plans), plans
