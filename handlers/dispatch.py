"""The one way in: a `Command` becomes a `Reply`, inside one transaction.

Identity is resolved here, not in the doors, so that every platform gets the same rules: a
known platform id, or a configured e-mail address once (then remembered), or the friendly
"how to be added" answer with nothing stored.

A delivery id (`Command.delivery_id`, `FormSubmission.delivery_id`) is claimed here, in the
command's own transaction and after its own writes, under `command:<id>` or `form:<id>` in
`processed_deliveries`: a resend is answered (by the spec's `replay`, or generically) and
stores nothing again. A command that fails or is refused claims nothing, so a resend of it is
handled afresh. Doors pass the platform's id through and do not claim it themselves.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import replace
from datetime import datetime

from domain.model import Person
from domain.pnr import redact
from domain.text import xml_safe
from handlers.core import (
    CommandSpec,
    Context,
    FormSpec,
    Options,
    Registry,
    Replay,
    UserError,
    split_words,
)
from handlers.i18n import Translator, translator
from handlers.messages import Command, FormSubmission, Reply
from handlers.ports import Store

log = logging.getLogger(__name__)


def scrub(text: str) -> str:
    """Text as it can be stored: a lone surrogate (JSON allows "\\ud800") becomes U+FFFD, and
    what no Word or Excel file can hold (U+FFFF, C0 controls, `domain.text`) is removed."""

    if not text:
        return text
    return xml_safe(text.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))


# The language of the person being served, once known: a failure is answered in it too.
_LANGUAGE: ContextVar[str | None] = ContextVar("samverkan_language", default=None)

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
        forms: Sequence[FormSpec] | None = None,
    ) -> None:
        if specs is None:
            from handlers.commands import ALL_COMMANDS

            specs = ALL_COMMANDS
        if forms is None:
            from handlers.commands import ALL_FORMS

            forms = ALL_FORMS
        self.registry = Registry(specs)
        self.forms = {form.form_id: form for form in forms}
        self.store_factory = store_factory
        self.clock = clock
        self.options = options or Options()
        self.default_language = default_language

    def handle(self, command: Command) -> Reply:
        command = replace(command, text=scrub(command.text))
        return self._safely(command, lambda: self._handle(command))

    def submit(self, submission: FormSubmission) -> Reply:
        """A filled-in form: the same identity rules, one transaction, resends stored once.

        The handler answers either with the form again, its fields' `error` filled in (then
        nothing is stored, whatever the handler did), or with a confirmation.
        """

        submission = replace(
            submission,
            values={scrub(k): scrub(v) for k, v in submission.values.items()},
            state=scrub(submission.state),
        )
        command = submission.command()
        return self._safely(command, lambda: self._submit(command, submission))

    def knows(self, platform: str, user_id: str) -> bool:
        """Whether a platform id is already linked to a person (doors then skip the e-mail)."""

        with self.store_factory() as store:
            return store.people.find_by_platform(platform, user_id) is not None

    def first_delivery(self, platform: str, delivery_id: str) -> bool:
        """True the first time a platform event id is seen; resends get False."""

        if not delivery_id:
            return True
        with self.store_factory() as store:
            return store.deliveries.first_time(platform, delivery_id)

    def _safely(self, command: Command, work: Callable[[], Reply]) -> Reply:
        token = _LANGUAGE.set(None)
        try:
            return work()
        except Exception:
            # Never a stack trace in chat: the reference lets an operator find the log entry.
            incident = uuid.uuid4().hex[:8]
            log.exception("command failed", extra={"incident": incident})
            t = translator(command.locale or _LANGUAGE.get() or self.default_language)
            return Reply.text(t("error.internal", incident=incident), is_error=True)
        finally:
            _LANGUAGE.reset(token)

    def _handle(self, command: Command) -> Reply:
        words = split_words(command.text)

        def work(store: Store, actor: Person, t: Translator) -> Reply:
            if not words:
                return self._help_hint(t)
            spec = self.registry.lookup(words[0])
            if spec is None:
                return self._unknown(t, words[0])
            context = self._context(store, actor, t, command, words[1:], "command")
            reply = self._run(context, lambda: spec.handler(context), spec.replay)
            return replace(reply, personal=True) if spec.personal else reply

        return self._as_actor(command, work)

    def _submit(self, command: Command, submission: FormSubmission) -> Reply:
        def work(store: Store, actor: Person, t: Translator) -> Reply:
            spec = self.forms.get(submission.form_id)
            if spec is None:
                # A form this version does not know (an old modal, a forged payload).
                log.warning("unknown form submitted", extra={"form_id": submission.form_id[:64]})
                return Reply.text(t("form.unknown"), is_error=True)
            context = self._context(store, actor, t, command, [], "form")
            return self._run(context, lambda: spec.handler(context, submission), spec.replay)

        return self._as_actor(command, work)

    def _as_actor(
        self, command: Command, work: Callable[[Store, Person, Translator], Reply]
    ) -> Reply:
        with self.store_factory() as store:
            actor = _resolve_actor(store, command)
            t = translator(command.locale or (actor.language if actor else self.default_language))
            _LANGUAGE.set(t.language)
            if actor is None:
                return Reply.text(t("identity.unknown", user=command.user_id), is_error=True)
            if not actor.active:
                return Reply.text(t("identity.inactive"), is_error=True)
            return work(store, actor, t)

    def _context(
        self, store: Store, actor: Person, t: Translator, command: Command, args: list[str],
        kind: str,
    ) -> Context:
        key = f"{kind}:{command.delivery_id}"[:200] if command.delivery_id else None
        return Context(
            command=command,
            actor=actor,
            args=args,
            t=t,
            store=store,
            now=self.clock(),
            options=self.options,
            commands=self.registry.specs,
            delivery_key=key,
        )

    def _run(self, ctx: Context, work: Callable[[], Reply], replay: Replay | None) -> Reply:
        store = ctx.store
        key = ctx.delivery_key
        if key is not None and store.deliveries.seen(ctx.command.platform, key):
            return self._replay(ctx, replay)
        try:
            reply = work()
        except UserError as error:
            store.rollback()
            if error.audit:
                detail = f"{error.key} {error.audit_detail}".strip()
                store.audit.record(ctx.actor.id, error.audit, error.outcome, detail)
            return Reply.text(ctx.t(error.key, **error.params), is_error=True)
        if reply.form is not None and reply.form.has_errors:
            store.rollback()
            return reply
        # Claimed last, after the command's own writes: a refused or failed command claims
        # nothing, and a twin that raced this one past `seen` loses here and is rolled back.
        if key is not None and not store.deliveries.first_time(ctx.command.platform, key):
            store.rollback()
            return self._replay(ctx, replay)
        return reply

    def _replay(self, ctx: Context, replay: Replay | None) -> Reply:
        """A resend of something already handled and stored: answer, store nothing again."""

        answer = replay(ctx) if replay is not None else None
        return answer or Reply.text(ctx.t("delivery.duplicate"))

    def _unknown(self, t: Translator, word: str) -> Reply:
        # The word is echoed back; an identity number typed by mistake must not be.
        word = redact(word)[:40]
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

