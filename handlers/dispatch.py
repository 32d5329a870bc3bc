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
import threading
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import replace
from datetime import datetime
from time import monotonic

from domain.errors import StoreUnavailable
from domain.model import Person
from domain.pnr import redact
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
    """Text as it can be stored: a lone surrogate (JSON allows "\\ud800") becomes U+FFFD."""

    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace") if text else text

# The language of the person being served, once known: a failure is answered in it too.
_LANGUAGE: ContextVar[str | None] = ContextVar("samverkan_language", default=None)

StoreFactory = Callable[[], AbstractContextManager[Store]]
Clock = Callable[[], datetime]
# Chat ids whose language is remembered for answering while the database is away.
LANGUAGES_KEPT = 10_000
# After the store was found unavailable, `knows` does not ask it for this long (seconds).
KNOWS_SKIPPED_AFTER_OUTAGE = 2.0


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
        # The language each chat id was last answered in: the one thing needed to say "the
        # database is not answering" in the person's language when their profile cannot be
        # read. Only a language code per id, in this process's memory, at most LANGUAGES_KEPT.
        self._languages: dict[tuple[str, str], str] = {}
        self._languages_lock = threading.Lock()
        self._unavailable_at = -KNOWS_SKIPPED_AFTER_OUTAGE

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
        """Whether a platform id is already linked to a person (doors then skip the e-mail).

        Never raises: when the store cannot say, False. The door then asks the platform for
        the e-mail, which changes nothing, and the command that follows gets the answer. Nor
        does it ask a store found unavailable within the last KNOWS_SKIPPED_AFTER_OUTAGE
        seconds: a door may ask before and during a command (Teams: for the conversation
        reference, then for the e-mail), and each ask would wait out the lock timeout again.
        """

        if monotonic() - self._unavailable_at < KNOWS_SKIPPED_AFTER_OUTAGE:
            return False
        try:
            with self.store_factory() as store:
                return store.people.find_by_platform(platform, user_id) is not None
        except StoreUnavailable as error:
            self._unavailable("knows", error)
        except Exception:
            log.exception("identity lookup failed")
        return False

    def first_delivery(self, platform: str, delivery_id: str) -> bool:
        """True the first time a platform event id is seen; resends get False.

        Never raises: when the store cannot say, True. What the door does next goes through
        `handle`, whose own transaction answers (the database away: "try again").
        """

        if not delivery_id:
            return True
        try:
            with self.store_factory() as store:
                return store.deliveries.first_time(platform, delivery_id)
        except StoreUnavailable as error:
            self._unavailable("first_delivery", error)
        except Exception:
            log.exception("delivery check failed")
        return True

    def _safely(self, command: Command, work: Callable[[], Reply]) -> Reply:
        token = _LANGUAGE.set(None)
        try:
            return work()
        except StoreUnavailable as error:
            # Not our fault and not theirs: no incident, no stack trace; the unit of work was
            # rolled back, so the answer can say that nothing was saved.
            self._unavailable("command", error)
            t = self._failure_translator(command)
            return Reply.text(t("error.store_unavailable"), is_error=True)
        except Exception:
            # Never a stack trace in chat: the reference lets an operator find the log entry.
            incident = uuid.uuid4().hex[:8]
            log.exception("command failed", extra={"incident": incident})
            t = self._failure_translator(command)
            return Reply.text(t("error.internal", incident=incident), is_error=True)
        finally:
            _LANGUAGE.reset(token)

    def _unavailable(self, during: str, error: StoreUnavailable) -> None:
        """One line, no stack trace: an outage is the operator's to see, not a fault in the
        code. The cause's class only (its text may hold the statement's parameters)."""

        self._unavailable_at = monotonic()
        cause = error.__cause__ or error
        log.warning("store unavailable", extra={"during": during, "error": type(cause).__name__})

    def _failure_translator(self, command: Command) -> Translator:
        """A failure's language: the person's if it was read before the failure, else the one
        they were last answered in (the database may be what failed), else the default."""

        return translator(command.locale or _LANGUAGE.get()
                          or self._languages.get((command.platform, command.user_id))
                          or self.default_language)

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
            self._remember_language(command, t.language)
            return work(store, actor, t)

    def _remember_language(self, command: Command, language: str) -> None:
        key = (command.platform, command.user_id)
        with self._languages_lock:
            if self._languages.get(key) == language:
                return
            self._languages.pop(key, None)
            if len(self._languages) >= LANGUAGES_KEPT:
                del self._languages[next(iter(self._languages))]  # the longest unchanged
            self._languages[key] = language

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

