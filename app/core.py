"""What every handler shares: the context of one command, the command registry, user errors."""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from app.i18n import Translator
from app.messages import Command, FormSubmission, Reply
from app.ports import Store
from domain.model import Person
from domain.text import fold


class UserError(Exception):
    """Bad input or a refusal: answered in the user's language, and nothing is stored.

    `audit` names the action to record when the refusal itself must be kept (denials).
    """

    def __init__(
        self,
        key: str,
        *,
        audit: str | None = None,
        outcome: Literal["denied", "invalid"] = "invalid",
        audit_detail: str = "",
        **params: Any,
    ) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
        self.audit = audit
        self.outcome = outcome
        # Ids only (`#12`, a group id), never text a person typed: it goes into the audit log.
        self.audit_detail = audit_detail


@dataclass(frozen=True)
class Options:
    """Installation-wide rules the handlers apply (from settings, never from chat)."""

    edit_window_days: int = 14
    stale_after_days: int = 60
    public_base_url: str = "http://127.0.0.1:3978"
    export_link_hours: int = 24
    # SECRET_KEY: signs file links. Empty: the installation's own key, kept in the database.
    secret_key: str = field(default="", repr=False)


@dataclass
class Context:
    command: Command
    actor: Person
    args: list[str]
    t: Translator
    store: Store
    now: datetime
    options: Options = field(default_factory=Options)
    commands: tuple[CommandSpec, ...] = ()
    # The namespaced delivery id this command was claimed under (None: no dedup asked for);
    # handlers store it with what they write, to answer a resend with the same reply.
    delivery_key: str | None = None
    # What this command stored, as `kind:id` (never text): a handler that writes sets it with
    # `stored`, the dispatcher keeps it with the delivery's claim, and a resend of the same
    # delivery gets it back for its spec's `replay` (see `app.dispatch`).
    outcome: str = ""
    # Whether the person is trying to save something: a failure then says that nothing was
    # saved, and only then (a read-only request saves nothing anyway). Starts as the command's
    # `CommandSpec.writes`; a command that reads or writes by its words (`beslut` lists,
    # `beslut <text>` records) sets it as soon as it knows.
    writing: bool = False

    @property
    def language(self) -> str:
        return self.t.language

    def stored(self, kind: str, number: int | str) -> None:
        """Records what this command wrote, for the answer to a resend of it."""

        self.outcome = f"{kind}:{number}"

    def stored_value(self, kind: str) -> str | None:
        """The id a first delivery recorded with `stored(kind, ...)`, on its resend."""

        prefix, _, value = self.outcome.partition(":")
        return value if prefix == kind and value else None

    def stored_number(self, kind: str) -> int | None:
        value = self.stored_value(kind)
        return int(value) if value is not None and value.isdigit() else None


Handler = Callable[[Context], Reply]
# Answers a resent delivery of a command that stored something (`Context.outcome`), from what it
# stored, storing nothing; None: the generic "already received" answer. A command that stores
# nothing (it reads, or its writes change nothing when repeated) needs none: it runs again.
Replay = Callable[[Context], Reply | None]
FormHandler = Callable[[Context, FormSubmission], Reply]


@dataclass(frozen=True)
class CommandSpec:
    word: str
    aliases: tuple[str, ...]
    handler: Handler
    # Catalog keys: one line of help, and an example of use.
    help_key: str
    example_key: str
    replay: Replay | None = None
    # Its answers are about the asker alone (identity, own updates, own data, own settings).
    personal: bool = False
    # Every use of it is an attempt to save something (see `Context.writing`).
    writes: bool = False
    # The Swedish word is the English one too ("status", "export"): help shows it in English.
    same_in_english: bool = False

    def words(self) -> tuple[str, ...]:
        return (self.word, *self.aliases)

    def word_in(self, language: str) -> str:
        """The word to show a person writing in `language` (help, "did you mean")."""

        if language == "sv" or self.same_in_english or not self.aliases:
            return self.word
        return self.aliases[0]


@dataclass(frozen=True)
class FormSpec:
    """Who handles a submitted form: `Form.id` → handler (see `Dispatcher.submit`)."""

    form_id: str
    handler: FormHandler
    replay: Replay | None = None


@dataclass(frozen=True)
class CommandSet:
    """The commands and forms a dispatcher answers: registered in `handlers/commands.py`."""

    specs: tuple[CommandSpec, ...]
    forms: tuple[FormSpec, ...] = ()


BOT_PREFIXES = ("/samverkan", "samverkan")


def split_words(text: str) -> list[str]:
    """The words of a chat line, without the bot's own name; quotes group words."""

    stripped = text.strip()
    for prefix in BOT_PREFIXES:
        if fold(stripped[: len(prefix)]) == prefix and (
            len(stripped) == len(prefix) or stripped[len(prefix)].isspace()
        ):
            stripped = stripped[len(prefix):].strip()
            break
    try:
        return shlex.split(stripped)
    except ValueError:
        # An unbalanced quote is ordinary chat, not an error worth refusing.
        return stripped.split()


class Registry:
    def __init__(self, specs: Sequence[CommandSpec]) -> None:
        self.specs = tuple(specs)
        self._by_word: dict[str, CommandSpec] = {}
        for spec in self.specs:
            for word in spec.words():
                key = fold(word)
                if key in self._by_word:
                    raise ValueError(f"command word {word!r} registered twice")
                self._by_word[key] = spec

    def lookup(self, word: str) -> CommandSpec | None:
        return self._by_word.get(fold(word))

    def closest(self, word: str) -> CommandSpec | None:
        matches = difflib.get_close_matches(fold(word), list(self._by_word), n=1, cutoff=0.6)
        return self._by_word[matches[0]] if matches else None
