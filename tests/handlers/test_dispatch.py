"""The platform-neutral core, driven through the real `Dispatcher` and the real storage.

Runs on SQLite, and on PostgreSQL where it answers (the `synced_engine` fixture).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, func, inspect, select, table, update
from sqlalchemy.orm import Session

from app import dispatch
from app.core import CommandSet, CommandSpec, Context, UserError
from app.dispatch import Dispatcher
from app.i18n import Translator, translator
from app.messages import Command, Fields, Reply, Table, Text
from app.ports import Store
from domain.config import Config
from domain.errors import StoreUnavailable
from handlers.commands import ALL_COMMANDS, ALL_FORMS, COMMANDS
from storage import models as m
from storage.repositories import StoreFactory
from tests.conftest import FixedClock

SV = translator("sv")
EN = translator("en")
SWEDISH_MEMBER = "johan.wikstrom"  # language sv, member of two groups, administrator
ENGLISH_PERSON = "sofia.marklund"  # language = "en" in the example
CHEF = "cecilia.akerblom"


def console(text: str, person: str = SWEDISH_MEMBER, locale: str | None = None) -> Command:
    return Command(platform="console", user_id=person, text=text, locale=locale)


def only_text(reply: Reply) -> str:
    assert len(reply.blocks) == 1 and isinstance(reply.blocks[0], Text), reply
    return reply.blocks[0].text


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table the database has (not only those this test knows of)."""

    names = inspect(engine).get_table_names()
    assert {"people", "platform_identities", "audit_log"} <= set(names)
    with Session(engine) as session:
        return {
            name: int(session.scalar(select(func.count()).select_from(table(name))) or 0)
            for name in names
        }


def person_in(config: Config, person_id: str):  # type: ignore[no-untyped-def]
    return next(p for p in config.people if p.id == person_id)


# --- help -------------------------------------------------------------------------------


def _assert_lists_every_command(reply: Reply, t: Translator, dispatcher: Dispatcher) -> None:
    """A list, not a table: per command a paragraph with its word, what it does, an example."""

    assert not reply.is_error
    assert reply.heading == t("help.title")
    assert not any(isinstance(block, Table) for block in reply.blocks)
    paragraphs = [block.text for block in reply.blocks if isinstance(block, Text)]
    specs = dispatcher.registry.specs
    entries = paragraphs[1:-1]  # between the intro and the outro
    assert len(entries) == len(specs) >= 2
    for spec, entry in zip(specs, entries, strict=True):
        word, what, example = entry.split("\n")
        assert word == spec.word_in(t.language) and word in spec.words()
        assert what.strip() == t(spec.help_key) and what
        assert example.strip() == t("help.example", example=t(spec.example_key))
        if t.language == "en":
            assert t(spec.example_key).split()[0] in spec.words()  # an English example


def test_the_registered_commands_are_all_of_them(dispatcher: Dispatcher) -> None:
    assert dispatcher.registry.specs == ALL_COMMANDS
    words = {spec.word for spec in ALL_COMMANDS}
    assert {"hjälp", "vem"} <= words


@pytest.mark.parametrize("text", ["hjälp", "help", "?"])
def test_help_in_swedish_lists_every_command_with_an_example(
    dispatcher: Dispatcher, text: str
) -> None:
    _assert_lists_every_command(dispatcher.handle(console(text)), SV, dispatcher)


@pytest.mark.parametrize("text", ["help", "hjälp"])
def test_help_in_english_by_locale(dispatcher: Dispatcher, text: str) -> None:
    _assert_lists_every_command(dispatcher.handle(console(text, locale="en")), EN, dispatcher)


def test_help_in_english_for_a_person_whose_language_is_english(
    dispatcher: Dispatcher, example_config: Config
) -> None:
    assert person_in(example_config, ENGLISH_PERSON).language == "en"
    reply = dispatcher.handle(console("hjälp", person=ENGLISH_PERSON))
    _assert_lists_every_command(reply, EN, dispatcher)
    assert SV("help.title") != EN("help.title")


def test_the_command_locale_wins_over_the_persons_language(dispatcher: Dispatcher) -> None:
    reply = dispatcher.handle(console("help", person=ENGLISH_PERSON, locale="sv-SE"))
    _assert_lists_every_command(reply, SV, dispatcher)


@pytest.mark.parametrize(
    "text",
    ["/samverkan hjälp", "samverkan hjälp", "  /samverkan   hjälp  ", "/SAMVERKAN hjälp",
     "hjalp", "HJÄLP", "Hjälp", "HJALP", "/samverkan hjalp"],
)
def test_prefixes_case_and_missing_diacritics(dispatcher: Dispatcher, text: str) -> None:
    _assert_lists_every_command(dispatcher.handle(console(text)), SV, dispatcher)


def test_help_for_one_command(dispatcher: Dispatcher) -> None:
    reply = dispatcher.handle(console("hjälp vem"))
    assert reply.heading == "vem"
    assert SV("help.cmd.whoami") in reply.plain_text()
    assert SV("help.example", example=SV("help.ex.whoami")) in reply.plain_text()


# --- unknown words and empty lines ----------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "suggestion", "language"),
    [
        ("hjälpp", "hjälp", "sv"),
        ("hjlp", "hjälp", "sv"),
        ("vemm", "vem", "sv"),
        ("whoamii", "vem", "sv"),
        ("whoamii", "whoami", "en"),
        ("hepl", "help", "en"),
    ],
)
def test_a_word_close_to_a_command_gets_did_you_mean(
    dispatcher: Dispatcher, word: str, suggestion: str, language: str
) -> None:
    t = translator(language)
    reply = dispatcher.handle(console(word, locale=language))
    assert reply.is_error
    assert only_text(reply) == t("unknown.suggest", word=word, suggestion=suggestion)
    if language == "sv":
        assert "Menade du" in only_text(reply)


def test_a_far_off_word_gets_the_plain_answer(dispatcher: Dispatcher) -> None:
    reply = dispatcher.handle(console("xyzzyqwq"))
    assert reply.is_error
    assert only_text(reply) == SV("unknown.none", word="xyzzyqwq")
    assert "Menade" not in only_text(reply)
    english = dispatcher.handle(console("xyzzyqwq", locale="en"))
    assert only_text(english) == EN("unknown.none", word="xyzzyqwq")


@pytest.mark.parametrize("text", ["", "   ", "/samverkan", "samverkan "])
def test_an_empty_line_gets_the_hint(dispatcher: Dispatcher, text: str) -> None:
    reply = dispatcher.handle(console(text))
    assert not reply.is_error
    assert only_text(reply) == SV("unknown.empty")


def test_an_unbalanced_quote_is_not_an_error(dispatcher: Dispatcher) -> None:
    reply = dispatcher.handle(console('hjälp "vem'))
    assert SV("error.internal", incident="x")[:20] not in reply.plain_text()


# --- who am I ---------------------------------------------------------------------------


def _whoami_rows(reply: Reply) -> tuple[dict[str, str], list[tuple[str, ...]]]:
    fields = [block for block in reply.blocks if isinstance(block, Fields)]
    tables = [block for block in reply.blocks if isinstance(block, Table)]
    assert len(fields) == 1
    return dict(fields[0].items), [row for table in tables for row in table.rows]


@pytest.mark.parametrize("text", ["vem", "whoami", "vem-är-jag", "VEM", "/samverkan vem"])
def test_whoami_shows_organisation_groups_and_roles(
    dispatcher: Dispatcher, example_config: Config, text: str
) -> None:
    person = person_in(example_config, CHEF)
    reply = dispatcher.handle(console(text, person=CHEF))
    assert not reply.is_error
    assert reply.heading == SV("whoami.title", name=person.name)
    fields, rows = _whoami_rows(reply)
    organisation = next(o for o in example_config.organisations if o.id == person.organisation)
    assert organisation.name in fields[SV("whoami.organisation")]
    assert organisation.short_name in fields[SV("whoami.organisation")]
    expected = sorted(
        (group.name, SV(f"role.{membership.role}"))
        for group in example_config.groups
        for membership in group.members
        if membership.person == CHEF
    )
    assert sorted(rows) == expected
    assert (
        "Länsgemensam chefsgrupp psykisk hälsa och suicidprevention", "chef"
    ) in rows


def test_whoami_in_english_for_a_member(dispatcher: Dispatcher, example_config: Config) -> None:
    reply = dispatcher.handle(console("whoami", person=ENGLISH_PERSON))
    person = person_in(example_config, ENGLISH_PERSON)
    assert reply.heading == EN("whoami.title", name=person.name)
    fields, rows = _whoami_rows(reply)
    assert "Västra Götalandsregionen" in fields[EN("whoami.organisation")]
    assert fields[EN("whoami.admin")] == EN("common.no")
    groups = {g.name for g in example_config.groups
              if any(mm.person == ENGLISH_PERSON for mm in g.members)}
    assert sorted(rows) == sorted((name, EN("role.member")) for name in groups)


def test_whoami_marks_an_administrator(dispatcher: Dispatcher, example_config: Config) -> None:
    assert SWEDISH_MEMBER in example_config.administrators
    fields, _ = _whoami_rows(dispatcher.handle(console("vem")))
    assert fields[SV("whoami.admin")] == SV("common.yes")


# --- identity -------------------------------------------------------------------------------


def test_a_known_slack_user_is_recognised(dispatcher: Dispatcher, example_config: Config) -> None:
    person = person_in(example_config, CHEF)
    reply = dispatcher.handle(
        Command(platform="slack", user_id=person.slack_user_id or "", text="vem")
    )
    assert reply.heading == SV("whoami.title", name=person.name)


@pytest.mark.parametrize("text", ["hjälp", "vem", "", "nonsense"])
def test_an_unknown_slack_user_is_told_how_to_be_added_and_nothing_is_stored(
    dispatcher: Dispatcher, synced_engine: Engine, text: str
) -> None:
    before = row_counts(synced_engine)
    reply = dispatcher.handle(
        Command(platform="slack", user_id="U0NOBODY1", text=text,
                email="someone@elsewhere.example", channel_id="C0ARBETS01")
    )
    assert reply.is_error
    assert only_text(reply) == SV("identity.unknown", user="U0NOBODY1")
    assert "[[people]]" in only_text(reply)
    assert row_counts(synced_engine) == before


def test_an_unknown_console_user_is_refused_too(dispatcher: Dispatcher) -> None:
    reply = dispatcher.handle(console("hjälp", person="nobody"))
    assert only_text(reply) == SV("identity.unknown", user="nobody")


def test_a_configured_email_is_matched_once_and_remembered(
    dispatcher: Dispatcher, synced_engine: Engine, example_config: Config
) -> None:
    person = person_in(example_config, "goran.ivarsson")
    assert person.slack_user_id is None  # Teams only in the configuration
    first = dispatcher.handle(
        Command(platform="slack", user_id="U0GORAN99", text="vem",
                email=person.email.upper())
    )
    assert first.heading == SV("whoami.title", name=person.name)
    with Session(synced_engine) as session:
        link = session.get(m.PlatformIdentity, ("slack", "U0GORAN99"))
        assert link is not None and link.person_id == person.id and link.source == "learned"
    second = dispatcher.handle(Command(platform="slack", user_id="U0GORAN99", text="vem"))
    assert second.heading == SV("whoami.title", name=person.name)


def identity_audit(engine: Engine) -> list[tuple[str | None, str, str]]:
    with Session(engine) as session:
        rows = session.scalars(
            select(m.AuditLog).where(m.AuditLog.action == "identity.link").order_by(m.AuditLog.id)
        )
        return [(row.actor_id, row.outcome, row.detail) for row in rows]


@pytest.mark.parametrize(("platform", "new_id"), [("slack", "U0CECIL99"),
                                                   ("teams", "29:1cecilia-second-account")])
def test_an_email_never_binds_an_account_to_someone_with_an_id_on_that_platform(
    dispatcher: Dispatcher, synced_engine: Engine, example_config: Config, platform: str,
    new_id: str,
) -> None:
    person = person_in(example_config, CHEF)  # an administrator, configured on both platforms
    configured = person.slack_user_id if platform == "slack" else person.teams_aad_object_id
    reply = dispatcher.handle(
        Command(platform=platform, user_id=new_id, text="vem",  # type: ignore[arg-type]
                email=person.email)
    )
    assert reply.is_error
    assert only_text(reply) == SV("identity.already_linked", user=new_id)
    assert person.name not in only_text(reply)
    assert dispatcher.knows(platform, new_id) is False
    assert dispatcher.knows(platform, configured or "") is True
    # The refusal is audited, with ids only.
    assert identity_audit(synced_engine) == [
        (CHEF, "denied", f"platform={platform} user_id={new_id} already=config")]


def test_a_binding_by_email_is_audited_and_a_second_account_is_not_bound(
    dispatcher: Dispatcher, synced_engine: Engine, example_config: Config
) -> None:
    person = person_in(example_config, "goran.ivarsson")  # no Slack id in the configuration
    first = dispatcher.handle(
        Command(platform="slack", user_id="U0GORAN99", text="vem", email=person.email))
    assert first.heading == SV("whoami.title", name=person.name)
    second = dispatcher.handle(
        Command(platform="slack", user_id="U0GORAN98", text="vem", email=person.email))
    assert only_text(second) == SV("identity.already_linked", user="U0GORAN98")
    assert dispatcher.knows("slack", "U0GORAN99") and not dispatcher.knows("slack", "U0GORAN98")
    assert identity_audit(synced_engine) == [
        (person.id, "ok", "platform=slack user_id=U0GORAN99"),
        (person.id, "denied", "platform=slack user_id=U0GORAN98 already=learned"),
    ]
    audited = " ".join(detail for _, _, detail in identity_audit(synced_engine))
    assert person.email not in audited and person.name not in audited


def test_an_inactive_person_is_refused(
    dispatcher: Dispatcher, synced_engine: Engine, example_config: Config
) -> None:
    person = person_in(example_config, CHEF)
    with Session(synced_engine) as session:
        session.execute(update(m.Person).where(m.Person.id == CHEF).values(active=False))
        session.commit()
    before = row_counts(synced_engine)
    for command in (
        console("vem", person=CHEF),
        Command(platform="slack", user_id=person.slack_user_id or "", text="hjälp"),
    ):
        reply = dispatcher.handle(command)
        assert reply.is_error
        assert only_text(reply) == SV("identity.inactive")
    # An inactive person's e-mail no longer teaches the bot a new identity.
    reply = dispatcher.handle(
        Command(platform="slack", user_id="U0CECIL99", text="vem", email=person.email)
    )
    assert reply.is_error
    assert row_counts(synced_engine) == before


# --- failures -------------------------------------------------------------------------------


SECRET_DETAIL = "db password hunter2 in /srv/samverkan/secret.py"


def _writes_then(exc: Exception):  # type: ignore[no-untyped-def]
    def handler(ctx: Context) -> Reply:
        ctx.store.audit.record(ctx.actor.id, "test.written_before_failure", "ok")
        ctx.store.people.link_platform(ctx.actor.id, "teams", "29:written-before-failure")
        raise exc

    return handler


def _with(spec: CommandSpec, stores: StoreFactory, clock: FixedClock) -> Dispatcher:
    return Dispatcher(stores, clock, CommandSet((*ALL_COMMANDS, spec), ALL_FORMS))


def test_an_exception_in_a_handler_is_a_friendly_error_rolled_back_and_logged(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    spec = CommandSpec("krascha", ("crash",), _writes_then(RuntimeError(SECRET_DETAIL)),
                       "help.cmd.help", "help.ex.help")
    dispatcher = _with(spec, stores, clock)
    before = row_counts(synced_engine)
    with caplog.at_level(logging.ERROR, logger="app.dispatch"):
        reply = dispatcher.handle(console("krascha"))
    assert reply.is_error
    text = reply.plain_text()
    pattern = re.escape(SV("error.internal", incident="INCIDENT")).replace("INCIDENT", "(\\w+)")
    match = re.fullmatch(pattern, text)
    assert match, text
    incident = match.group(1)
    for leak in ("Traceback", "RuntimeError", "hunter2", "secret.py", 'File "'):
        assert leak not in text
    assert row_counts(synced_engine) == before
    records = [r for r in caplog.records if getattr(r, "incident", None) == incident]
    assert len(records) == 1
    assert records[0].levelno == logging.ERROR and records[0].exc_info is not None
    # English speakers get the same, in English.
    english = dispatcher.handle(console("crash", locale="en"))
    assert english.plain_text().startswith(EN("error.internal", incident="X").split("X")[0])


def test_the_friendly_error_is_in_the_persons_language(
    stores: StoreFactory, clock: FixedClock
) -> None:
    """Slack slash commands carry no locale: the person's own language still decides."""

    spec = CommandSpec("krascha", ("crash",), _writes_then(RuntimeError("x")),
                       "help.cmd.help", "help.ex.help")
    dispatcher = _with(spec, stores, clock)
    english = dispatcher.handle(console("crash", person=ENGLISH_PERSON))
    assert english.plain_text().startswith(EN("error.internal", incident="X").split("X")[0])
    swedish = dispatcher.handle(console("krascha"))
    assert swedish.plain_text().startswith(SV("error.internal", incident="X").split("X")[0])


def test_each_failure_gets_its_own_incident_reference(
    stores: StoreFactory, clock: FixedClock
) -> None:
    spec = CommandSpec("krascha", ("crash",), _writes_then(ValueError("x")),
                       "help.cmd.help", "help.ex.help")
    dispatcher = _with(spec, stores, clock)
    texts = {dispatcher.handle(console("krascha")).plain_text() for _ in range(3)}
    assert len(texts) == 3


class Outage:
    """The real stores, until `down` is set: then opening one raises what `storage/` raises
    for a database that cannot be reached or is locked (or `error`, to fail otherwise)."""

    def __init__(self, inner: StoreFactory, error: Exception | None = None) -> None:
        self.inner = inner
        self.error = error or StoreUnavailable("database unavailable: OperationalError")
        self.down = False
        self.opened = 0

    @contextmanager
    def __call__(self) -> Iterator[Store]:
        self.opened += 1
        if self.down:
            raise self.error
        with self.inner() as store:
            yield store


def test_a_database_that_does_not_answer_gets_try_again_not_an_incident(
    stores: StoreFactory, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    outage = Outage(stores)
    dispatcher = Dispatcher(outage, clock, COMMANDS)
    outage.down = True
    with caplog.at_level(logging.WARNING, logger="app.dispatch"):
        reply = dispatcher.handle(Command(platform="slack", user_id="U0FYR0002",
                                          text="rapportera VIP-1 pågår Utbildningsdag"))
    assert reply.is_error and only_text(reply) == SV("error.store_unavailable")
    (record,) = caplog.records
    assert record.getMessage() == "store unavailable" and record.levelno == logging.WARNING
    assert record.exc_info is None and not hasattr(record, "incident")


def test_knows_and_first_delivery_never_raise_into_a_door(
    stores: StoreFactory, clock: FixedClock
) -> None:
    for error in (StoreUnavailable("locked"), RuntimeError("a bug")):
        outage = Outage(stores, error)
        dispatcher = Dispatcher(outage, clock, COMMANDS)
        outage.down = True
        # Not known (the door asks the platform for the e-mail, harmlessly); a first delivery
        # (what follows goes through `handle`, which answers for itself).
        assert dispatcher.knows("slack", "U0FYR0002") is False
        assert dispatcher.first_delivery("slack", "Ev0OUTAGE01") is True


def test_after_an_outage_knows_does_not_wait_on_the_database_again_for_a_while(
    stores: StoreFactory, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [100.0]
    monkeypatch.setattr(dispatch, "monotonic", lambda: now[0])
    outage = Outage(stores)
    dispatcher = Dispatcher(outage, clock, COMMANDS)
    assert dispatcher.knows("slack", "U0FYR0002") is True
    outage.down = True
    assert dispatcher.knows("slack", "U0FYR0002") is False
    opened = outage.opened
    outage.down = False
    now[0] += dispatch.KNOWS_SKIPPED_AFTER_OUTAGE / 2
    assert dispatcher.knows("slack", "U0FYR0002") is False
    assert outage.opened == opened  # not asked: each ask would wait out the lock timeout
    now[0] += dispatch.KNOWS_SKIPPED_AFTER_OUTAGE
    assert dispatcher.knows("slack", "U0FYR0002") is True


def test_a_user_error_with_audit_rolls_back_but_keeps_the_audit_entry(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine
) -> None:
    error = UserError("unknown.none", audit="test.denied", outcome="denied", word="VIP-9")
    spec = CommandSpec("neka", ("deny",), _writes_then(error), "help.cmd.help", "help.ex.help")
    dispatcher = _with(spec, stores, clock)
    before = row_counts(synced_engine)
    reply = dispatcher.handle(console("neka"))
    assert reply.is_error
    assert only_text(reply) == SV("unknown.none", word="VIP-9")
    after = row_counts(synced_engine)
    assert after["platform_identities"] == before["platform_identities"]
    assert after["audit_log"] == before["audit_log"] + 1
    with Session(synced_engine) as session:
        entries = session.scalars(select(m.AuditLog)).all()
    assert [(e.actor_id, e.action, e.outcome, e.detail) for e in entries] == [
        (SWEDISH_MEMBER, "test.denied", "denied", "unknown.none")
    ]
    assert entries[0].at == clock.now


def test_a_user_error_without_audit_stores_nothing(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine
) -> None:
    spec = CommandSpec("neka", ("deny",), _writes_then(UserError("identity.inactive")),
                       "help.cmd.help", "help.ex.help")
    dispatcher = _with(spec, stores, clock)
    before = row_counts(synced_engine)
    reply = dispatcher.handle(console("deny", locale="en"))
    assert only_text(reply) == EN("identity.inactive")
    assert row_counts(synced_engine) == before


def test_a_successful_handler_commits(
    stores: StoreFactory, clock: FixedClock, synced_engine: Engine
) -> None:
    def handler(ctx: Context) -> Reply:
        ctx.store.audit.record(ctx.actor.id, "test.ok", "ok")
        return Reply.text(ctx.t("common.yes"))

    spec = CommandSpec("spara", ("save",), handler, "help.cmd.help", "help.ex.help")
    before = row_counts(synced_engine)
    reply = _with(spec, stores, clock).handle(console("spara"))
    assert only_text(reply) == SV("common.yes")
    assert row_counts(synced_engine)["audit_log"] == before["audit_log"] + 1


def test_an_unknown_word_that_is_an_identity_number_is_not_echoed(
    synced_engine: Engine,
) -> None:
    bot = Dispatcher(StoreFactory(synced_engine), FixedClock(), COMMANDS)
    reply = bot.handle(Command(platform="console", user_id="johan.wikstrom", text="811218-9876"))
    assert reply.is_error
    assert "811218-9876" not in reply.plain_text()
