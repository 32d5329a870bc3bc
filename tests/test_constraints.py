"""constraints.txt pins every package the bot installs, at the version that was tested."""

from __future__ import annotations

from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT


def pinned() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"not pinned to one version: {line}"
            pins[canonicalize_name(name)] = version.strip()
    return pins


def installed_closure(root: str, extras: tuple[str, ...]) -> dict[str, str]:
    """Every distribution `root` (with `extras`) needs, as installed: name → version."""

    seen: dict[str, str] = {}
    todo: list[tuple[str, tuple[str, ...]]] = [(root, extras)]
    while todo:
        name, wanted = todo.pop()
        dist = metadata.distribution(name)
        for text in dist.requires or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is not None and not any(
                marker.evaluate({"extra": extra}) for extra in (*wanted, "")
            ):
                continue
            key = canonicalize_name(requirement.name)
            if key not in seen:
                seen[key] = metadata.version(requirement.name)
                todo.append((requirement.name, tuple(requirement.extras)))
    return seen


def test_every_installed_dependency_is_pinned_at_its_installed_version() -> None:
    pins = pinned()
    needed = installed_closure("samverkansboten", ("dev",))
    assert {"slack-bolt", "botbuilder-core", "sqlalchemy", "pytest"} <= set(needed)
    assert sorted(set(needed) - set(pins)) == []
    assert {n: v for n, v in needed.items() if pins[n] != v} == {}
