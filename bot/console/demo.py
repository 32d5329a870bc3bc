"""`samverkan demo`: the console door.

Interactive in a terminal; with stdin from a pipe it reads one chat line per line, prints each
reply, and exits 0 at end of input, so `printf '/samverkan hjälp\\n' | samverkan demo` works.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from sqlalchemy.orm import Session

from bot.cli import EXIT_OK, EXIT_PROBLEMS, load_config_file, report_problems
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from domain.config import Config
from handlers.i18n import translator
from handlers.messages import Command, Reply
from storage.sync import sync_config

DEMO_DATABASE_URL = "sqlite:///samverkan-demo.db"


def default_person(config: Config) -> str | None:
    """A member of the first group: someone with meetings and activities to try things on."""

    for group in config.groups:
        for membership in group.members:
            if membership.role == "member":
                return membership.person
    return config.people[0].id if config.people else None


def run_demo(
    settings: Settings,
    *,
    person_id: str | None,
    language: str | None,
    config_file: Path,
    database_url: str | None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    t = translator(language or settings.default_language)
    result = load_config_file(config_file)
    if not result.ok or result.config is None:
        report_problems(t, config_file, result)
        return EXIT_PROBLEMS
    config = result.config
    runtime = build_runtime(settings, database_url=database_url or DEMO_DATABASE_URL)
    try:
        with Session(runtime.engine) as session:
            sync_config(session, config)
            session.commit()
        person_id = person_id or default_person(config)
        person = next((p for p in config.people if p.id == person_id), None)
        if person is None:
            print(t("demo.unknown_person", person=person_id or "-",
                    examples=", ".join(p.id for p in config.people[:5])), file=sys.stderr)
            return EXIT_PROBLEMS
        t = translator(language or person.language)
        organisation = next(o for o in config.organisations if o.id == person.organisation)
        interactive = stdin.isatty()
        if interactive:
            print(t("demo.welcome", name=person.name, organisation=organisation.short_name),
                  file=stdout)
        return _loop(runtime, person.id, language, stdin, stdout, interactive, t("demo.prompt"))
    finally:
        runtime.close()


def _loop(
    runtime: Runtime,
    person_id: str,
    language: str | None,
    stdin: TextIO,
    stdout: TextIO,
    interactive: bool,
    prompt: str,
) -> int:
    if interactive:
        try:
            import readline  # noqa: F401  (line editing and history for the prompt)
        except ImportError:
            pass
    while True:
        if interactive:
            try:
                line = input(prompt)
            except EOFError:
                print(file=stdout)
                return EXIT_OK
            except KeyboardInterrupt:
                print(file=stdout)
                continue
        else:
            line = stdin.readline()
            if not line:
                return EXIT_OK
        line = line.strip()
        if not line:
            continue
        reply = runtime.dispatcher.handle(
            Command(platform="console", user_id=person_id, text=line, locale=language)
        )
        print(render(reply), file=stdout, flush=True)


def render(reply: Reply) -> str:
    return reply.plain_text() + "\n"
