"""The `uppdateringar` export: every update of a period as a typed row, a sheet per goal area.

Rows as storage streams them (`domain.report_figures.UpdateRow`); dates are dates, numbers
numbers, texts text.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.document import Column, Dataset
from domain.plan import PlanActivity, plan_order
from domain.report_figures import UpdateRow
from domain.report_words import Translate, local_date, status_text


def update_dataset(
    t: Translate,
    language: str,
    rows: Sequence[UpdateRow],
    *,
    activities: Sequence[PlanActivity],
    filename: str,
) -> Dataset:
    """One row per update, typed: dates as dates, numbers as numbers; a sheet per goal area."""

    indicators = [(a, i) for a in plan_order(list(activities)) for i in a.indicators]
    columns = (
        Column("number", t("reports.col.number"), "integer", width=7),
        Column("date", t("reports.col.date"), "date", width=12),
        Column("changed", t("reports.col.changed"), "date", width=12),
        Column("version", t("reports.col.version"), "integer", width=8),
        Column("group", t("reports.col.group"), width=20),
        Column("goal_area", t("reports.col.goal_area"), width=28),
        Column("code", t("reports.col.code"), width=9),
        Column("activity", t("reports.col.activity"), width=50),
        Column("status", t("reports.col.status"), width=18),
        Column("summary", t("updates.field.summary"), width=60),
        Column("next_steps", t("updates.field.next_steps"), width=40),
        Column("risks", t("updates.field.risks"), width=40),
        Column("reporter", t("reports.col.reporter"), width=22),
        Column("organisation", t("reports.col.organisation"), width=14),
        *(
            Column(f"indicator:{a.code}:{i.id}",
                   t("reports.col.indicator", code=a.code, name=i.name, unit=i.unit),
                   "number", width=16, sparse=True)
            for a, i in indicators
        ),
    )
    typed = [
        (
            row.number, local_date(row.created_at), local_date(row.updated_at), row.version,
            row.group_name, row.goal_area_title, row.activity_code, row.activity_title,
            status_text(t, row.status), row.summary, row.next_steps, row.risks,
            row.author_name, row.organisation_name,
            *(row.indicator_values.get(i.id) if row.activity_code == a.code else None
              for a, i in indicators),
        )
        for row in rows
    ]
    area_order = {a.goal_area_title: a.goal_area_position for a in activities}
    sheets = sorted({row.goal_area_title for row in rows},
                    key=lambda title: (area_order.get(title, 1_000_000), title))
    return Dataset(
        title=t("reports.updates.title"),
        columns=columns,
        rows=typed,
        sheet_column="goal_area",
        sheets=tuple(sheets),
        all_sheet=t("reports.sheet.all"),
        filename=filename,
        language=language,
    )
