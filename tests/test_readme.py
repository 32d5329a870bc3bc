"""The README's `samverkan …` examples run as written.

Every line of a ```sh block that runs `samverkan`, and every inline `samverkan …` that names no
placeholder (`FILE`, `<host>`, `[--x]`, `a|b`: those are synopses), is run with bash in a fresh
folder, against a temporary SQLite database synced from the example configuration. Each must
exit 0 without a traceback.

Skipped, because they need a network server: `samverkan serve …` (it binds a port and runs
until stopped). `teams-package` runs with the environment the README's *Connect Microsoft
Teams* step 3 sets (an app id and an https address), invented values here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from bot.settings import Settings
from domain.config import Config
from storage.db import create_db_engine, upgrade
from storage.sync import sync_config

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PLACEHOLDER = re.compile(r"[<\[|]|\b(?:[A-Z]{3,}|[A-Z])\b")
NEEDS_A_SERVER = re.compile(r"\bsamverkan serve\b")
# What step 3 of "Connect Microsoft Teams" puts in the environment (invented values).
TEAMS_ENVIRONMENT = {
    "MICROSOFT_APP_ID": "00000000-0000-4000-8000-000000000001",
    "PUBLIC_BASE_URL": "https://samverkan.example.org",
}


def readme_examples(text: str) -> list[str]:
    """The command lines: `samverkan` lines of sh blocks, then runnable inline commands."""

    examples: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if re.search(r"(^|[\s|/])samverkan\s", command):
                examples.append(command)
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    for span in re.findall(r"`(samverkan [^`]+)`", prose):
        if not PLACEHOLDER.search(span.removeprefix("samverkan")) and span not in examples:
            examples.append(span)
    return examples


def test_the_example_finder_sees_blocks_and_inline_commands_but_not_synopses() -> None:
    text = (
        "Run `samverkan gdpr dispose --dry-run` or `samverkan audit [--since DATE]`.\n"
        "```sh\nsamverkan report status --area SP --format md   # a comment\nmake test\n"
        "printf 'x\\n' | .venv/bin/samverkan demo\n```\n"
        "The server: `samverkan serve`; `/samverkan hjälp` in Slack;\n"
        "`samverkan config check FILE`.\n"
    )
    assert readme_examples(text) == [
        "samverkan report status --area SP --format md",
        "printf 'x\\n' | .venv/bin/samverkan demo",
        "samverkan gdpr dispose --dry-run",
        "samverkan serve",
    ]


EXAMPLES = readme_examples(README.read_text("utf-8"))


def test_the_readme_has_examples_of_every_command() -> None:
    commands = {match.group(1) for e in EXAMPLES if (match := re.search(r"samverkan (\S+)", e))}
    assert {"demo", "config", "schedule", "reminders", "report", "gdpr", "audit",
            "slack-manifest", "teams-package", "db", "serve"} <= commands


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, example_config: Config) -> Path:
    """A working folder as a reader would have: `.venv/bin/samverkan`, `examples/`, and a
    database synced from the example configuration."""

    folder = tmp_path_factory.mktemp("readme")
    (folder / ".venv").symlink_to(Path(sys.executable).parent.parent)
    (folder / "examples").symlink_to(ROOT / "examples")
    engine = create_db_engine(f"sqlite:///{folder / 'samverkan.db'}")
    upgrade(engine)
    with Session(engine) as session:
        sync_config(session, example_config)
        session.commit()
    engine.dispose()
    return folder


@pytest.mark.parametrize("example", EXAMPLES)
def test_a_readme_example_runs_as_written(folder: Path, example: str) -> None:
    if NEEDS_A_SERVER.search(example):
        pytest.skip("needs a network server: `samverkan serve` binds a port and runs until "
                    "stopped (the web tests drive it)")
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["DATABASE_URL"] = f"sqlite:///{folder / 'samverkan.db'}"
    if "teams-package" in example:
        env.update(TEAMS_ENVIRONMENT)
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", example], cwd=folder, env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, (example, result.stdout[-2000:], result.stderr[-2000:])
