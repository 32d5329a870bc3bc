"""The shape of ARCHITECTURE.md, kept by walking every module's imports and calls with `ast`.

Imports flow one way: domain ← storage ← handlers, scheduler ← bot. domain/ and handlers/
import no platform library and no SQLAlchemy; Slack and Bot Framework stay in their own door;
domain/ never reads the clock. Each rule is first shown to fail on a small synthetic source,
so that a rule that can never fail is caught too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "domain", "storage", "scheduler")

INFRASTRUCTURE = (
    "sqlalchemy", "alembic", "slack_bolt", "slack_sdk", "botbuilder", "aiohttp",
    "apscheduler", "psycopg", "psycopg2",
)


@dataclass(frozen=True)
class Rule:
    """Files under `where` must not import modules under any of `forbidden`."""

    name: str
    where: str
    forbidden: tuple[str, ...]


LAYER_RULES = (
    Rule("domain is pure", "domain/", (*INFRASTRUCTURE, "storage", "handlers", "scheduler", "bot")),
    Rule("handlers use ports, not storage or doors", "handlers/",
         (*INFRASTRUCTURE, "bot", "scheduler", "storage")),
    Rule("storage does not know its callers", "storage/", ("handlers", "scheduler", "bot")),
    # The outbox and everything else the scheduler stores are repositories in storage/.
    Rule("scheduler uses repositories, not SQL or ORM models", "scheduler/",
         ("sqlalchemy", "alembic", "psycopg", "psycopg2", "storage.db",
          *sorted(f"storage.{p.stem}" for p in (ROOT / "storage").glob("models*.py")))),
)

# Platform SDKs: importable only inside their own door.
CONFINED = {
    "slack_bolt": "bot/slack/",
    "slack_sdk": "bot/slack/",
    "botbuilder": "bot/teams/",
}

# Reading the clock: the domain is given the time instead.
CLOCK_CALLS = {
    "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today",
    "datetime.date.today", "time.time", "time.time_ns", "time.localtime", "time.gmtime",
    "time.monotonic", "time.perf_counter",
}


# --- the helpers -------------------------------------------------------------------------


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def imported_modules(source: str) -> list[tuple[int, str]]:
    """(line, module) for every import, at any depth, and for import_module("x") calls."""

    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            # Relative imports stay inside the package they are in; the project uses none.
            if node.level == 0 and node.module:
                found.append((node.lineno, node.module))
                found.extend(
                    (node.lineno, f"{node.module}.{alias.name}") for alias in node.names
                )
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            if (
                name in ("importlib.import_module", "import_module", "__import__")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.append((node.lineno, node.args[0].value))
    return found


def layer_violations(relpath: str, source: str) -> list[str]:
    problems: list[str] = []
    for line, module in imported_modules(source):
        for rule in LAYER_RULES:
            if relpath.startswith(rule.where):
                for forbidden in rule.forbidden:
                    if _within(module, forbidden):
                        problems.append(f"{relpath}:{line}: imports {module} ({rule.name})")
        for library, home in CONFINED.items():
            if _within(module, library) and not relpath.startswith(home):
                problems.append(f"{relpath}:{line}: imports {module} outside {home}")
    return sorted(set(problems))


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def clock_calls(source: str) -> list[tuple[int, str]]:
    """(line, call) for every call that reads the real time, whatever the import spelling."""

    tree = ast.parse(source)
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        if name is None:
            continue
        head, _, rest = name.partition(".")
        resolved = aliases.get(head, head) + (f".{rest}" if rest else "")
        attribute = resolved.rsplit(".", 1)[-1]
        owner = resolved.rsplit(".", 2)[-2] if "." in resolved else ""
        if resolved in CLOCK_CALLS or (
            # `something.datetime.now()`, a `date` reached some other way: still the clock.
            attribute in ("now", "utcnow", "today") and owner in ("datetime", "date")
        ):
            found.append((node.lineno, name))
    return found


def project_files(*folders: str) -> Iterator[tuple[str, str]]:
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), path.read_text("utf-8")


# --- each rule can fail ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relpath", "source", "expected"),
    [
        ("domain/x.py", "import sqlalchemy\n", "domain/x.py:1: imports sqlalchemy"),
        ("domain/x.py", "from storage.models import Person\n", "imports storage.models"),
        ("domain/x.py", "def f():\n    from bot import cli\n", "domain/x.py:2: imports bot"),
        ("domain/x.py", "import apscheduler.schedulers\n", "imports apscheduler.schedulers"),
        ("handlers/x.py", "from sqlalchemy.orm import Session\n", "imports sqlalchemy.orm"),
        ("handlers/x.py", "import aiohttp.web as web\n", "imports aiohttp.web"),
        ("handlers/x.py", "import psycopg\n", "imports psycopg"),
        ("handlers/x.py", "from alembic import command\n", "imports alembic"),
        ("handlers/x.py", "from storage import repositories\n", "imports storage"),
        ("handlers/x.py", "from scheduler.runner import Ticker\n", "imports scheduler.runner"),
        ("handlers/x.py", "from bot.settings import Settings\n", "imports bot.settings"),
        ("handlers/x.py", "import importlib\nimportlib.import_module('sqlalchemy')\n",
         "handlers/x.py:2: imports sqlalchemy"),
        ("storage/x.py", "from handlers.core import Context\n", "imports handlers.core"),
        ("storage/x.py", "import bot.web\n", "imports bot.web"),
        ("storage/x.py", "from scheduler import runner\n", "imports scheduler"),
        ("bot/web.py", "from slack_bolt.async_app import AsyncApp\n", "outside bot/slack/"),
        ("bot/teams/x.py", "import slack_sdk\n", "outside bot/slack/"),
        ("scheduler/x.py", "from botbuilder.core import TurnContext\n", "outside bot/teams/"),
        ("scheduler/x.py", "from sqlalchemy import update\n", "imports sqlalchemy (scheduler"),
        ("scheduler/x.py", "from sqlalchemy.exc import IntegrityError\n", "imports sqlalchemy.exc"),
        ("scheduler/x.py", "from storage.models_reminders import OutboxDelivery\n",
         "imports storage.models_reminders"),
        ("scheduler/x.py", "from storage import models as m\n", "imports storage.models"),
        ("bot/slack/x.py", "from botbuilder.schema import Activity\n", "outside bot/teams/"),
    ],
)
def test_layer_rule_catches(relpath: str, source: str, expected: str) -> None:
    problems = layer_violations(relpath, source)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("relpath", "source"),
    [
        ("domain/x.py", "from domain.model import Person\nimport datetime\n"),
        ("domain/x.py", "import storagebox\n"),  # a prefix of a name is not the package
        ("handlers/x.py", "from domain.config import Config\nfrom handlers import core\n"),
        ("storage/x.py", "from sqlalchemy import select\nfrom domain import model\n"),
        ("bot/slack/x.py", "from slack_bolt.async_app import AsyncApp\nimport slack_sdk\n"),
        ("bot/teams/x.py", "from botbuilder.core import TurnContext\n"),
        ("bot/web.py", "from aiohttp import web\nfrom storage.db import upgrade\n"),
        ("scheduler/x.py", "from storage.repositories import StoreFactory\n"),
        ("scheduler/x.py", "from storage.outbox_repo import DatabaseError\n"),
    ],
)
def test_layer_rule_allows(relpath: str, source: str) -> None:
    assert layer_violations(relpath, source) == []


@pytest.mark.parametrize(
    "source",
    [
        "from datetime import datetime\nx = datetime.now()\n",
        "from datetime import datetime, UTC\nx = datetime.now(UTC)\n",
        "import datetime\nx = datetime.datetime.now()\n",
        "import datetime as dt\nx = dt.date.today()\n",
        "from datetime import date\nx = date.today()\n",
        "from datetime import datetime as DT\nx = DT.utcnow()\n",
        "import time\nx = time.time()\n",
        "from time import time\nx = time()\n",
        "def f(d):\n    return d.datetime.now()\n",
    ],
)
def test_clock_rule_catches(source: str) -> None:
    assert clock_calls(source), source


@pytest.mark.parametrize(
    "source",
    [
        "from datetime import time\nx = time(9, 0)\n",
        "import datetime\nx = datetime.time(9, 0)\n",
        "from datetime import date\nx = date(2026, 1, 1)\n",
        "def f(clock):\n    return clock()\n",
        "def f(now):\n    return now.date()\n",
    ],
)
def test_clock_rule_allows(source: str) -> None:
    assert clock_calls(source) == []


# --- the real tree -----------------------------------------------------------------------


def test_the_walk_sees_the_project() -> None:
    seen = {relpath for relpath, _ in project_files(*PACKAGES)}
    for expected in ("domain/config.py", "handlers/dispatch.py", "storage/db.py", "bot/cli.py",
                     "scheduler/runner.py"):
        assert expected in seen


def test_imports_flow_one_way() -> None:
    problems = [
        problem
        for relpath, source in project_files(*PACKAGES)
        for problem in layer_violations(relpath, source)
    ]
    assert problems == []


def test_the_domain_never_reads_the_clock() -> None:
    problems = [
        f"{relpath}:{line}: {call}()"
        for relpath, source in project_files("domain")
        for line, call in clock_calls(source)
    ]
    assert problems == []
