"""The installation described as code: one TOML file, checked here, synced into the database.

The checks are pure: `load_config_text` returns the parsed configuration or every problem found,
each with its key path, the line it is on, and a machine code with parameters that the
chat/CLI layer turns into words through the message catalogs. It also returns warnings: the
configured meeting dates that will not take place as written (`domain.config_calendar`).
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from domain.config_agenda import reports_to_findings
from domain.config_base import Identifier
from domain.config_base import Strict as _Strict
from domain.config_calendar import Finding, meeting_warnings, series_problems
from domain.config_reminders import ReminderRules as ReminderRules
from domain.followup_config import BudgetLine, Milestone, followup_problems

Language = Literal["sv", "en"]
Role = Literal["member", "chef"]


class Organisation(_Strict):
    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    short_name: str = Field(min_length=1, max_length=40)


class Person(_Strict):
    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    organisation: Identifier
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    slack_user_id: str | None = Field(default=None, pattern=r"^[UW][A-Z0-9]{2,20}$")
    teams_aad_object_id: str | None = Field(
        default=None, pattern=r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$"
    )
    language: Language = "sv"


class Membership(_Strict):
    person: Identifier
    role: Role = "member"


class Channels(_Strict):
    slack: str | None = Field(default=None, pattern=r"^[CGD][A-Z0-9]{2,20}$")
    teams: str | None = Field(default=None, min_length=3, max_length=300)


class Break(_Strict):
    name: str = ""
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Break:
        if self.end < self.start:
            raise PydanticCustomError("config.end_before_start", "end before start")
        return self


class Term(_Strict):
    id: Identifier
    kind: Literal["vt", "ht"]
    start: date
    end: date
    breaks: tuple[Break, ...] = ()

    @model_validator(mode="after")
    def _ordered(self) -> Term:
        if self.end < self.start:
            raise PydanticCustomError("config.end_before_start", "end before start")
        return self


class MeetingSeries(_Strict):
    id: Identifier
    name: str = ""
    rrule: str | None = Field(default=None, min_length=5, max_length=300)
    dtstart: date | None = None
    until: date | None = None
    dates: tuple[date, ...] = ()
    start_time: time
    duration_minutes: int = Field(ge=5, le=8 * 60)
    location: str = Field(default="", max_length=500)
    on_non_working_day: Literal["skip", "next_working_day"] = "next_working_day"
    reminders: ReminderRules = ReminderRules()

    # Whether the recurrence is usable (rrule or dates, the rule itself, dtstart, until) is
    # checked on the raw file by `domain.config_calendar.series_problems`, so that it is
    # reported alongside every other problem of the same series, not one round of fixes later.


class Representative(_Strict):
    organisation: Identifier
    person: Identifier
    stand_in: Identifier | None = None


class Rotation(_Strict):
    per: Literal["term", "meeting"]
    order: tuple[Identifier, ...] = Field(min_length=1)
    representatives: tuple[Representative, ...] = ()


class Group(_Strict):
    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    short_name: str = Field(default="", max_length=60)
    channels: Channels = Channels()
    members: tuple[Membership, ...] = ()
    series: tuple[MeetingSeries, ...] = ()
    rotation: Rotation | None = None
    # The group that gave this group its mandate: `lyft` raises questions to its meetings.
    reports_to: Identifier | None = None


class GoalArea(_Strict):
    code: Annotated[str, Field(pattern=r"^[A-ZÅÄÖ0-9][A-ZÅÄÖ0-9-]{0,15}$")]
    title: str = Field(min_length=1, max_length=200)


class Indicator(_Strict):
    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    unit: str = Field(min_length=1, max_length=40)
    baseline: float | None = None
    target: float | None = None


class Activity(_Strict):
    code: Annotated[str, Field(pattern=r"^[A-ZÅÄÖ0-9][A-ZÅÄÖ0-9-]{0,15}$")]
    title: str = Field(min_length=1, max_length=300)
    goal_area: str
    owners: tuple[Identifier, ...] = Field(min_length=1)
    group: Identifier
    indicators: tuple[Indicator, ...] = ()
    # The activity's own budget line (tkr) and where the money comes from
    # (`domain.followup_config`).
    budget_tkr: float | None = Field(default=None, ge=0, le=10_000_000)
    funding: str | None = Field(default=None, min_length=1, max_length=200)


class Plan(_Strict):
    title: str = Field(min_length=1, max_length=200)
    year: int = Field(ge=2000, le=2100)
    goal_areas: tuple[GoalArea, ...] = Field(min_length=1)
    activities: tuple[Activity, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    budget: tuple[BudgetLine, ...] = ()


# Kinds of stored data a disposal (gallring) rule may name; `domain.disposal` says what each
# one covers. Updates, their versions, decisions and next steps are public records
# (allmänna handlingar) and have no kind: the bot never disposes them (see domain/disposal.py).
DisposalKind = Literal["delivered_reminders", "audit_entries", "processed_deliveries"]
PUBLIC_RECORD_KINDS = ("updates", "update_versions", "decisions", "next_steps")


class DisposalRule(_Strict):
    """One line of the organisation's records plan (dokumenthanteringsplan) applied here."""

    kind: DisposalKind
    after_months: int = Field(ge=1, le=1200)
    # Where the rule comes from, e.g. "Dokumenthanteringsplan 2026, punkt 4.2": logged with
    # every disposal it allows.
    reference: str = Field(min_length=1, max_length=300)


class Installation(_Strict):
    name: str = "Samverkansboten"
    default_language: Language = "sv"


class Config(_Strict):
    installation: Installation = Installation()
    administrators: tuple[Identifier, ...] = ()
    organisations: tuple[Organisation, ...] = Field(min_length=1)
    people: tuple[Person, ...] = ()
    terms: tuple[Term, ...] = ()
    groups: tuple[Group, ...] = ()
    plan: Plan
    disposal: tuple[DisposalRule, ...] = ()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a configuration file; `code` is a message-catalog key."""

    path: str
    line: int | None
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LoadResult:
    config: Config | None
    problems: list[Problem]
    # Valid, but worth knowing: meeting dates that will be moved, skipped or dropped.
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.config is not None and not self.problems


_PYDANTIC_CODES = {
    "missing": "config.missing",
    "extra_forbidden": "config.unknown_key",
    "string_pattern_mismatch": "config.bad_format",
    "string_too_short": "config.too_short",
    "string_too_long": "config.too_long",
    "too_short": "config.too_few",
    "literal_error": "config.not_one_of",
    "greater_than_equal": "config.too_small",
    "less_than_equal": "config.too_large",
    "greater_than": "config.too_small",
    "date_from_datetime_parsing": "config.bad_date",
    "date_parsing": "config.bad_date",
    "date_type": "config.bad_date",
    "time_parsing": "config.bad_time",
    "time_type": "config.bad_time",
    "int_parsing": "config.not_a_number",
    "int_type": "config.not_a_number",
    "float_parsing": "config.not_a_number",
    "float_type": "config.not_a_number",
    "string_type": "config.not_text",
    "tuple_type": "config.not_a_list",
    "model_type": "config.not_a_table",
    "value_error": "config.invalid",
}


def load_config_text(text: str) -> LoadResult:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line_match = re.search(r"line (\d+)", str(exc))
        line = int(line_match.group(1)) if line_match else None
        return LoadResult(None, [Problem("", line, "config.toml_syntax", {"detail": str(exc)})])

    locator = _LineLocator(text)
    problems: list[Problem] = []
    config: Config | None = None
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        failed = [tuple(error["loc"]) for error in errors]
        for error in errors:
            loc = tuple(error["loc"])
            kind = error["type"]
            if kind == "too_short" and any(len(f) > len(loc) and f[: len(loc)] == loc
                                           for f in failed):
                # "at least 1 item after validation": the items are faulty, not missing,
                # and their own problems say so.
                continue
            code = kind if kind.startswith("config.") else _PYDANTIC_CODES.get(
                kind, "config.invalid"
            )
            params: dict[str, Any] = {"detail": error["msg"]}
            if kind.startswith("config."):
                params.update(error.get("ctx", {}))
            if error["type"] == "literal_error":
                params["allowed"] = str(error.get("ctx", {}).get("expected", ""))
            problems.append(Problem(_path(loc), locator.line_of(loc), code, params))
    problems.extend(_reference_problems(raw, locator))
    problems.extend(_located(locator, series_problems(raw)))
    problems.extend(_located(locator, reports_to_findings(raw)))
    problems.extend(_located(locator, followup_problems(raw)))
    problems.sort(key=lambda p: (p.line or 0, p.path))
    warnings = _located(locator, meeting_warnings(raw))
    warnings.sort(key=lambda p: (p.line or 0, p.path))
    return LoadResult(config if not problems else None, problems, warnings)


def _located(locator: _LineLocator, findings: list[Finding]) -> list[Problem]:
    problems = []
    for loc, code, params in findings:
        literal = params.get("date", params.get("value"))
        if len(loc) > 1 and isinstance(loc[-1], int) and literal is not None:
            # An item of an array (a date in `dates`): its own line, the repeated one for a
            # duplicate.
            line = locator.line_of_item(loc[:-1], str(literal),
                                        occurrence=1 if code == "config.duplicate_id" else 0)
        else:
            line = locator.line_of(loc)
        problems.append(Problem(_path(loc), line, code, params))
    return problems


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _reference_problems(raw: dict[str, Any], locator: _LineLocator) -> list[Problem]:
    """Cross-references, duplicates and other rules pydantic cannot see field by field.

    Works on the raw TOML so that these problems are reported together with the structural
    ones, not one round of fixes later.
    """

    problems: list[Problem] = []

    def table(name: str, source: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        value = (raw if source is None else source).get(name)
        if not isinstance(value, list):
            return []
        return [item for item in value if isinstance(item, dict)]

    def report(loc: tuple[int | str, ...], code: str, **params: Any) -> None:
        problems.append(Problem(_path(loc), locator.line_of(loc), code, params))

    def ids(name: str, key: str = "id", source: dict[str, Any] | None = None,
            prefix: tuple[int | str, ...] = ()) -> set[str]:
        seen: Counter[str] = Counter()
        for index, item in enumerate(table(name, source)):
            value = item.get(key)
            if isinstance(value, str):
                seen[value] += 1
                if seen[value] == 2:
                    report((*prefix, name, index, key), "config.duplicate_id", value=value)
        return set(seen)

    orgs = ids("organisations")
    people = ids("people")
    ids("terms")
    groups = ids("groups")
    plan = raw.get("plan") if isinstance(raw.get("plan"), dict) else {}
    assert isinstance(plan, dict)
    areas = ids("goal_areas", "code", plan, ("plan",))
    ids("activities", "code", plan, ("plan",))

    def known(value: Any, universe: set[str], loc: tuple[int | str, ...], kind: str) -> None:
        if isinstance(value, str) and value not in universe:
            report(loc, "config.unknown_reference", kind=kind, value=value)

    person_org = {
        p["id"]: p.get("organisation") for p in table("people") if isinstance(p.get("id"), str)
    }
    series_seen: Counter[str] = Counter()
    for g_index, group in enumerate(table("groups")):
        for s_index, series in enumerate(table("series", group)):
            series_id = series.get("id")
            if isinstance(series_id, str):
                series_seen[series_id] += 1
                if series_seen[series_id] == 2:
                    report(("groups", g_index, "series", s_index, "id"), "config.duplicate_id",
                           value=series_id)
    for index, person in enumerate(table("people")):
        known(person.get("organisation"), orgs, ("people", index, "organisation"), "organisation")
    for slack_id, count in Counter(
        p.get("slack_user_id") for p in table("people") if isinstance(p.get("slack_user_id"), str)
    ).items():
        if count > 1:
            report(("people",), "config.duplicate_id", value=slack_id)
    administrators = raw.get("administrators")
    if isinstance(administrators, list):
        for index, admin in enumerate(administrators):
            known(admin, people, ("administrators", index), "person")

    for g_index, group in enumerate(table("groups")):
        member_ids: Counter[str] = Counter()
        for m_index, member in enumerate(table("members", group)):
            loc: tuple[int | str, ...] = ("groups", g_index, "members", m_index, "person")
            known(member.get("person"), people, loc, "person")
            if isinstance(member.get("person"), str):
                member_ids[member["person"]] += 1
                if member_ids[member["person"]] == 2:
                    report(loc, "config.duplicate_id", value=member["person"])
        rotation = group.get("rotation")
        if isinstance(rotation, dict):
            order = rotation.get("order")
            if isinstance(order, list):
                for o_index, org in enumerate(order):
                    known(org, orgs, ("groups", g_index, "rotation", "order", o_index),
                          "organisation")
                for org, count in Counter(o for o in order if isinstance(o, str)).items():
                    if count > 1:
                        report(("groups", g_index, "rotation", "order"), "config.duplicate_id",
                               value=org)
            represented: set[str] = set()
            for r_index, rep in enumerate(table("representatives", rotation)):
                rep_loc: tuple[int | str, ...] = (
                    "groups", g_index, "rotation", "representatives", r_index,
                )
                org = rep.get("organisation")
                known(org, orgs, (*rep_loc, "organisation"), "organisation")
                if isinstance(org, str):
                    represented.add(org)
                for key in ("person", "stand_in"):
                    value = rep.get(key)
                    known(value, people, (*rep_loc, key), "person")
                    if value in person_org and person_org[value] != org:
                        report((*rep_loc, key), "config.representative_other_org",
                               value=value, organisation=str(org))
            if isinstance(order, list) and rotation.get("representatives") is not None:
                for o_index, org in enumerate(order):
                    if isinstance(org, str) and org not in represented:
                        report(("groups", g_index, "rotation", "order", o_index),
                               "config.no_representative", value=org)
    disposal_kinds: Counter[str] = Counter()
    for d_index, rule in enumerate(table("disposal")):
        kind = rule.get("kind")
        if not isinstance(kind, str):
            continue
        if kind in PUBLIC_RECORD_KINDS:
            report(("disposal", d_index, "kind"), "config.disposal_public_record", value=kind)
        disposal_kinds[kind] += 1
        if disposal_kinds[kind] == 2:
            report(("disposal", d_index, "kind"), "config.duplicate_id", value=kind)
    for a_index, activity in enumerate(table("activities", plan)):
        base: tuple[int | str, ...] = ("plan", "activities", a_index)
        known(activity.get("goal_area"), areas, (*base, "goal_area"), "goal_area")
        known(activity.get("group"), groups, (*base, "group"), "group")
        owners = activity.get("owners")
        if isinstance(owners, list):
            for o_index, owner in enumerate(owners):
                known(owner, orgs, (*base, "owners", o_index), "organisation")
        ids("indicators", source=activity, prefix=base)
    return problems


class _LineLocator:
    """Finds the line a key path is on, for messages an administrator can act on.

    tomllib keeps no positions, so this walks the text: the n-th `[[name]]` header of an
    array of tables, then the first `key =` after it. Good enough to point at the right place,
    and it falls back to the nearest enclosing table rather than guessing.
    """

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def line_of(self, loc: tuple[int | str, ...]) -> int | None:
        start = 0
        # Searches stay inside the table entered so far (its header up to the next header
        # outside it), so that a key missing here is never "found" in a later table.
        end = len(self.lines)
        header_path: list[str] = []
        found: int | None = None
        index = 0
        while index < len(loc):
            part = loc[index]
            if not isinstance(part, str):
                index += 1
                continue
            following = loc[index + 1] if index + 1 < len(loc) else None
            nth = following if isinstance(following, int) else None
            header_path.append(part)
            dotted = re.escape(".".join(header_path))
            if nth is not None:
                header = self._nth(rf"^\s*\[\[\s*{dotted}\s*\]\]", int(nth), start, end)
                if header is not None:
                    start, found = header, header + 1
                    end = self._table_end(header, header_path)
                    index += 2
                    continue
            table_header = self._nth(rf"^\s*\[\s*{dotted}\s*\]", 0, start, end)
            if table_header is not None and nth is None:
                start, found = table_header, table_header + 1
                end = self._table_end(table_header, header_path)
                index += 1
                continue
            # A table's own keys (or the file's top-level keys) come before the next header.
            keys_end = self._next_header(start if found is None else start + 1)
            key_line = self._nth(rf"^\s*{re.escape(part)}\s*=", 0, start, keys_end)
            if key_line is not None:
                found = key_line + 1
            break
        return found

    def line_of_item(
        self, loc: tuple[int | str, ...], literal: str, occurrence: int = 0
    ) -> int | None:
        """The line of `literal` (an item of the array at `loc`), from the array's key on."""

        key_line = self.line_of(loc)
        if key_line is None:
            return None
        seen = 0
        for number in range(key_line - 1, min(len(self.lines), key_line + 200)):
            line = self.lines[number].split("#", 1)[0]
            seen += line.count(literal)
            if seen > occurrence:
                return number + 1
            if number >= key_line and "=" in line and "]" not in line.split("=")[0]:
                break  # the next key: the array has ended
        return key_line

    def _nth(self, pattern: str, n: int, start: int, end: int) -> int | None:
        regex = re.compile(pattern)
        count = 0
        for number in range(start, end):
            if regex.match(self.lines[number]):
                if count == n:
                    return number
                count += 1
        return None

    def _header_name(self, number: int) -> str | None:
        match = _TABLE_HEADER.match(self.lines[number])
        return re.sub(r"\s*\.\s*", ".", match.group(1)) if match else None

    def _table_end(self, header: int, path: list[str]) -> int:
        inside = ".".join(path) + "."
        for number in range(header + 1, len(self.lines)):
            name = self._header_name(number)
            if name is not None and not name.startswith(inside):
                return number
        return len(self.lines)

    def _next_header(self, start: int) -> int:
        for number in range(start, len(self.lines)):
            if self._header_name(number) is not None:
                return number
        return len(self.lines)


_TABLE_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(?:#.*)?$")
