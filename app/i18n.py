"""Message catalogs: every text the bot shows, in Swedish (default) and English.

Catalogs are TOML files in `app/locales/<language>/`, one file per area of the bot (core,
calendar, updates, ...), merged per language; nested tables are flattened to dotted keys.
Placeholders use `str.format` names; a test proves that both catalogs have the same keys and the
same placeholders.

Plurals: wherever a number meets a noun, the number is `{count}` and the entry is a table of
plural forms, one per CLDR category of the language (Swedish and English: `one`, `other`):

    others.one = "(och {count} påminnelse till andra i grupperna)"
    others.other = "(och {count} påminnelser till andra i grupperna)"

`t("demo.others", count=n)` picks the form for n. A test keeps every `{count}` before a word
inside such an entry.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
# CLDR's cardinal plural categories used by the catalogs' languages (sv and en: one, other).
PLURAL_FORMS = ("one", "other")


def plural_form(language: str, count: object) -> str:
    """The CLDR cardinal category of `count` in `language`.

    Swedish and English agree: `one` for exactly 1 written without decimals, else `other`
    (0 påminnelser, 1 påminnelse, 2 påminnelser; 1,5 timmar). A language with more categories
    adds its rule here.
    """

    whole = isinstance(count, int) and not isinstance(count, bool)
    return "one" if whole and count == 1 else "other"


def is_plural_key(key: str, language: str = DEFAULT_LANGUAGE) -> bool:
    """Whether `key` names a table of plural forms (all of `PLURAL_FORMS`) rather than one text.

    (A text may be called `other` on its own, such as `reports.agenda.other`.)
    """

    entries = catalog(language)
    return all(f"{key}.{form}" in entries for form in PLURAL_FORMS)


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = str(value)
    return flat


@cache
def catalog(language: str) -> Mapping[str, str]:
    folder = resources.files("app").joinpath("locales").joinpath(language)
    merged: dict[str, str] = {}
    for part in sorted(folder.iterdir(), key=lambda p: p.name):
        if not part.name.endswith(".toml"):
            continue
        flat = _flatten(tomllib.loads(part.read_text("utf-8")))
        clash = merged.keys() & flat.keys()
        if clash:
            raise ValueError(f"{language}/{part.name} repeats keys: {sorted(clash)}")
        merged.update(flat)
    return merged


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def normalise_language(value: str | None) -> str:
    if not value:
        return DEFAULT_LANGUAGE
    short = value.strip().lower().replace("_", "-").split("-")[0]
    return short if short in LANGUAGES else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Translator:
    language: str

    def __call__(self, key: str, **params: Any) -> str:
        if key not in catalog(self.language) and is_plural_key(key):
            # A KeyError here is a caller that forgot the count: a plural needs it.
            key = f"{key}.{plural_form(self.language, params['count'])}"
        template = catalog(self.language).get(key)
        if template is None:
            # A key missing in one language falls back to Swedish, never to a raw key in chat.
            template = catalog(DEFAULT_LANGUAGE)[key]
        return template.format(**params)

    def has(self, key: str) -> bool:
        return key in catalog(self.language) or is_plural_key(key, self.language)


def translator(language: str | None) -> Translator:
    return Translator(normalise_language(language))
