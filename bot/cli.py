"""The `samverkan` command line.

Every command takes the database from `DATABASE_URL` (default a SQLite file in the current
folder), except `demo`, which also takes `--db`. Texts come from the message catalogs, in the
installation's default language (`DEFAULT_LANGUAGE`) unless `--lang` says otherwise.

Exit codes: 0 done; 2 a usage error, an unknown id, date or area, or a file that cannot be
written (one line on stderr, never a traceback). Output into a pipe that closes early
(`samverkan audit | head -1`) ends quietly with 0: the reader has what it wanted.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError

from app.i18n import Translator, translator
from bot.config_file import config_check, load_config_file, report_problems, report_warnings
from bot.doors import DOORS
from bot.exits import EXIT_OK, EXIT_PROBLEMS
from bot.logs import configure_logging
from bot.settings import Settings, SetupError

DEMO_LOG = "samverkan-demo.log"

log = logging.getLogger(__name__)


def example_config_path() -> Path:
    """The example configuration, shipped inside the package so `demo` works anywhere."""

    return Path(str(resources.files("bot").joinpath("examples").joinpath("vastra-gotaland.toml")))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="samverkan",
        description="Samverkansboten: the joint working groups' chat bot.",
    )
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a command's own --lang, when not given, must not reset `samverkan --lang en`.
    common.add_argument(
        "--lang", choices=("sv", "en"), default=argparse.SUPPRESS, help="language of the output"
    )
    parser.add_argument("--lang", choices=("sv", "en"), help="language of the output")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    original_add_parser = sub.add_parser

    def add_parser(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        # Every command accepts --lang after its name too (`samverkan demo --lang en`).
        kwargs.setdefault("parents", [common])
        return original_add_parser(name, **kwargs)

    sub.add_parser = add_parser  # type: ignore[method-assign]

    demo = sub.add_parser("demo", help="chat with the bot in the terminal (SQLite by default)")
    demo.add_argument("--as", dest="as_person", metavar="PERSON_ID", help="who you are")
    demo.add_argument("--config", metavar="FILE", help="configuration file (default: example)")
    demo.add_argument("--db", metavar="URL", help="database URL (default: SQLite file here)")
    demo.add_argument("--now", metavar="TIME",
                      help="start the demo clock at TIME (ISO 8601, Stockholm if no offset); "
                           "it runs on from there, and :tid moves it")
    demo.add_argument("--log", metavar="FILE", default=DEMO_LOG,
                      help=f"where the log goes, so the conversation stays clean "
                           f"(default {DEMO_LOG} here; - for standard error)")

    serve = sub.add_parser("serve", help="run the web server and the scheduler")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1, or HOST)")
    serve.add_argument("--port", type=int, help="port (default 3978, or PORT)")
    serve.add_argument(
        "--dev", action="store_true",
        help="local development: bind 127.0.0.1 only; serve Teams without authentication "
             "when MICROSOFT_APP_ID is empty (never in production)",
    )

    config = sub.add_parser("config", help="check or sync a configuration file")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = config_sub.add_parser("check", help="report every problem in FILE; writes nothing")
    check.add_argument("file")
    sync = config_sub.add_parser("sync", help="write FILE into the database in one transaction")
    sync.add_argument("file")
    sync.add_argument("--dry-run", action="store_true", help="show what would change")
    sync.add_argument("--format", choices=("text", "json"), default="text")

    schedule = sub.add_parser("schedule", help="a group's meetings and conveners")
    schedule.add_argument("--group", required=True, help="group id")
    schedule.add_argument("--from", dest="start", help="first date (default: today)")
    schedule.add_argument("--to", dest="end", help="last date (default: a year on)")
    schedule.add_argument("--format", choices=("text", "json", "ics"), default="text")

    reminders = sub.add_parser("reminders", help="see and drive the reminders")
    reminders_sub = reminders.add_subparsers(dest="reminders_command", required=True,
                                             metavar="ACTION")
    due = reminders_sub.add_parser("due", help="what is due at TIME, without sending")
    due.add_argument("--now", help="the time (ISO 8601; default: now)")
    due.add_argument("--format", choices=("text", "json"), default="text")
    run = reminders_sub.add_parser("run", help="send what is due, once (for cron)")
    run.add_argument("--now", help="the time (ISO 8601; default: now)")
    run.add_argument("--dry-run", action="store_true", help="show what would be sent")
    run.add_argument("--format", choices=("text", "json"), default="text")
    log_parser = reminders_sub.add_parser("log", help="what was sent, failed or missed")
    log_parser.add_argument("--format", choices=("text", "json"), default="text")

    slack_manifest = sub.add_parser(
        "slack-manifest", help="print the Slack app manifest (JSON) to create the app from"
    )
    slack_manifest.add_argument(
        "--url", help="the bot's public address, e.g. https://bot.example.org"
    )
    slack_manifest.add_argument(
        "--socket-mode", action="store_true",
        help="connect over Socket Mode (no public address; --url not needed)",
    )

    package_parser = sub.add_parser(
        "teams-package", help="build the Teams app package (zip) to upload to Teams"
    )
    package_parser.add_argument(
        "--output", default="samverkan.zip", metavar="FILE",
        help="where to write the zip (default samverkan.zip)",
    )

    report = sub.add_parser("report", help="the plan's status, a group's summary, a meeting's "
                            "minutes or the annual follow-up as a file")
    report.add_argument("kind", choices=("status", "summary", "minutes", "follow-up"))
    report.add_argument("--group", help="group id (required for summary and minutes)")
    report.add_argument("--meeting", metavar="DATE", help="the meeting, for minutes (default: "
                        "the group's latest meeting)")
    report.add_argument("--year", type=int, metavar="YEAR",
                        help="the year to follow up, for follow-up (default: this year)")
    report.add_argument("--since", metavar="DATE", help="start of the period (default: the "
                        "group's last meeting)")
    report.add_argument("--area", action="append", metavar="CODE",
                        help="goal area code, for status (repeatable)")
    report.add_argument("--format", required=True,
                        choices=("md", "json", "csv", "xlsx", "docx", "png"))
    report.add_argument("--output", metavar="FILE", help="write here (default: stdout)")

    gdpr = sub.add_parser("gdpr", help="data protection: register extracts and disposal")
    gdpr_sub = gdpr.add_subparsers(dest="gdpr_command", required=True, metavar="ACTION")
    gdpr_export = gdpr_sub.add_parser("export", help="everything stored about PERSON")
    gdpr_export.add_argument("person", metavar="PERSON", help="person id")
    gdpr_export.add_argument("--format", choices=("json", "md", "docx"), default="json")
    gdpr_export.add_argument("--output", metavar="FILE", help="write here (default: stdout)")
    gdpr_dispose = gdpr_sub.add_parser("dispose", help="apply the disposal rules now")
    gdpr_dispose.add_argument("--dry-run", action="store_true",
                              help="show what each rule would remove; change nothing")
    gdpr_dispose.add_argument("--format", choices=("text", "json"), default="text")
    audit = sub.add_parser("audit", help="the audit log")
    audit.add_argument("--since", metavar="DATE", help="from this date (default: all)")
    audit.add_argument("--format", choices=("text", "json"), default="text")

    identities = sub.add_parser("identities", help="chat identities: configured and learned")
    identities_sub = identities.add_subparsers(dest="identities_command", required=True,
                                               metavar="ACTION")
    identities_list = identities_sub.add_parser("list", help="every person's chat identities")
    identities_list.add_argument("--format", choices=("text", "json"), default="text")
    unlink = identities_sub.add_parser(
        "unlink", help="remove PERSON's learned identity on PLATFORM (configured ones stay)")
    unlink.add_argument("person", metavar="PERSON", help="person id")
    unlink.add_argument("platform", choices=[door.name for door in DOORS], metavar="PLATFORM",
                        help="the door: slack or teams")

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply the migrations")
    db_sub.add_parser("current", help="show the migration the database is at")
    _accept_lang_everywhere(parser, common)
    return parser


def _accept_lang_everywhere(parser: argparse.ArgumentParser, common: argparse.ArgumentParser
                            ) -> None:
    """`--lang` after any action too (`samverkan config sync FILE --lang en`)."""

    lang = common._option_string_actions["--lang"]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                if "--lang" not in child._option_string_actions:
                    child.add_argument("--lang", choices=lang.choices, default=argparse.SUPPRESS,
                                       help=lang.help)
                _accept_lang_everywhere(child, common)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    t = translator(args.lang or settings.default_language)
    if args.command == "serve":
        # A long-running server: its own errors are its own (a broken pipe there is a socket).
        from bot.web import serve

        try:
            return serve(settings, host=args.host, port=args.port, dev=args.dev,
                         language=t.language)
        except SetupError as setup:
            # Settings that cannot work: one line in the operator's language, no traceback.
            print(t(setup.key, **setup.params), file=sys.stderr)
            return EXIT_PROBLEMS
    try:
        return _run(parser, args, settings, t)
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_OK
    except OSError as error:
        if error.filename is None:
            raise
        print(file_problem(t, error), file=sys.stderr)
        return EXIT_PROBLEMS
    except SQLAlchemyOperationalError as error:
        problem = database_file_problem(t, _database_url(args, settings))
        if problem is None:
            raise
        print(problem, file=sys.stderr)
        log.debug("database unavailable", exc_info=error)
        return EXIT_PROBLEMS


# Why a file cannot be written, in words (errno → catalog key); anything else: the OS's words.
_FILE_REASONS = {
    errno.ENOENT: "cli.file.no_folder",
    errno.EACCES: "cli.file.no_permission",
    errno.EPERM: "cli.file.no_permission",
    errno.EISDIR: "cli.file.is_folder",
    errno.ENOTDIR: "cli.file.not_a_folder",
    errno.ENOSPC: "cli.file.disk_full",
    errno.EROFS: "cli.file.read_only",
}


def file_problem(t: Translator, error: OSError) -> str:
    """One line for a file the command line could not write (`--output`, the demo's log)."""

    key = _FILE_REASONS.get(error.errno or 0)
    reason = t(key) if key else (error.strerror or type(error).__name__)
    return t("cli.file.error", file=error.filename, reason=reason)


def database_file_problem(t: Translator, url: str) -> str | None:
    """Why a SQLite database file cannot be opened (its folder is missing or not writable), or
    None when the file is not the problem (another database, or something else)."""

    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # an unparseable URL fails elsewhere, with its own message
        return None
    name = parsed.database or ""
    if not parsed.drivername.startswith("sqlite") or name in ("", ":memory:"):
        return None
    path = Path(name)
    folder = path.parent
    if not folder.is_dir():
        key = "cli.file.no_folder"
    elif not os.access(path if path.exists() else folder, os.W_OK):
        key = "cli.file.no_permission"
    else:
        return None
    return t("cli.file.database", file=path, reason=t(key))


def _database_url(args: argparse.Namespace, settings: Settings) -> str:
    if args.command == "demo":
        from bot.console.demo import DEMO_DATABASE_URL

        return str(args.db or DEMO_DATABASE_URL)
    return settings.database_url


def _discard_stdout() -> None:
    """The reader of our output has gone (`| head -1`): what is left goes nowhere, and the
    flush at exit must not complain about the closed pipe either."""

    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (a test's capture)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace, settings: Settings,
         t: Translator) -> int:
    if args.command == "demo":
        from bot.console.demo import run_demo

        return run_demo(
            settings,
            person_id=args.as_person,
            language=args.lang,
            config_file=Path(args.config) if args.config else example_config_path(),
            database_url=args.db,
            start=args.now,
            log_file=None if args.log == "-" else Path(args.log),
        )
    if args.command == "config":
        if args.config_command == "check":
            return config_check(Path(args.file), t)
        return config_sync(settings, Path(args.file), t, dry_run=args.dry_run, fmt=args.format)
    if args.command == "schedule":
        from bot.schedule_cli import run_schedule

        return run_schedule(settings, t, args.group, args.start, args.end, args.format)
    if args.command == "reminders":
        from bot.reminders_cli import run_reminders

        return run_reminders(
            settings, t, args.reminders_command, getattr(args, "now", None), args.format,
            getattr(args, "dry_run", False),
        )
    if args.command == "slack-manifest":
        from bot.slack.manifest import manifest

        if not args.url and not args.socket_mode:
            parser.error("slack-manifest: --url is required (or --socket-mode)")
        document = manifest(args.url or "", t, socket_mode=args.socket_mode)
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return EXIT_OK
    if args.command == "teams-package":
        return teams_package(settings, t, Path(args.output))
    if args.command == "report":
        from bot.report_cli import run_report

        return run_report(
            settings, t, args.kind, group_id=args.group, since_text=args.since,
            fmt=args.format, output=Path(args.output) if args.output else None, areas=args.area,
            meeting_text=args.meeting,
            year=args.year,
        )
    if args.command == "gdpr":
        from bot.gdpr_cli import run_dispose, run_export

        if args.gdpr_command == "export":
            return run_export(settings, t, args.person, fmt=args.format,
                              output=Path(args.output) if args.output else None)
        return run_dispose(settings, t, dry_run=args.dry_run, fmt=args.format)
    if args.command == "audit":
        from bot.gdpr_cli import run_audit

        return run_audit(settings, t, since_text=args.since, fmt=args.format)
    if args.command == "identities":
        from bot.identities_cli import run_list, run_unlink

        if args.identities_command == "list":
            return run_list(settings, t, fmt=args.format)
        return run_unlink(settings, t, args.person, args.platform)
    if args.command == "db":
        from storage.db import create_db_engine, current_revision, upgrade

        engine = create_db_engine(settings.database_url)
        if args.db_command == "upgrade":
            upgrade(engine)
        print(current_revision(engine) or "-")
        return EXIT_OK
    parser.error("unknown command")
    return EXIT_PROBLEMS


def teams_package(settings: Settings, t: Translator, output: Path) -> int:
    from bot.runtime import COMMANDS
    from bot.teams.package import PackageError, build_package, manifest

    try:
        document = manifest(
            app_id=settings.microsoft_app_id or "",
            public_base_url=settings.public_base_url,
            t=t,
            specs=COMMANDS.specs,
        )
    except PackageError as problem:
        print(t(problem.key), file=sys.stderr)
        return EXIT_PROBLEMS
    output.write_bytes(build_package(document))
    print(t("teams.package.written", file=output, count=len(
        document["bots"][0]["commandLists"][0]["commands"])))
    return EXIT_OK


def config_sync(settings: Settings, file: Path, t: Translator, *, dry_run: bool, fmt: str) -> int:
    from sqlalchemy.orm import Session

    from storage.db import create_db_engine, upgrade
    from storage.sync import sync_config

    result = load_config_file(file)
    if not result.ok or result.config is None:
        report_problems(t, file, result)
        return EXIT_PROBLEMS
    report_warnings(t, file, result)
    engine = create_db_engine(settings.database_url)
    upgrade(engine)
    with Session(engine) as session:
        report = sync_config(session, result.config)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    if fmt == "json":
        print(json.dumps(
            {"dry_run": dry_run, "changed": report.changed, "changes": report.as_dict()},
            ensure_ascii=False, indent=2,
        ))
        return EXIT_OK
    print(t("sync.title", file=file))
    if dry_run:
        print(t("sync.dry_run"))
    if not report.changed:
        print(t("sync.no_changes"))
    for kind, changes in report.changes.items():
        if not changes:
            continue
        print(t(
            "sync.line", kind=t(f"sync.kind.{kind}"), created=len(changes.created),
            updated=len(changes.updated), deactivated=len(changes.deactivated),
        ))
        for sign, names in (("+", changes.created), ("~", changes.updated),
                            ("-", changes.deactivated)):
            for name in names:
                print(f"  {sign} {name}")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
