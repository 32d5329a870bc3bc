"""The message catalogs: both languages alike, every key the code asks for present, and no
user-facing text written straight into a handler.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.i18n import (
    LANGUAGES,
    PLURAL_FORMS,
    catalog,
    is_plural_key,
    placeholders,
    plural_form,
    translator,
)
from handlers.commands import ALL_COMMANDS

ROOT = Path(__file__).resolve().parents[2]
# Where code turns catalog keys into text.
TRANSLATING = ("handlers", "bot", "scheduler")
SWEDISH = re.compile(r"[åäöÅÄÖ]")
# Chat vocabulary the bot must *understand* (command words, status words such as "pågår"):
# one lower-case token. Anything with a space, a capital or punctuation is prose to show.
VOCABULARY = re.compile(r"^[a-zåäöé0-9?-]+$")
PROSE = re.compile(r"[^\W\d_]{2,}")
REGEX_CALLS = {"compile", "match", "fullmatch", "search", "sub", "subn", "split", "findall",
               "finditer"}
# Calls and keywords whose strings end up in a Reply shown to a person.
SHOWN_CALLS = {"text", "paragraph"}
SHOWN_KEYWORDS = {"heading", "label", "title", "submit_label", "hint", "text"}


def py_files(*folders: str) -> Iterator[tuple[str, str]]:
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), path.read_text("utf-8")


# --- both languages alike ---------------------------------------------------------------


def test_the_catalogs_are_not_empty() -> None:
    for language in LANGUAGES:
        assert len(catalog(language)) > 20


def test_sv_and_en_have_the_same_keys() -> None:
    sv, en = set(catalog("sv")), set(catalog("en"))
    assert sorted(sv - en) == [], "keys only in Swedish"
    assert sorted(en - sv) == [], "keys only in English"


def test_each_key_has_the_same_placeholders_in_both_languages() -> None:
    sv, en = catalog("sv"), catalog("en")
    differing = {
        key: (sorted(placeholders(sv[key])), sorted(placeholders(en[key])))
        for key in sv.keys() & en.keys()
        if placeholders(sv[key]) != placeholders(en[key])
    }
    assert differing == {}


def test_placeholders_are_names_and_every_template_formats() -> None:
    """`{}` or `{0}` would break `t(key, **params)`; a stray brace breaks `format` itself."""

    for language in LANGUAGES:
        for key, template in catalog(language).items():
            fields = [name for _, name, _, _ in string.Formatter().parse(template)
                      if name is not None]
            assert all(name.isidentifier() for name in fields), (language, key, fields)
            template.format(**{name: "x" for name in placeholders(template)})


def test_no_text_is_left_untranslated() -> None:
    """An English text identical to the Swedish one is usually a forgotten translation."""

    sv, en = catalog("sv"), catalog("en")

    def words(template: str) -> list[str]:
        return PROSE.findall(re.sub(r"\{[^}]*\}", " ", template))

    # Single words such as "Status" or "Organisation" are the same in both languages.
    same = [key for key in sv if sv[key] == en.get(key) and len(words(sv[key])) >= 2]
    assert same == []


# --- every key the code uses exists --------------------------------------------------------


def translator_keys(source: str) -> list[tuple[int, str, bool]]:
    """(line, key, is_prefix) for each `t("…")`, `ctx.t("…")`, `self.t(f"x.{y}")`, and for the
    catalog keys handed to `UserError` and `CommandSpec`.
    """

    found: list[tuple[int, str, bool]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else (
            func.attr if isinstance(func, ast.Attribute) else None
        )
        arguments: list[ast.expr] = []
        if name in ("t", "UserError") and node.args:
            arguments = [node.args[0]]
        elif name == "CommandSpec":
            arguments = list(node.args[3:5]) + [
                k.value for k in node.keywords if k.arg in ("help_key", "example_key")
            ]
        for argument in arguments:
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.append((argument.lineno, argument.value, False))
            elif isinstance(argument, ast.JoinedStr) and argument.values:
                first = argument.values[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.append((argument.lineno, first.value, True))
    return found


def test_the_key_scanner_finds_every_spelling() -> None:
    source = (
        "t('a.b')\n"
        "ctx.t('c.d', x=1)\n"
        "self.t(f'role.{r}')\n"
        "raise UserError('e.f', audit='x')\n"
        "CommandSpec('hjälp', ('help',), h, 'help.cmd.x', 'help.ex.x')\n"
        "other('not.a.key')\n"
        "t(variable)\n"
    )
    assert sorted(translator_keys(source)) == [
        (1, "a.b", False), (2, "c.d", False), (3, "role.", True), (4, "e.f", False),
        (5, "help.cmd.x", False), (5, "help.ex.x", False),
    ]


def test_every_key_used_in_code_exists() -> None:
    keys = set(catalog("sv"))
    missing: list[str] = []
    used = 0
    for relpath, source in py_files(*TRANSLATING):
        for line, key, is_prefix in translator_keys(source):
            used += 1
            present = any(k.startswith(key) for k in keys) if is_prefix else (
                key in keys or is_plural_key(key))
            if not present:
                missing.append(f"{relpath}:{line}: {key}{'…' if is_prefix else ''}")
    assert used > 20, "the scan found almost nothing: is it still looking at the right calls?"
    assert missing == []


def test_every_registered_command_has_help_and_example_in_both_languages() -> None:
    for spec in ALL_COMMANDS:
        for language in LANGUAGES:
            assert spec.help_key in catalog(language), (language, spec.help_key)
            assert spec.example_key in catalog(language), (language, spec.example_key)


def test_every_problem_code_of_the_config_checker_has_a_text() -> None:
    from domain import config

    keys = set(catalog("sv"))
    codes = {
        node.value
        for name in ("config.py", "config_calendar.py")
        for node in ast.walk(ast.parse((ROOT / "domain" / name).read_text("utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and re.fullmatch(r"config\.[a-z_]+(\.[a-z_]+)*", node.value)
    }
    assert "config.series.rrule_freq_unsupported" in codes
    assert "config.warning.date_in_break" in codes
    codes |= set(config._PYDANTIC_CODES.values())
    assert "config.missing" in codes
    assert sorted(code for code in codes - keys if not is_plural_key(code)) == []
    for kind in ("organisation", "person", "group", "goal_area"):
        assert f"config.kind.{kind}" in keys


def test_a_key_missing_in_english_falls_back_to_swedish_not_to_the_raw_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import app.i18n as i18n

    english = dict(catalog("en"))
    del english["unknown.empty"]
    real = i18n.catalog
    monkeypatch.setattr(i18n, "catalog", lambda lang: english if lang == "en" else real(lang))
    assert translator("en")("unknown.empty") == catalog("sv")["unknown.empty"]


# --- no user-facing text outside the catalogs ----------------------------------------------


def _docstrings(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _regex_literals(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.func.attr in REGEX_CALLS
            and node.args
        ):
            ids.update(id(n) for n in ast.walk(node.args[0]))
    return ids


def hardcoded_texts(source: str) -> list[tuple[int, str]]:
    """(line, literal) for text that should have come from a catalog.

    Two rules, both on the syntax tree (comments and docstrings never count):
    * a string with Swedish letters that is not chat vocabulary (a lower-case token such as a
      command word) nor a regular expression;
    * any string with words handed straight to a Reply (`Reply.text("…")`, `.paragraph("…")`,
      `heading=`, `label=`, `title=` …), in any language.
    """

    tree = ast.parse(source)
    skip = _docstrings(tree) | _regex_literals(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip
            and SWEDISH.search(node.value)
            and not VOCABULARY.match(node.value)
        ):
            found.append((node.lineno, node.value))
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else None
            shown = list(node.args[:1]) if name in SHOWN_CALLS else []
            shown += [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
            for value in shown:
                found.extend(part for part in _literal_parts(value) if PROSE.search(part[1]))
    return sorted(set(found))


def _literal_parts(expr: ast.expr) -> list[tuple[int, str]]:
    """The literal pieces of a shown value; what a call (such as `t(key)`) returns is not."""

    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return [(expr.lineno, expr.value)]
    if isinstance(expr, ast.JoinedStr):
        return [part for value in expr.values for part in _literal_parts(value)]
    if isinstance(expr, ast.BinOp):
        return _literal_parts(expr.left) + _literal_parts(expr.right)
    if isinstance(expr, ast.IfExp):
        return _literal_parts(expr.body) + _literal_parts(expr.orelse)
    return []


@pytest.mark.parametrize(
    "source",
    [
        "def h(ctx):\n    return Reply.text('Hej på dig')\n",
        "def h(ctx):\n    return Reply.text('Hello there')\n",
        "def h(ctx):\n    return ReplyBuilder(heading='Möten').build()\n",
        "def h(ctx):\n    return ReplyBuilder().paragraph(f'Next meeting {x}').build()\n",
        "b = Button(label='Save', action='update.save')\n",
        "MESSAGE = 'Du är inte med i någon grupp'\n",
        "x = 'Nästa'\n",
    ],
)
def test_the_hardcoded_text_rule_catches(source: str) -> None:
    assert hardcoded_texts(source), source


@pytest.mark.parametrize(
    "source",
    [
        '"""Modulen för möten: visar nästa möte."""\n',
        "# Kommentar om möten och nästa steg\nx = 1\n",
        "CommandSpec('hjälp', ('help', '?'), h, 'help.cmd.help', 'help.ex.help')\n",
        "STATUS = {'pågår': 'ongoing', 'försenad': 'late', 'vem-är-jag': 'whoami'}\n",
        "CODE = re.compile(r'^[A-ZÅÄÖ0-9][A-ZÅÄÖ0-9-]*$')\n",
        "def h(ctx):\n    return Reply.text(ctx.t('help.title'))\n",
        "def h(ctx):\n    return ReplyBuilder().paragraph(f'{a} ({b})').build()\n",
        "b = Button(label=t('x'), action='update.save', value='VIP-1')\n",
    ],
)
def test_the_hardcoded_text_rule_allows(source: str) -> None:
    assert hardcoded_texts(source) == []


def test_no_user_facing_text_is_written_into_the_code() -> None:
    problems = [
        f"{relpath}:{line}: {text!r}"
        for relpath, source in py_files("handlers", "scheduler", "bot")
        for line, text in hardcoded_texts(source)
    ]
    assert problems == []


# --- plurals: wherever a number meets a noun ------------------------------------------------

# Words after a number that do not change with it ("3 st", "12 %").
INVARIANT_AFTER_A_NUMBER = {"st"}
COUNT_BEFORE_A_WORD = re.compile(r"\{(\w+)\}\s+([^\W\d_]+)")


def _plural_bases(language: str) -> set[str]:
    """Every key written as a plural form (`x.one`), whether or not its siblings are there."""

    return {key.rpartition(".")[0] for key in catalog(language)
            if key.rpartition(".")[2] in PLURAL_FORMS[:-1]}


def test_the_plural_forms_follow_the_count() -> None:
    assert [plural_form("sv", n) for n in (0, 1, 2, 21)] == ["other", "one", "other", "other"]
    assert plural_form("en", 1.0) == "other" and plural_form("en", True) == "other"
    sv, en = translator("sv"), translator("en")
    assert sv("demo.others", count=1) == "(och 1 påminnelse till andra i grupperna)"
    assert sv("demo.others", count=3) == "(och 3 påminnelser till andra i grupperna)"
    assert en("demo.others", count=1) == "(and 1 reminder to others in the groups)"
    assert en("demo.others", count=0) == "(and 0 reminders to others in the groups)"
    with pytest.raises(KeyError):
        sv("demo.others")  # a plural without its count is a programming error


def test_a_plural_entry_has_every_form_in_both_languages() -> None:
    sv, en = _plural_bases("sv"), _plural_bases("en")
    assert sv and sv == en
    for base in sv:
        for language in LANGUAGES:
            assert is_plural_key(base, language), (language, base)
            assert "count" in placeholders(catalog(language)[f"{base}.other"]), (language, base)


def test_a_count_before_a_word_is_always_a_plural_entry() -> None:
    """`{count} påminnelser` only where `{count}` picks the form: never "1 påminnelser"."""

    wrong = [
        f"{language}: {key}: {{{name}}} {word}"
        for language in LANGUAGES
        for key, template in catalog(language).items()
        for name, word in COUNT_BEFORE_A_WORD.findall(template)
        if name == "count" and word not in INVARIANT_AFTER_A_NUMBER
        and not is_plural_key(key.rpartition(".")[0], language)
    ]
    assert wrong == []


def _counted_keywords(source: str) -> list[tuple[int, str, str]]:
    """(line, key, keyword) for `t("key", x=len(…))`, `x=sum(…)`, `x=….…days`: a number."""

    found: list[tuple[int, str, str]] = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else (
            func.attr if isinstance(func, ast.Attribute) else None)
        if name not in ("t", "UserError"):
            continue
        for keyword in node.keywords:
            value = keyword.value
            counted = (
                isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                and value.func.id in ("len", "sum")
            ) or (
                isinstance(value, ast.Name | ast.Attribute)
                and re.search(r"(days|count|hours)$", ast.unparse(value)) is not None
            )
            if counted and keyword.arg:
                found.append((node.lineno, node.args[0].value, keyword.arg))
    return found


def test_a_number_the_code_passes_before_a_word_is_called_count() -> None:
    """So that the rule above sees it: `size=len(content)` before "byte" would escape it."""

    assert _counted_keywords("t('a.b', days=options.stale_after_days, n=len(x), s='x')") == [
        (1, "a.b", "days"), (1, "a.b", "n")]
    wrong = []
    for relpath, source in py_files("handlers", "bot", "scheduler", "domain"):
        for line, key, keyword in _counted_keywords(source):
            if keyword == "count":
                continue
            for language in LANGUAGES:
                templates = [v for k, v in catalog(language).items()
                             if k == key or k.startswith(f"{key}.")]
                if any(name == keyword for template in templates
                       for name, _ in COUNT_BEFORE_A_WORD.findall(template)):
                    wrong.append(f"{relpath}:{line}: {key} {keyword}=")
    assert wrong == []


# --- Swedish as the groups write it ----------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (r"\?:", "a question mark followed by a colon"),
        (r"(?i)tillbakatag", "”tillbakadragen”, not ”tillbakatagen”"),
        (r"(?i)ledam[oö]", "the groups say ”deltagare”, not ”ledamot”"),
        (r"\bav \{\w+\} \{unit\}", "a unit after ”av N” (”3 av 4 antal”)"),
        (r"\} \{unit\}", "a unit as a noun after a number (”3 antal”)"),
    ],
)
def test_the_swedish_catalog_avoids(pattern: str, why: str) -> None:
    found = [key for key, template in catalog("sv").items() if re.search(pattern, template)]
    assert found == [], why


def test_the_english_catalog_puts_no_unit_after_a_number() -> None:
    found = [key for key, template in catalog("en").items()
             if re.search(r"\} \{unit\}", template)]
    assert found == []
