"""What every report says the same way: statuses, changes, dates, indicators, owners, the
status chart and the files' names, in the reader's language.

Texts come from the message catalogs through the `Translate` function passed in (the domain
imports no handlers); dates and numbers are formatted here. A joint activity's status (the
worst of its organisations', `domain.joint_status`) is worded here too, with its breakdown.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Final

from domain.calendar import STOCKHOLM
from domain.dates import format_date_en, format_date_sv
from domain.document import Cell, Chart, ChartSeries, IndicatorBar, Light
from domain.joint_status import STATUS_RANK, JointStatus
from domain.plan import PlanActivity, PlanIndicator, plan_order
from domain.text import fold
from domain.updates import STATUS_BY_CODE, STATUSES, format_value

# A message catalog: `t("reports.status.title", date=...)` (handlers' `Translator`).
Translate = Callable[..., str]

NO_STATUS: Final = "none"


def remembering(t: Translate) -> Translate:
    """`t`, remembering what it answered: a status of a thousand activities asks the catalog
    the same few words thousands of times."""

    answers: dict[object, str] = {}

    def translate(key: str, **params: object) -> str:
        asked = (key, *params.items()) if params else key
        try:
            return answers[asked]
        except KeyError:
            answers[asked] = answer = t(key, **params)
            return answer
        except TypeError:  # a parameter that cannot be a key: ask every time
            return t(key, **params)

    return translate
DEFAULT_STALE_AFTER_DAYS: Final = 60


# --- small words ----------------------------------------------------------------------------


def local_date(moment: datetime) -> date:
    return moment.astimezone(STOCKHOLM).date()




def long_date(language: str, day: date) -> str:
    return format_date_sv(day) if language == "sv" else format_date_en(day)


def iso(day: date) -> str:
    return day.isoformat()


def status_text(t: Translate, code: str | None) -> str:
    if code is None or code not in STATUS_BY_CODE:
        return t("reports.status.no_report")
    return t(f"updates.status.{code}")


def status_light(code: str | None) -> Light | None:
    status = STATUS_BY_CODE.get(code or "")
    return status.colour if status is not None else None


def status_cell(t: Translate, code: str | None) -> Cell:
    return Cell(status_text(t, code), status_light(code), code or NO_STATUS)


def change_text(t: Translate, previous: str | None, current: str | None) -> str:
    if current is None:
        return "–"
    if previous is None:
        return t("reports.change.new")
    if previous == current:
        return t("reports.change.same")
    key = "up" if STATUS_RANK.get(current, 0) > STATUS_RANK.get(previous, 0) else "down"
    return t(f"reports.change.{key}", previous=status_text(t, previous))


def slug(text: str) -> str:
    """`Arbetsgruppen 2026-09-01` → `arbetsgruppen-2026-09-01`: a file name on any system."""

    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:80] or "rapport"


def owners_text(t: Translate, owners: Sequence[str], organisations: Mapping[str, str]) -> str:
    if organisations and set(owners) >= set(organisations):
        return t("reports.owners.all")
    return ", ".join(organisations.get(o, o) for o in owners)


def indicator_text(
    t: Translate, language: str, indicator: PlanIndicator, value: float | None
) -> str:
    shown = format_value(value, language) if value is not None else "–"
    if indicator.target is None:
        return t("reports.indicator.value", name=indicator.name, value=shown, unit=indicator.unit)
    return t(
        "reports.indicator.against_target", name=indicator.name, value=shown,
        target=format_value(indicator.target, language), unit=indicator.unit,
    )


def against_target(
    t: Translate, language: str, indicator: PlanIndicator, value: float | None
) -> str:
    """`2,5 av 4 (antal)`: the indicator's text without its name, for the chart."""

    shown = format_value(value, language) if value is not None else "–"
    if indicator.target is None:
        return t("reports.indicator.short", value=shown, unit=indicator.unit)
    return t("reports.indicator.short_target", value=shown, unit=indicator.unit,
             target=format_value(indicator.target, language))


def progress(indicator: PlanIndicator, value: float | None) -> float | None:
    """How far from the baseline (or zero) to the target the value has come, 0–1 (or more)."""

    if value is None or indicator.target is None:
        return None
    start = indicator.baseline if indicator.baseline is not None else 0.0
    if indicator.target == start:
        return 1.0 if value >= indicator.target else 0.0
    return (value - start) / (indicator.target - start)


def areas_of(activities: Sequence[PlanActivity]) -> list[tuple[str, str, list[PlanActivity]]]:
    """(code, title, activities) per goal area, in the plan's order."""

    grouped: dict[str, tuple[str, list[PlanActivity]]] = {}
    for activity in plan_order(list(activities)):
        grouped.setdefault(activity.goal_area_code, (activity.goal_area_title, []))[1].append(
            activity
        )
    return [(code, title, items) for code, (title, items) in grouped.items()]


STATUS_ORDER: Final = (*(s.code for s in STATUSES), NO_STATUS)


def status_chart(
    t: Translate,
    title: str,
    areas: Sequence[tuple[str, str, Sequence[PlanActivity]]],
    status_of: Callable[[str], str | None],
    indicators: Sequence[IndicatorBar] = (),
) -> Chart:
    counts = {
        code: Counter(status_of(a.code) or NO_STATUS for a in items) for code, _, items in areas
    }
    present = [s for s in STATUS_ORDER if any(c[s] for c in counts.values())]
    series = tuple(
        ChartSeries(
            label=status_text(t, None if s == NO_STATUS else s),
            light=status_light(None if s == NO_STATUS else s),
            values=tuple(counts[code][s] for code, _, _ in areas),
        )
        for s in present
    )
    description = "; ".join(
        f"{area_title}: " + ", ".join(
            f"{status_text(t, None if s == NO_STATUS else s)} {counts[code][s]}"
            for s in present if counts[code][s]
        )
        for code, area_title, _ in areas
    )
    return Chart(
        title=title,
        categories=tuple(code for code, _, _ in areas),
        series=series,
        indicator_title=t("reports.chart.indicators") if indicators else "",
        indicators=tuple(indicators),
        count_label=t("reports.chart.count"),
        value_label=t("reports.chart.value"),
        target_label=t("reports.chart.target"),
        baseline_label=t("reports.chart.baseline"),
        progress_label=t("reports.chart.progress"),
        description=description,
    )


def footer(t: Translate, moment: datetime) -> str:
    local = moment.astimezone(STOCKHOLM)
    return t("reports.footer", date=local.date().isoformat(), time=f"{local:%H:%M}")


def meeting_time(language: str, start: datetime) -> str:
    local = start.astimezone(STOCKHOLM)
    return f"{long_date(language, local.date())} {local:%H:%M}"


def file_name(t: Translate, kind: str, subject: str, day: date) -> str:
    """`<kind>-<group or plan>-<date>`, e.g. `sammanfattning-arbetsgruppen-2026-09-08`: the
    name, without extension, of every report file in every format. `kind` is a catalog kind
    (`status`, `summary`, `updates`), `subject` the group's short name or the plan's word."""

    return f"{slug(t(f'reports.kind.{kind}'))}-{slug(subject)}-{day.isoformat()}"


def plan_word(t: Translate) -> str:
    """What a file about the whole plan is named after."""

    return t("reports.file.plan")


def organisation_status_text(
    t: Translate, joint: JointStatus, organisations: Mapping[str, str]
) -> str:
    """`Fyrbodal 🔴 Försenad · GR, Sjuhärad 🟢 Pågår enligt plan · VGR: ingen rapport`.

    Worst first, organisations with the same status together; one that is not an owner is
    marked so; owners without a report are named last ("Alla parter" when that is all).
    """

    groups: dict[tuple[str | None, bool], list[str]] = {}
    silent: list[str] = []
    owners = 0
    for part in joint.reported():
        name = organisations.get(part.organisation_id, part.organisation_id)
        groups.setdefault((part.status, part.owner), []).append(
            name if part.owner else t("reports.breakdown.not_owner", organisation=name))
    for part in joint.parts:
        if part.owner:
            owners += 1
            if part.status is None:
                silent.append(part.organisation_id)
    texts = [
        f"{', '.join(names)} {STATUS_BY_CODE[code].symbol} {status_text(t, code)}"
        if code in STATUS_BY_CODE else f"{', '.join(names)} {status_text(t, code)}"
        for (code, _owner), names in groups.items()
    ]
    if silent:
        named = (owners_text(t, silent, organisations) if len(silent) == owners
                 else ", ".join(organisations.get(o, o) for o in silent))
        texts.append(t("reports.breakdown.no_report", organisations=named))
    return " · ".join(texts)
