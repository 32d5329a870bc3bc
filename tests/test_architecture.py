"""The shape of docs/architecture.md, kept by walking every module's imports and calls with `ast`.

Imports flow one way: domain ← storage, reports ← app ← handlers ← bot, and scheduler ← bot.
domain/, app/ and handlers/ import no platform library and no SQLAlchemy; scheduler/ no
SQLAlchemy and no ORM model (the outbox is storage's); each platform stays in its own door
(`bot/<name>/`), and doors never import each other; nothing outside handlers/ imports a command
module except the one place that registers them; domain/ (its configuration schema aside),
app/, handlers/, scheduler/ and reports/ never name a platform in code; there are no import
cycles; domain/ never reads the clock. Each rule is first shown to fail on a small synthetic
source, so that a rule that can never fail is caught too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "app", "handlers", "domain", "storage", "scheduler", "reports")

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
    Rule("domain is pure", "domain/",
         (*INFRASTRUCTURE, "storage", "app", "handlers", "scheduler", "bot", "reports")),
    Rule("the application layer uses ports, not storage, commands or doors", "app/",
         (*INFRASTRUCTURE, "bot", "scheduler", "storage", "handlers")),
    Rule("handlers use the application layer and ports, not storage or doors", "handlers/",
         (*INFRASTRUCTURE, "bot", "scheduler", "storage")),
    Rule("storage does not know its callers", "storage/",
         ("app", "handlers", "scheduler", "bot", "reports")),
    Rule("file formats know documents, nothing else of the bot", "reports/",
         (*INFRASTRUCTURE, "storage", "app", "handlers", "scheduler", "bot")),
    # The outbox and everything else the scheduler stores are repositories in storage/.
    Rule("scheduler uses repositories, not SQL, ORM models, commands or doors", "scheduler/",
         ("sqlalchemy", "alembic", "psycopg", "psycopg2", "storage.db", "handlers", "bot",
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
        ("storage/x.py", "from app.core import Context\n", "imports app.core"),
        ("app/x.py", "from storage.db import upgrade\n", "imports storage.db"),
        ("app/x.py", "from handlers import updates\n", "imports handlers"),
        ("app/x.py", "import slack_sdk\n", "imports slack_sdk"),
        ("reports/x.py", "from app.i18n import Translator\n", "imports app.i18n"),
        ("reports/x.py", "from sqlalchemy import select\n", "imports sqlalchemy"),
        ("domain/x.py", "from reports import docx\n", "imports reports"),
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
        ("handlers/x.py", "from domain.config import Config\nfrom app import core\n"),
        ("app/x.py", "from domain.config import Config\nfrom app import core\n"),
        ("reports/x.py", "from docx import Document\nfrom domain.document import Dataset\n"),
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
    for expected in ("domain/config.py", "app/dispatch.py", "handlers/updates.py",
                     "storage/db.py", "bot/cli.py", "scheduler/runner.py", "reports/docx.py"):
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


# --- doors, commands, platform names, cycles ----------------------------------------------

DOORS = ("bot/slack/", "bot/teams/")
# The one module outside handlers/ that may import a command module: it registers them.
REGISTRATION = {"bot/runtime.py": "handlers.commands"}
# Code that must not name a platform (configuration schema aside: administrators write the
# platform ids there).
PLATFORM_FREE = ("domain/", "app/", "handlers/", "scheduler/", "reports/")
PLATFORM_NAMED = ("domain/config.py",)
PLATFORM_WORDS = ("slack", "teams")


def door_violations(relpath: str, source: str) -> list[str]:
    home = next((door for door in DOORS if relpath.startswith(door)), None)
    if home is None:
        return []
    return sorted({
        f"{relpath}:{line}: imports {module} (doors never import each other)"
        for line, module in imported_modules(source)
        for door in DOORS
        if door != home and _within(module, door.rstrip("/").replace("/", "."))
    })


def command_violations(relpath: str, source: str) -> list[str]:
    if relpath.startswith("handlers/"):
        return []
    allowed = REGISTRATION.get(relpath)
    return sorted({
        f"{relpath}:{line}: imports {module} (a command module outside handlers/)"
        for line, module in imported_modules(source)
        if _within(module, "handlers") and module != "handlers"
        and not (allowed and _within(module, allowed))
    })


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def platform_names(relpath: str, source: str) -> list[str]:
    """Identifiers and strings (not docstrings, not comments) that name a platform."""

    if not relpath.startswith(PLATFORM_FREE) or relpath in PLATFORM_NAMED:
        return []
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        words: list[str] = []
        if isinstance(node, ast.Name):
            words.append(node.id)
        elif isinstance(node, ast.Attribute):
            words.append(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            words.append(node.name)
        elif isinstance(node, ast.arg):
            words.append(node.arg)
        elif isinstance(node, ast.keyword) and node.arg:
            words.append(node.arg)
        elif isinstance(node, ast.alias):
            words.append(node.name)
        elif isinstance(node, ast.ImportFrom) and node.module:
            words.append(node.module)
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in docstrings):
            words.append(node.value)
        for word in words:
            if any(platform in word.lower() for platform in PLATFORM_WORDS):
                found.add(f"{relpath}:{getattr(node, 'lineno', '?')}: names {word[:40]!r}")
    return sorted(found)


def module_name(relpath: str) -> str:
    name = relpath.removesuffix(".py").replace("/", ".")
    return name.removesuffix(".__init__")


def import_cycles(sources: dict[str, str]) -> list[list[str]]:
    """Cycles among the project's modules (lazy imports count: a cycle is a cycle)."""

    modules = {module_name(relpath) for relpath in sources}
    graph: dict[str, set[str]] = {}
    for relpath, source in sources.items():
        edges = graph.setdefault(module_name(relpath), set())
        for _line, module in imported_modules(source):
            while module and module not in modules:
                module = module.rpartition(".")[0]
            if module and module != module_name(relpath):
                edges.add(module)
    # Tarjan's strongly connected components; any with more than one module is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


@pytest.mark.parametrize(
    ("check", "relpath", "source", "expected"),
    [
        (door_violations, "bot/slack/x.py", "from bot.teams.cards import card\n",
         "imports bot.teams.cards"),
        (door_violations, "bot/teams/x.py", "def f():\n    import bot.slack.blocks\n",
         "x.py:2: imports bot.slack.blocks"),
        (command_violations, "bot/web.py", "from handlers.reports import handle_status\n",
         "imports handlers.reports"),
        (command_violations, "scheduler/x.py", "from handlers import updates\n",
         "imports handlers.updates"),
        (command_violations, "app/x.py", "import handlers.notes\n", "imports handlers.notes"),
        (command_violations, "bot/cli.py", "from handlers.commands import COMMANDS\n",
         "imports handlers.commands"),
        (platform_names, "app/x.py", "x = {'slack': 1}\n", "names 'slack'"),
        (platform_names, "handlers/x.py", "def f(g):\n    return g.teams_channel\n",
         "names 'teams_channel'"),
        (platform_names, "scheduler/x.py", "from bot.slack import blocks\n", "names 'bot.slack'"),
        (platform_names, "domain/x.py", "def for_slack():\n    pass\n", "names 'for_slack'"),
        (platform_names, "reports/x.py", "TEAMS_LIMIT = 1\n", "names 'TEAMS_LIMIT'"),
    ],
)
def test_door_command_and_platform_rules_catch(check, relpath: str, source: str,
                                               expected: str) -> None:
    problems = check(relpath, source)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("check", "relpath", "source"),
    [
        (door_violations, "bot/slack/x.py", "from bot.runtime import Runtime\nimport bot.door\n"),
        (door_violations, "bot/web.py", "from bot.slack.server import attach_slack\n"),
        (command_violations, "handlers/x.py", "from handlers import updates\n"),
        (command_violations, "bot/runtime.py", "from handlers.commands import COMMANDS\n"),
        (command_violations, "bot/x.py", "from app.reports import build_file\n"),
        (platform_names, "app/x.py", '"""Slack shows it as a modal."""\n# Teams too\nx = 1\n'),
        (platform_names, "domain/config.py", "slack_user_id = 'U123'\n"),
        (platform_names, "bot/slack/x.py", "SLACK = 1\n"),
    ],
)
def test_door_command_and_platform_rules_allow(check, relpath: str, source: str) -> None:
    assert check(relpath, source) == []


def test_the_cycle_rule_catches_a_cycle_through_a_lazy_import() -> None:
    sources = {
        "bot/a.py": "from bot.b import x\n",
        "bot/b.py": "def f():\n    from bot import a\n",
        "bot/c.py": "from bot.a import y\n",
    }
    assert import_cycles(sources) == [["bot.a", "bot.b"]]
    assert import_cycles({"bot/a.py": "from bot.b import x\n", "bot/b.py": "x = 1\n"}) == []


def test_doors_never_import_each_other() -> None:
    assert [p for r, s in project_files("bot") for p in door_violations(r, s)] == []


def test_no_command_module_is_imported_outside_handlers() -> None:
    assert [p for r, s in project_files(*PACKAGES) for p in command_violations(r, s)] == []


def test_the_core_never_names_a_platform() -> None:
    assert [p for r, s in project_files(*PACKAGES) for p in platform_names(r, s)] == []


def test_no_import_cycles() -> None:
    assert import_cycles(dict(project_files(*PACKAGES))) == []


def test_the_architecture_document_names_every_package() -> None:
    document = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    for package in PACKAGES:
        assert f"{package}/" in document, package
