"""`samverkan demo`: the console door.

Interactive in a terminal; with stdin from a pipe it reads one chat line per line, prints each
reply, and exits 0 at end of input, so `printf '/samverkan hjälp\\n' | samverkan demo` works.

A reply that carries a form (`rapportera`, `ändra 12`) is asked field by field; from a pipe,
the answers are the following lines, one per field shown (`rapportera\\n3\\n2\\nText\\n\\n\\n`).

Reminders appear in the terminal as they fall due on the demo's own clock, which `:tid +7d`,
`:tid +3h` or `:tid 2026-12-07 09:00` moves forward, so a newcomer can watch a whole meeting
cycle: the request for updates, the nudge, the convener's reminder, the day before, and the
prompt after the meeting. The clock starts at `--now` (or the real time) and runs on in real
time from there, so what is saved in one session is in the order it was saved.

The log (the scheduler's warnings, a failed command's details) goes to a file, `--log`
(default `samverkan-demo.log` in the current folder), never into the conversation.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from typing import TextIO

from sqlalchemy.orm import Session

from app.i18n import Translator, translator
from app.messages import Command, Form, FormField, FormSubmission, Reply
from bot.config_file import load_config_file, report_problems
from bot.console.clock import DemoClock, DemoMessenger, DemoReminders, parse_start
from bot.console.render import render
from bot.exits import EXIT_OK, EXIT_PROBLEMS
from bot.logs import configure_logging
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from domain.config import Config
from storage.sync import sync_config

DEMO_DATABASE_URL = "sqlite:///samverkan-demo.db"

log = logging.getLogger(__name__)


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
    start: str | None = None,
    log_file: Path | None = None,
) -> int:
    """`log_file`: where the log goes instead of standard error (None: standard error)."""

    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    t = translator(language or settings.default_language)
    if log_file is not None:
        configure_logging(settings.log_level, settings.log_format, log_file)
    result = load_config_file(config_file)
    if not result.ok or result.config is None:
        report_problems(t, config_file, result)
        return EXIT_PROBLEMS
    config = result.config
    clock = DemoClock()
    if start:
        moment = parse_start(start)
        if moment is None:
            print(t("demo.bad_start", text=start), file=sys.stderr)
            return EXIT_PROBLEMS
        clock.set(moment)
    runtime = build_runtime(
        settings, database_url=database_url or DEMO_DATABASE_URL, clock=clock
    )
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
        group_ids = {g.id for g in config.groups if any(m.person == person.id for m in g.members)}
        reminders = DemoReminders(
            runtime, clock, DemoMessenger(stdout, person.id, group_ids), stdout, t
        )
        if interactive:
            welcome = t("demo.welcome", name=person.name, organisation=organisation.short_name,
                        now=reminders.now_text())
            print(render(Reply.text(welcome)), file=stdout)
        ticker = _background_ticks(reminders) if interactive else None
        try:
            return _loop(runtime, person.id, language, stdin, stdout, interactive, t, reminders)
        finally:
            if ticker is not None:
                ticker.set()
    finally:
        runtime.close()


def _loop(
    runtime: Runtime,
    person_id: str,
    language: str | None,
    stdin: TextIO,
    stdout: TextIO,
    interactive: bool,
    t: Translator,
    reminders: DemoReminders,
) -> int:
    if interactive:
        try:
            import readline  # noqa: F401  (line editing and history for the prompt)
        except ImportError:
            pass
    lines = _Lines(stdin, interactive)
    prompt = t("demo.prompt")
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
        if line.startswith(":"):
            word, _, rest = line[1:].partition(" ")
            if word.lower() in ("tid", "time"):
                reminders.jump(rest)
            else:
                print(t("demo.clock.usage"), file=stdout, flush=True)
            continue
        reminders.tick()
        reply = runtime.dispatcher.handle(
            Command(platform="console", user_id=person_id, text=line, locale=language)
        )
        print(render(reply), file=stdout, flush=True)
        # What the command set off (an announcement of a schedule change) shows at once.
        reminders.tick()
        if reply.form is not None:
            try:
                finished = fill_form(runtime, person_id, language, reply.form, lines, stdout, t)
            except KeyboardInterrupt:
                print(file=stdout)
                print(t("form.console.cancelled"), file=stdout, flush=True)
                continue
            if not finished:
                return EXIT_OK


def _background_ticks(reminders: DemoReminders) -> threading.Event:
    """In a terminal, reminders also arrive while the person is just reading."""

    stop = threading.Event()

    def run() -> None:
        while not stop.wait(20):
            try:
                reminders.tick()
            except Exception:  # the demo goes on; the log has the details
                log.exception("demo reminder tick failed")

    threading.Thread(target=run, name="demo-reminders", daemon=True).start()
    return stop


class _Lines:
    """Where a form's answers come from: the terminal, or the next lines of piped input."""

    def __init__(self, stdin: TextIO, interactive: bool) -> None:
        self.stdin = stdin
        self.interactive = interactive

    def read(self, prompt: str) -> str | None:
        """One answer, or None at the end of the input."""

        if self.interactive:
            try:
                return input(prompt)
            except EOFError:
                return None
        line = self.stdin.readline()
        return line.rstrip("\r\n") if line else None


def fill_form(
    runtime: Runtime,
    person_id: str,
    language: str | None,
    form: Form,
    lines: _Lines,
    stdout: TextIO,
    t: Translator,
) -> bool:
    """Asks a form field by field, submits it, and asks again only what came back wrong.

    Fields hidden by `visible_when` are skipped (and not sent). An empty answer keeps the
    shown value, a single `-` empties the field. False when the input ended mid-form.
    """

    values = {f.id: f.initial for f in form.fields}
    asked: set[str] = set()
    pending = [f.id for f in form.fields]
    current = form
    while True:
        for form_field in current.fields:
            if form_field.id not in pending or not form_field.visible(values):
                continue
            answer = _ask(form_field, values.get(form_field.id, ""), lines, stdout, t)
            if answer is None:
                print(t("form.console.cancelled"), file=stdout, flush=True)
                return False
            values[form_field.id] = answer
            asked.add(form_field.id)
        shown = {f.id for f in current.fields if f.visible(values)}
        reply = runtime.dispatcher.submit(FormSubmission(
            platform="console", user_id=person_id, form_id=current.id,
            values={k: v for k, v in values.items() if k in shown},
            state=current.state, locale=language,
        ))
        if reply.form is None or not reply.form.has_errors:
            print(render(reply), file=stdout, flush=True)
            return True
        print(render(Reply(heading=reply.heading, blocks=reply.blocks)), file=stdout, flush=True)
        current = reply.form
        for form_field in current.fields:
            if form_field.error:
                # What the bot sends back (an identity number is never among it).
                values[form_field.id] = form_field.initial
        pending = [
            f.id for f in current.fields
            if f.error or (f.visible(values) and f.id not in asked)
        ]


def _ask(
    form_field: FormField, value: str, lines: _Lines, stdout: TextIO, t: Translator
) -> str | None:
    label = form_field.label
    if form_field.required:
        label = f"{label} {t('form.console.required')}"
    print(label, file=stdout)
    if form_field.hint:
        print(f"  {form_field.hint}", file=stdout)
    if form_field.error:
        print(f"  {t('form.console.error', error=form_field.error)}", file=stdout)
    options = form_field.options
    group = None
    for number, option in enumerate(options, start=1):
        if option.group and option.group != group:
            group = option.group
            print(f"  {group}", file=stdout)
        print(f"    {number}. {option.label}", file=stdout)
    if options:
        print(f"  {t('form.console.choose')}", file=stdout)
    if value:
        shown = next((o.label for o in options if o.value == value), value)
        print(f"  {t('form.console.current', value=shown)} {t('form.console.keep')}",
              file=stdout)
    stdout.flush()
    answer = lines.read(t("form.console.prompt"))
    if answer is None:
        return None
    answer = answer.strip()
    if not answer:
        return value
    if answer == "-":
        return ""
    if options and answer.isdigit() and 1 <= int(answer) <= len(options):
        return options[int(answer) - 1].value
    return answer
