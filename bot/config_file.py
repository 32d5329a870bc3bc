"""The configuration file on the command line: read it, and say what is wrong, line by line."""

from __future__ import annotations

import sys
from pathlib import Path

from app.i18n import Translator
from bot.exits import EXIT_OK, EXIT_PROBLEMS
from domain.config import LoadResult, Problem, load_config_text


def load_config_file(path: Path) -> LoadResult:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return LoadResult(None, [Problem("", None, "config.unreadable", {"detail": str(exc)})])
    return load_config_text(text)


def format_problem(t: Translator, file: str, problem: Problem, *, warning: bool = False) -> str:
    params = dict(problem.params)
    if "kind" in params:
        params["kind"] = t(f"config.kind.{params['kind']}")
    if params.get("why") == "":
        params["why"] = t("calendar.weekend")  # a day off has its name; a weekend has none
    params.setdefault("detail", "")
    params.setdefault("allowed", "")
    message = t(problem.code, **params)
    path = problem.path or "-"
    prefix = "config.warning_location" if warning else "config.location"
    if problem.line is None:
        return t(f"{prefix}_noline", file=file, path=path, message=message)
    return t(prefix, file=file, line=problem.line, path=path, message=message)


def report_problems(t: Translator, file: Path, result: LoadResult) -> None:
    if result.problems:
        print(t("config.header", file=file, count=len(result.problems)), file=sys.stderr)
    for problem in result.problems:
        print(format_problem(t, str(file), problem), file=sys.stderr)
    report_warnings(t, file, result)


def report_warnings(t: Translator, file: Path, result: LoadResult) -> None:
    """Meeting dates that will not take place as written: worth knowing, not an error."""

    if result.warnings:
        print(t("config.warning_header", file=file), file=sys.stderr)
    for warning in result.warnings:
        print(format_problem(t, str(file), warning, warning=True), file=sys.stderr)


def config_check(file: Path, t: Translator) -> int:
    result = load_config_file(file)
    if not result.ok or result.config is None:
        report_problems(t, file, result)
        return EXIT_PROBLEMS
    config = result.config
    report_warnings(t, file, result)
    counts = (("organisations", config.organisations), ("people", config.people),
              ("groups", config.groups), ("activities", config.plan.activities))
    print(t("config.ok", file=file, counts=", ".join(
        t(f"config.count.{kind}", count=len(items)) for kind, items in counts)))
    return EXIT_OK
