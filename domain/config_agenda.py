"""`[[groups]] reports_to` checked on the raw configuration: the group that gave a group its
mandate must be another configured group, and following `reports_to` must never come back to
where it started. Findings are (key path, catalog code, parameters), as in
`domain.config_calendar`; `domain.config` gives them their lines.
"""

from __future__ import annotations

from collections.abc import Mapping


def reports_to_cycle(reports_to: Mapping[str, str | None], start: str) -> list[str] | None:
    """The groups of a cycle `start` is on when following `reports_to`, else None."""

    seen: list[str] = []
    current: str | None = start
    while current is not None and current in reports_to:
        if current in seen:
            return seen[seen.index(current):]
        seen.append(current)
        current = reports_to.get(current)
    return None


def reports_to_findings(raw: Mapping[str, object]) -> list[tuple[tuple[int | str, ...], str,
                                                                  dict[str, object]]]:
    """`[[groups]] reports_to`: an existing group, not the group itself, and no cycle.

    Works on the raw TOML like `domain.config`'s own cross-references; returns (key path,
    catalog code, parameters) for `domain.config` to give line numbers.
    """

    groups = raw.get("groups")
    if not isinstance(groups, list):
        return []
    tables = [g for g in groups if isinstance(g, dict)]
    ids = {g["id"] for g in tables if isinstance(g.get("id"), str)}
    edges: dict[str, str | None] = {}
    findings: list[tuple[tuple[int | str, ...], str, dict[str, object]]] = []
    for index, group in enumerate(groups):
        if not isinstance(group, dict):
            continue
        target = group.get("reports_to")
        group_id = group.get("id")
        if not isinstance(target, str):
            continue
        loc: tuple[int | str, ...] = ("groups", index, "reports_to")
        if target not in ids:
            findings.append((loc, "config.unknown_reference", {"kind": "group", "value": target}))
        elif target == group_id:
            findings.append((loc, "config.reports_to_self", {"value": target}))
        elif isinstance(group_id, str):
            edges[group_id] = target
    reported: set[str] = set()
    for index, group in enumerate(groups):
        if not isinstance(group, dict) or not isinstance(group.get("id"), str):
            continue
        cycle = reports_to_cycle(edges, group["id"])
        if cycle and not reported.intersection(cycle):
            reported.update(cycle)
            findings.append((("groups", index, "reports_to"), "config.reports_to_cycle",
                             {"value": " → ".join([*cycle, cycle[0]])}))
    return findings
