"""The one way in: a `Command` becomes a `Reply`, inside one transaction.

Identity is resolved here, not in the doors, so that every platform gets the same rules: a
known platform id, or a configured e-mail address once (then remembered, and audited) for a
person with no id on that platform yet, or the friendly "how to be added" answer with nothing
stored.

A command is handled once per platform delivery. A delivery id (`Command.delivery_id`,
`FormSubmission.delivery_id`) is claimed here, in the command's own transaction and after its
own writes, under `command:<id>` or `form:<id>` in `processed_deliveries`, with the moment it
was handled and what it stored (`Context.outcome`, ids only). A resend gets the first reply
again and stores nothing:

- a command that stored something is answered by its spec's `replay`, from what it stored;
- a command that stored nothing (it reads, or its writes change nothing when repeated) simply
  runs again, as at the moment of the first delivery, and whatever it did is rolled back;
- a refused command is claimed as refused (its refusal audited once): a resend is handled
  afresh, and if it is refused again, nothing is stored or audited a second time.

A command that fails, or a form sent back with errors to correct, claims nothing: the same
delivery may come again, corrected (a Teams card keeps its id). Doors pass the platform's id
through and do not claim it themselves.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import replace
from datetime import datetime
from time import monotonic

from app.core import (
    CommandSet,
    Context,
    Options,
    Registry,
    Replay,
    UserError,
    split_words,
)
from app.i18n import Translator, translator
from app.messages import Command, FormSubmission, Reply
from app.ports import Store
from domain.errors import StoreUnavailable
from domain.model import Person
from domain.pnr import redact
from domain.text import xml_safe

log = logging.getLogger(__name__)

# The outcome of a delivery that was refused (`processed_deliveries.outcome`).
REFUSED = "refused"


def scrub(text: str) -> str:
    """Text as it can be stored: a lone surrogate (JSON allows "\\ud800") becomes U+FFFD, and
    what no Word or Excel file can hold (U+FFFF, C0 controls, `domain.text`) is removed."""

    if not text:
        return text
    return xml_safe(text.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))


# The language of the person being served, once known: a failure is answered in it too.
_LANGUAGE: ContextVar[str | None] = ContextVar("samverkan_language", default=None)
# The command being handled, once its context exists: a failure says "nothing was saved" only
# when the person was trying to save something.
_CONTEXT: ContextVar[Context | None] = ContextVar("samverkan_context", default=None)

StoreFactory = Callable[[], AbstractContextManager[Store]]
# The audit action of a chat identity bound (or refused) by e-mail.
IDENTITY_LINK = "identity.link"
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
        commands: CommandSet,
        options: Options | None = None,
        default_language: str = "sv",
    ) -> None:
        self.registry = Registry(commands.specs)
        self.forms = {form.form_id: form for form in commands.forms}
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
        context_token = _CONTEXT.set(None)
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
            text = _nothing_saved(t, t("error.internal", incident=incident), _CONTEXT.get())
            return Reply.text(text, is_error=True)
        finally:
            _CONTEXT.reset(context_token)
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
            context.writing = spec.writes
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
            context.writing = True  # a submitted form is always meant to be saved
            return self._run(context, lambda: spec.handler(context, submission), spec.replay)

        return self._as_actor(command, work)

    def _as_actor(
        self, command: Command, work: Callable[[Store, Person, Translator], Reply]
    ) -> Reply:
        with self.store_factory() as store:
            actor, why_not = _resolve_actor(store, command)
            t = translator(command.locale or (actor.language if actor else self.default_language))
            _LANGUAGE.set(t.language)
            if actor is None:
                return Reply.text(t(why_not, user=command.user_id), is_error=True)
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
        context = Context(
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
        _CONTEXT.set(context)
        return context

    def _run(self, ctx: Context, work: Callable[[], Reply], replay: Replay | None) -> Reply:
        store, key, platform = ctx.store, ctx.delivery_key, ctx.command.platform
        first = store.deliveries.claimed(platform, key) if key is not None else None
        if first is not None and first[1] != REFUSED:
            return self._replay(ctx, first, work, replay)
        try:
            reply = work()
        except UserError as error:
            store.rollback()
            if first is not None:
                return self._refusal(ctx, error)  # refused again: audited once, stored once
            if error.audit:
                detail = f"{error.key} {error.audit_detail}".strip()
                store.audit.record(ctx.actor.id, error.audit, error.outcome, detail)
            if key is not None and not store.deliveries.first_time(
                platform, key, at=ctx.now, outcome=REFUSED
            ):
                return self._twin(ctx, key, work, replay)
            return self._refusal(ctx, error)
        if reply.form is not None and reply.form.has_errors:
            store.rollback()
            return reply
        # Claimed last, after the command's own writes: a failed command claims nothing, and a
        # twin that raced this one past `claimed` loses here and is rolled back. A delivery
        # refused before (or by a twin just now) is this handling's to settle.
        if key is None:
            return reply
        if first is None and store.deliveries.first_time(
            platform, key, at=ctx.now, outcome=ctx.outcome
        ):
            return reply
        if store.deliveries.settle(platform, key, was=REFUSED, outcome=ctx.outcome, at=ctx.now):
            return reply
        return self._twin(ctx, key, work, replay)

    def _twin(self, ctx: Context, key: str, work: Callable[[], Reply],
              replay: Replay | None) -> Reply:
        """Another instance handled the same delivery first: its outcome is the answer."""

        ctx.store.rollback()
        first = ctx.store.deliveries.claimed(ctx.command.platform, key)
        return self._replay(ctx, first or (ctx.now, ""), work, replay)

    def _replay(self, ctx: Context, first: tuple[datetime, str], work: Callable[[], Reply],
                replay: Replay | None) -> Reply:
        """A resend of a delivery already handled: the first reply again, nothing stored."""

        ctx.now, ctx.outcome = first
        try:
            if ctx.outcome == REFUSED or not ctx.outcome:
                # It stored nothing: the same command at the same moment answers the same.
                return work()
            answer = replay(ctx) if replay is not None else None
            return answer or Reply.text(ctx.t("delivery.duplicate"))
        except UserError as error:
            return self._refusal(ctx, error)
        finally:
            ctx.store.rollback()

    @staticmethod
    def _refusal(ctx: Context, error: UserError) -> Reply:
        return Reply.text(ctx.t(error.key, **error.params), is_error=True)

    def _unknown(self, t: Translator, word: str) -> Reply:
        # The word is echoed back; an identity number typed by mistake must not be.
        word = redact(word)[:40]
        suggestion = self.registry.closest(word)
        if suggestion is not None:
            shown = suggestion.word_in(t.language)
            return Reply.text(t("unknown.suggest", word=word, suggestion=shown), is_error=True)
        return Reply.text(t("unknown.none", word=word), is_error=True)

    def _help_hint(self, t: Translator) -> Reply:
        return Reply.text(t("unknown.empty"))


def _nothing_saved(t: Translator, text: str, ctx: Context | None) -> str:
    """A failure's `text`, ending with "Inget har sparats." when the person was trying to save
    something (the transaction was rolled back); after a read-only request, without it.

    A refusal (`UserError`) says what it needs itself: a text raised on the way to a save may
    say that nothing was saved, a text shared with reading (`beslut` lists) never does.
    """

    if ctx is None or not ctx.writing:
        return text
    return f"{text} {t('common.nothing_saved')}"


def _resolve_actor(store: Store, command: Command) -> tuple[Person | None, str]:
    """The person behind a command, or None and the catalog key that says why not.

    A platform id is bound to a configured person by e-mail only while no id of that platform
    is known for the person: a configured id is never joined or replaced by a learned one, and
    a second account with the same address is not bound either (the administrator removes a
    learned binding with `samverkan identities unlink`). Each binding and each refusal is
    audited, with ids only. The doors pass an e-mail only from the configured tenant or
    workspace (a foreign one never reaches the dispatcher).
    """

    people = store.people
    if command.platform == "console":
        return people.get(command.user_id), "identity.unknown"
    person = people.find_by_platform(command.platform, command.user_id)
    if person is not None or not command.email:
        return person, "identity.unknown"
    candidate = people.find_by_email(command.email)
    if candidate is None:
        return None, "identity.unknown"
    detail = f"platform={command.platform} user_id={command.user_id}"
    known = [i for i in people.identities(candidate.id) if i.platform == command.platform]
    if known:
        store.audit.record(candidate.id, IDENTITY_LINK, "denied",
                           f"{detail} already={known[0].source}")
        return None, "identity.already_linked"
    people.link_platform(candidate.id, command.platform, command.user_id)
    store.audit.record(candidate.id, IDENTITY_LINK, "ok", detail)
    return candidate, ""
