"""The one way in: a `Command` becomes a `Reply`, inside one transaction.

Identity is resolved here, not in the doors, so that every platform gets the same rules: a
known platform id, or a configured e-mail address once (then remembered), or the friendly
"how to be added" answer with nothing stored.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime

from domain.model import Person
from handlers.core import CommandSpec, Context, Options, Registry, UserError, split_words
from handlers.i18n import Translator, translator
from handlers.messages import Command, Reply
from handlers.ports import Store

log = logging.getLogger(__name__)

StoreFactory = Callable[[], AbstractContextManager[Store]]
Clock = Callable[[], datetime]


class Dispatcher:
    def __init__(
        self,
        store_factory: StoreFactory,
        clock: Clock,
        specs: Sequence[CommandSpec] | None = None,
        options: Options | None = None,
        default_language: str = "sv",
    ) -> None:
        if specs is None:
            from handlers.commands import ALL_COMMANDS

            specs = ALL_COMMANDS
        self.registry = Registry(specs)
        self.store_factory = store_factory
        self.clock = clock
        self.options = options or Options()
        self.default_language = default_language

    def handle(self, command: Command) -> Reply:
        try:
            return self._handle(command)
        except Exception:
            # Never a stack trace in chat: the reference lets an operator find the log entry.
            incident = uuid.uuid4().hex[:8]
            log.exception("command failed", extra={"incident": incident})
            t = translator(command.locale or self.default_language)
            return Reply.text(t("error.internal", incident=incident), is_error=True)

    def _handle(self, command: Command) -> Reply:
        words = split_words(command.text)
        with self.store_factory() as store:
            actor = _resolve_actor(store, command)
            t = translator(command.locale or (actor.language if actor else self.default_language))
            if actor is None:
                return Reply.text(t("identity.unknown", user=command.user_id), is_error=True)
            if not actor.active:
                return Reply.text(t("identity.inactive"), is_error=True)
            if not words:
                return self._help_hint(t)
            spec = self.registry.lookup(words[0])
            if spec is None:
                return self._unknown(t, words[0])
            context = Context(
                command=command,
                actor=actor,
                args=words[1:],
                t=t,
                store=store,
                now=self.clock(),
                options=self.options,
                commands=self.registry.specs,
            )
            try:
                return spec.handler(context)
            except UserError as error:
                store.rollback()
                if error.audit:
                    store.audit.record(actor.id, error.audit, error.outcome, error.key)
                return Reply.text(t(error.key, **error.params), is_error=True)

    def _unknown(self, t: Translator, word: str) -> Reply:
        suggestion = self.registry.closest(word)
        if suggestion is not None:
            shown = suggestion.word if t.language == "sv" else suggestion.aliases[0]
            return Reply.text(t("unknown.suggest", word=word, suggestion=shown), is_error=True)
        return Reply.text(t("unknown.none", word=word), is_error=True)

    def _help_hint(self, t: Translator) -> Reply:
        return Reply.text(t("unknown.empty"))


def _resolve_actor(store: Store, command: Command) -> Person | None:
    people = store.people
    if command.platform == "console":
        return people.get(command.user_id)
    person = people.find_by_platform(command.platform, command.user_id)
    if person is None and command.email:
        person = people.find_by_email(command.email)
        if person is not None:
            people.link_platform(person.id, command.platform, command.user_id)
    return person

