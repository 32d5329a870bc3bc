"""The bot's own advice works as written, for the person it is given to.

Every text in the catalogs that tells a person what to type ("Skriv ”beslut <text>”", a help
example, "Lägg till --grupp ...") is produced here the way the bot produces it (a refusal, a
reminder, the help), and every command it names is typed back, placeholders filled in, by the
person who got it: in both languages, for a person in several groups too. A catalog text with
such advice that no scenario here produces fails `test_every_piece_of_advice_is_tried`.

The example configuration, from Tuesday 24 November 2026, 09:00 in Stockholm.
"""

from __future__ import annotations

import io
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.dispatch import Dispatcher
from app.followup import milestone_reminders_due
from app.i18n import catalog, placeholders, translator
from app.messages import Command, Platform, Reply
from app.reminders import render_reminder
from app.schedule_text import schedule_of
from bot.cli import example_config_path, main
from bot.console.demo import run_demo
from bot.settings import Settings
from domain.announcements import change_announcements
from domain.reminders import GroupAudience, Member, ReminderRules, reminders_for
from domain.text import fold
from handlers.commands import ALL_COMMANDS, COMMANDS
from storage.repositories import StoreFactory
from tests.conftest import FixedClock
from tests.handlers.calendar_support import NOW

ADMIN = "johan.wikstrom"  # administrator; arbetsgrupp and VGR-gruppen
AMIR = "amir.haddad"  # member of arbetsgrupp and KF-gruppen
EMMA = "emma.falk"  # arbetsgrupp and KF-gruppen; Sjuhärad's contact in KF-gruppen (HT 2026)
INGRID = "ingrid.svard"  # chefsgrupp only; Sjuhärad's contact there (convenes 26 Nov 2026)
LANGUAGES = ("sv", "en")

# Advice that is no quoted command word: a time to add after the date; a command built in code.
UNQUOTED = frozenset({"calendar.several_on", "reports.chat.file_hint"})

QUOTED = re.compile(r"[”“]([^”“]+)”")
COMMAND_WORDS = {fold(word) for spec in ALL_COMMANDS for word in spec.words()} | {
    ":tid", ":time", "samverkan"}


def advice(text: str) -> list[str]:
    """The commands a text tells the reader to type, in order."""

    return [quoted for quoted in QUOTED.findall(text)
            if fold(quoted.split()[0]) in COMMAND_WORDS]


def advising_keys() -> set[str]:
    """Catalog keys whose text tells the reader what to type."""

    found = set(UNQUOTED)
    for key, template in catalog("sv").items():
        shown = template.replace("{", "").replace("}", "")
        if advice(shown) or "--grupp" in template or "--möte" in template:
            found.add(key)
    return found


def fragment(language: str, key: str) -> str:
    """The longest fixed part of a catalog text, to find it in a reply."""

    parts = [literal for literal, *_ in string.Formatter().parse(catalog(language)[key])]
    return max(parts, key=len)


FILL = {
    "sv": {"text": "Vi tar fram indikatorer", "org": "GR", "datum": "30/6", "orsak": "fel",
           "kommando": "möten", "…": "Text", "grupp": "arbetsgrupp"},
    "en": {"text": "We draft indicators", "org": "GR", "date": "30 Jun", "reason": "wrong",
           "command": "meetings", "…": "Text", "group": "arbetsgrupp"},
}


def filled(command: str, values: dict[str, str]) -> str | None:
    """The command as a person types it; None for a syntax line (`[a|b]`)."""

    if re.search(r"\[[^\]]*\|", command):
        return None
    text = re.sub(r"<([^>]+)>", lambda m: values[m.group(1)], command)
    text = re.sub(r"\[([^\]]+)\]", lambda m: values.get(m.group(1), m.group(1)), text)
    return text.replace("…", values["…"])


@dataclass
class Chat:
    bot: Dispatcher
    clock: FixedClock
    stores: StoreFactory
    language: str
    tried: set[str] = field(default_factory=set)

    def say(self, person: str, text: str, platform: Platform = "console",
            channel_id: str | None = None) -> Reply:
        return self.bot.handle(Command(platform=platform, user_id=person, text=text,
                                       locale=self.language, channel_id=channel_id))

    def gives(self, key: str, reply: Reply | str) -> str:
        """Checks that `reply` carries the catalog text `key`; returns its text."""

        text = reply if isinstance(reply, str) else reply.plain_text()
        assert fragment(self.language, key) in text, (key, text)
        self.tried.add(key)
        return text

    def follow(self, person: str, text: str, values: dict[str, str] | None = None,
               platform: Platform = "console", channel_id: str | None = None) -> list[Reply]:
        """Types every command `text` advises, as `person`; each must succeed."""

        commands = [c for c in (filled(a, {**FILL[self.language], **(values or {})})
                                for a in advice(text)) if c is not None]
        assert commands, text
        replies = []
        for command in commands:
            reply = self.say(person, command, platform, channel_id)
            assert not reply.is_error, (person, command, reply.plain_text())
            replies.append(reply)
        return replies


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def stores(synced_engine: Engine, clock: FixedClock) -> StoreFactory:
    return StoreFactory(synced_engine, clock)


@pytest.fixture(params=LANGUAGES)
def chat(request: pytest.FixtureRequest, stores: StoreFactory, clock: FixedClock) -> Chat:
    return Chat(Dispatcher(stores, clock, COMMANDS), clock, stores, request.param)


def words(chat: Chat, sv: str, en: str) -> str:
    return sv if chat.language == "sv" else en


def reports(chat: Chat, person: str, count: int) -> None:
    for number in range(count):
        reply = chat.say(person, f"rapportera VIP-1 pågår Lägesrapport {number}")
        assert not reply.is_error, reply.plain_text()


def next_steps(chat: Chat, person: str, count: int) -> None:
    for number in range(count):
        reply = chat.say(person, f"nästa-steg --grupp arbetsgrupp Steg {number}")
        assert not reply.is_error, reply.plain_text()


# --- scenarios: each produces advice the way the bot gives it, and follows it ------------------


def unknown_words(chat: Chat) -> None:
    for typed, key in (("mötn", "unknown.suggest"), ("xyzzy", "unknown.none"),
                       ("", "unknown.empty")):
        chat.follow(AMIR, chat.gives(key, chat.say(AMIR, typed)))


EXAMPLES = frozenset(spec.example_key for spec in ALL_COMMANDS)


def help_and_its_examples(chat: Chat) -> None:
    """As an administrator in two groups, who has update 12 and next step 7 to speak of."""

    reports(chat, ADMIN, 12)
    next_steps(chat, ADMIN, 7)
    text = chat.gives("help.outro", chat.say(ADMIN, words(chat, "hjälp", "help")))
    chat.gives("help.cmd.mine", text)
    chat.gives("help.cmd.next_step", text)
    chat.follow(ADMIN, text)
    t = translator(chat.language)
    for key in sorted(EXAMPLES, key=lambda k: ("ta-bort" in t(k) or "withdraw" in t(k), k)):
        reply = chat.say(ADMIN, t(key))
        assert not reply.is_error, (t(key), reply.plain_text())
        chat.tried.add(key)


def an_update_and_its_number(chat: Chat) -> None:
    saved = chat.say(AMIR, words(chat, "rapportera VIP-1 pågår Två planer klara",
                                 "update VIP-1 on-track Two plans ready"))
    chat.follow(AMIR, chat.gives("updates.saved_hint", saved))  # the last one withdraws it
    assert fragment(chat.language, "updates.mine.hint") not in chat.say(AMIR, "mina").plain_text()
    reports(chat, AMIR, 1)
    chat.follow(AMIR, chat.gives("updates.mine.hint", chat.say(AMIR, "mina")))
    chat.follow(INGRID, chat.gives("updates.mine.none", chat.say(INGRID, "mina")))


def mistyped_updates(chat: Chat) -> None:
    reports(chat, AMIR, 12)
    for typed, key in (
        ("mina 99", "updates.error.not_found"),
        ("ändra", "updates.error.edit_usage"),
        ("rapportera hittepå pågår text", "updates.error.unknown_activity"),
        ("rapportera främja pågår text", "updates.candidates.hint"),
        ("rapportera VIP-9 pågår text", "updates.closest.hint"),
        ("rapportera XYZ-99 pågår text", "updates.closest.none"),
        ("ta-bort", "updates.error.withdraw_usage"),
    ):
        chat.follow(AMIR, chat.gives(key, chat.say(AMIR, typed)))


def next_steps_by_number(chat: Chat) -> None:
    next_steps(chat, AMIR, 7)
    chat.follow(AMIR, chat.gives("notes.error.close_usage", chat.say(AMIR, "nästa-steg klar")))
    chat.follow(AMIR, chat.gives("notes.error.not_found", chat.say(AMIR, "nästa-steg klar 99")))
    saved = chat.say(AMIR, "nästa-steg --grupp arbetsgrupp Boka lokal")
    chat.follow(AMIR, chat.gives("notes.next_step.hint", saved))
    chat.follow(AMIR, chat.gives("notes.next_step.close_hint", chat.say(AMIR, "nästa-steg")))


def decisions_in_several_groups(chat: Chat) -> None:
    """The convener of KF-gruppen's meeting, who is also in the arbetsgrupp."""

    chat.clock.now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # 11:00: KF-gruppen has met
    text = chat.gives("notes.error.choose_group", chat.say(EMMA, "beslut Vi byter mötesdag"))
    assert "kf-arbetsgrupp" in text
    option = words(chat, "--grupp", "--group")
    assert not chat.say(EMMA, f"beslut Vi byter mötesdag {option} kf-arbetsgrupp").is_error
    meeting = words(chat, "--möte", "--meeting")
    chat.gives("notes.error.no_meeting_on", chat.say(
        EMMA, f"beslut --grupp kf-arbetsgrupp {meeting} 17/11 Vi byter mötesdag"))
    assert not chat.say(EMMA, f"beslut --grupp kf-arbetsgrupp {meeting} 18/11 Vi byter mötesdag"
                        ).is_error


def which_group_and_which_meeting(chat: Chat) -> None:
    """An administrator in two groups, changing a third group's schedule too."""

    text = chat.gives("group.choose", chat.say(ADMIN, "möte ställ-in 26/11"))
    assert "chefsgrupp" in text  # an administrator may change any group's schedule
    option = words(chat, "--grupp", "--group")
    assert not chat.say(ADMIN, f"möte ställ-in 26/11 {option} chefsgrupp").is_error
    chat.gives("calendar.several_on", chat.say(ADMIN, "möte ställ-in --grupp kf-arbetsgrupp 2/12"))
    time = words(chat, "kl 13:00", "at 13:00")
    assert not chat.say(ADMIN, f"möte ställ-in --grupp kf-arbetsgrupp 2/12 {time}").is_error
    moved = chat.say(ADMIN, words(chat, "möte flytta 8/12", "meeting move 8/12"))
    chat.follow(ADMIN, chat.gives("calendar.new_time.missing", moved))
    usage = chat.gives("calendar.meeting.usage", chat.say(ADMIN, words(chat, "möte", "meeting")))
    cancel, move = advice(usage)
    for command, values in ((move, {"datum": "12/1", "date": "12/1", "ny tid": "13/1 kl 10",
                                    "new time": "13/1 at 10"}),
                            (cancel, {"datum": "9/2", "date": "9/2"})):
        typed = filled(command, {**FILL[chat.language], **values})
        assert typed is not None
        reply = chat.say(ADMIN, typed)
        assert not reply.is_error, (typed, reply.plain_text())


@dataclass(frozen=True)
class Due:
    group: str
    meeting: str
    rule: str
    person: str


def reminder(chat: Chat, due: Due) -> str:
    """The reminder as the scheduler renders it, for the person (or channel) it goes to."""

    with chat.stores() as store:
        meeting = next(m for m in schedule_of(store, due.group) if m.id == due.meeting)
        members = (Member(AMIR), Member(EMMA), Member(INGRID), Member(ADMIN))
        planned = reminders_for(meeting, ReminderRules(), GroupAudience(due.group, True, members),
                                frozenset())
        found = next(r for r in planned if r.rule == due.rule
                     and r.recipient in ("channel", f"person:{due.person}"))
        reply = render_reminder(store, found, chat.language)
        assert reply is not None
        return reply.plain_text()


def reminders_and_their_prompts(chat: Chat) -> None:
    december = "manadsmote:2026-12-08"
    request = reminder(chat, Due("arbetsgrupp", december, "update_request", AMIR))
    chat.follow("U0GRX0002", chat.gives("reminder.update_request.body", request),
                platform="slack", channel_id="C0ARBETS01")
    direct = reminder(chat, Due("arbetsgrupp", december, "update_request_dm", AMIR))
    chat.follow(AMIR, chat.gives("reminder.update_request_dm.body", direct))
    kf = "varannan-vecka:2026-12-02"
    prepare = reminder(chat, Due("kf-arbetsgrupp", kf, "convener_prepare", EMMA))
    chat.follow(EMMA, chat.gives("reminder.convener_prepare.summary_hint", prepare))
    # After the meeting, to its convener: one in a single group, one in two groups.
    chat.clock.now = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)  # 15:00: the meeting has ended
    after = reminder(chat, Due("chefsgrupp", "chefsmoten:2026-11-26", "after_meeting", INGRID))
    chat.follow(INGRID, chat.gives("reminder.after_meeting.hint", after))
    chat.clock.now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # 11:00: KF-gruppen has met
    after = reminder(chat, Due("kf-arbetsgrupp", kf, "after_meeting", EMMA))
    chat.follow(EMMA, chat.gives("reminder.after_meeting.hint_group", after))


def reminder_settings(chat: Chat) -> None:
    chat.follow(AMIR, chat.gives("reminder.settings.usage", chat.say(AMIR, "påminnelser x")))
    chat.follow(AMIR, chat.gives("reminder.settings.state_on", chat.say(AMIR, "påminnelser")))
    chat.follow(AMIR, chat.gives("reminder.settings.state_off", chat.say(AMIR, "påminnelser")))
    chat.follow(AMIR, chat.gives("reminder.settings.off", chat.say(AMIR, "påminnelser av")))


def fixed_texts(chat: Chat) -> None:
    """Texts shown outside a chat answer: Teams' own, and the page of an expired extract."""

    t = translator(chat.language)
    for key in ("teams.form_too_large", "teams.unknown_action", "teams.package.description_full",
                "teams.invoke.unused"):
        chat.follow("00000000-0000-4000-8000-000000000402", chat.gives(key, t(key)),
                    platform="teams")
    chat.follow(AMIR, chat.gives("gdpr.link.expired", t("gdpr.link.expired")))


def report_usage(chat: Chat) -> None:
    since = {"datum": "1/9", "date": "1 Sep"}
    chat.follow(AMIR, chat.gives("reports.error.summary_usage", chat.say(
        AMIR, "sammanfattning arbetsgrupp kf-arbetsgrupp")), since)
    chat.follow(AMIR, chat.gives("reports.error.export_usage", chat.say(
        AMIR, "export uppdateringar xlsx arbetsgrupp kf-arbetsgrupp")))
    # Someone outside the group is pointed to what everyone may ask for.
    chat.follow(INGRID, chat.gives("reports.error.summary_not_member", chat.say(
        INGRID, words(chat, "sammanfattning arbetsgrupp", "summary arbetsgrupp"))))
    # The summary's own hint: its file, for the group it is about.
    chat.follow(AMIR, chat.gives("reports.chat.file_hint", chat.say(
        AMIR, words(chat, "sammanfattning arbetsgrupp", "summary arbetsgrupp"))))


def follow_up_usage(chat: Chat) -> None:
    """Milestones and the annual follow-up: usage, the list's hints, marking one done."""

    values = {"id": "sro-mars-2027", "år": "2026", "year": "2026"}
    chat.follow(AMIR, chat.gives("followup.error.milestones_usage", chat.say(
        AMIR, words(chat, "milstolpar x", "milestones x"))))
    chat.follow(AMIR, chat.gives("followup.milestones.hint", chat.say(
        AMIR, words(chat, "milstolpar", "milestones"))))
    # Marks sro-mars-2027 done (GR is one of its owners), then shows it.
    chat.follow(AMIR, chat.gives("followup.error.milestone_usage", chat.say(
        AMIR, words(chat, "milstolpe", "milestone"))), values)
    chat.follow(AMIR, chat.gives("followup.milestones.done_hint", chat.say(
        AMIR, words(chat, "milstolpar", "milestones"))))
    chat.follow(AMIR, chat.gives("followup.error.follow_up_usage", chat.say(
        AMIR, words(chat, "uppföljning 2025 2026", "follow-up 2025 2026"))), values)
    # The reminder two weeks before the June SRO, to the chefsgrupp and the owners' contacts.
    with chat.stores() as store:
        planned = milestone_reminders_due(store, datetime(2027, 5, 27, 7, 0, tzinfo=UTC),
                                          timedelta(days=1))
        found = next(r for r in planned if r.meeting_id == "milestone:sro-juni-2027")
        reply = render_reminder(store, found, chat.language)
        assert reply is not None
    chat.follow(AMIR, chat.gives("reminder.milestone.hint", reply.plain_text()))
def absence_advice(chat: Chat) -> None:
    """`frånvaro`'s own advice, and the administrators' notice of a convener away without a
    stand-in (Malin Hedlund convenes Arbetsgruppen on 8 Dec; Skaraborg has no stand-in)."""

    dates = {"från": "14/12", "till": "18/12", "from": "14 Dec", "to": "18 Dec"}
    chat.follow(AMIR, chat.gives("absence.usage", chat.say(
        AMIR, words(chat, "frånvaro 14/12", "away 14 Dec"))), dates)
    chat.say(AMIR, words(chat, "frånvaro 14/12 18/12", "away 14 Dec 18 Dec"))
    chat.follow(AMIR, chat.gives("absence.overlaps", chat.say(
        AMIR, words(chat, "frånvaro 15/12 20/12", "away 15 Dec 20 Dec"))))
    chat.say(AMIR, words(chat, "frånvaro 14/12 18/12", "away 14 Dec 18 Dec"))
    chat.follow(AMIR, chat.gives("absence.end_hint", chat.say(
        AMIR, words(chat, "frånvaro", "away"))))
    malin = "malin.hedlund"
    assert not chat.say(malin, words(chat, "frånvaro 7/12 9/12", "away 7 Dec 9 Dec")).is_error
    with chat.stores() as store:
        meeting = next(m for m in schedule_of(store, "arbetsgrupp")
                       if m.id == "manadsmote:2026-12-08")
        assert meeting.convener_person == malin and meeting.stand_in is None
        absences = store.absences.between(meeting.local_date, meeting.local_date)
        audience = GroupAudience("arbetsgrupp", True, (Member(ADMIN),), admins=(ADMIN,))
        (notice,) = [r for r in reminders_for(meeting, ReminderRules(), audience, frozenset(),
                                              absences) if r.rule == "absence_no_stand_in"]
        reply = render_reminder(store, notice, chat.language)
    assert reply is not None
    chat.follow(ADMIN, chat.gives("cycle.no_stand_in.body", reply.plain_text()),
                {"organisation": "gr", "organization": "gr"})


def announcement_advice(chat: Chat) -> None:
    """What a person told directly of a schedule change is advised to type."""

    assert not chat.say(ADMIN, words(chat, "möte ställ-in 8/12 --grupp arbetsgrupp",
                                     "meeting cancel 8 Dec --group arbetsgrupp")).is_error
    with chat.stores() as store:
        calendar = store.calendar.calendar("arbetsgrupp")
        assert calendar is not None
        changes = store.announcements.changes("arbetsgrupp")
        (direct,) = [r for r in change_announcements(calendar, changes, has_channel=True,
                                                     since=NOW - timedelta(days=1))
                     if r.person_id is not None]
        reply = render_reminder(store, direct, chat.language)
    assert reply is not None and direct.person_id is not None
    chat.follow(direct.person_id, chat.gives("cycle.change.personal", reply.plain_text()))
def agenda_items_and_questions(chat: Chat) -> None:
    """The chefsgrupp's convener of 26 November (in no other group), a member of two groups
    whose group reports to the chefsgrupp, and an administrator."""

    saved = chat.say(INGRID, words(chat, "punkt Uppföljning av planen",
                                   "agenda Follow-up of the plan"))
    chat.follow(INGRID, chat.gives("agenda.item.hint", saved))  # withdraws #1
    listed = chat.say(INGRID, words(chat, "punkt", "agenda"))
    chat.follow(INGRID, chat.gives("agenda.list.none", listed))  # proposes #2
    chat.follow(INGRID, chat.gives("agenda.list.hint", chat.say(INGRID, "punkt")))  # accepts #2
    assert not chat.say(INGRID, "punkt Budget 2027").is_error  # #3
    bare = chat.say(INGRID, words(chat, "punkt godkänn", "agenda accept"))
    chat.follow(INGRID, chat.gives("agenda.error.action_usage", bare))  # accepts #3
    chat.follow(INGRID, chat.gives("agenda.error.not_found", chat.say(INGRID, "punkt godkänn 99")))
    moved = chat.say(INGRID, "punkt flytta 3 26/11 extra")
    chat.follow(ADMIN, chat.gives("agenda.error.move_usage", moved), {"nr": "3", "no": "3"})
    asking = chat.say(AMIR, words(chat, "lyft", "escalate"))
    chat.follow(AMIR, chat.gives("agenda.error.question_usage", asking))  # question #4
    asked = chat.say(AMIR, words(chat, "lyft Behöver vi ett beslut?",
                                 "escalate Do we need a decision?"))  # #5
    chat.follow(ADMIN, chat.gives("agenda.question.hint", asked))  # answers #5
    chat.follow(INGRID, chat.gives("agenda.error.answer_needs_decision", chat.say(
        INGRID, "nästa-steg Text --svar 4")))
    chat.follow(INGRID, chat.gives("agenda.error.attend_usage", chat.say(
        INGRID, words(chat, "närvaro kanske", "attend maybe"))))
    chat.follow(INGRID, chat.gives("agenda.attendance.hint", chat.say(
        INGRID, words(chat, "närvaro", "attend"))))
    chat.follow(AMIR, chat.gives("agenda.error.minutes_usage", chat.say(
        AMIR, "anteckningar arbetsgrupp 8/9 extra")), {"datum": "9/6", "date": "9 Jun"})


def agenda_in_the_reminders(chat: Chat) -> None:
    chefs = "chefsmoten:2026-11-26"
    assert not chat.say(INGRID, "punkt Uppföljning av planen").is_error
    prepare = reminder(chat, Due("chefsgrupp", chefs, "convener_prepare", INGRID))
    chat.follow(INGRID, chat.gives("agenda.reminder.items.one", prepare))
    assert not chat.say(INGRID, "punkt Budget 2027").is_error
    prepare = reminder(chat, Due("chefsgrupp", chefs, "convener_prepare", INGRID))
    chat.follow(INGRID, chat.gives("agenda.reminder.items.other", prepare))
    day_before = reminder(chat, Due("arbetsgrupp", "manadsmote:2026-12-08", "day_before", AMIR))
    chat.follow("U0GRX0002", chat.gives("agenda.reminder.attend", day_before),
                platform="slack", channel_id="C0ARBETS01")
    chat.clock.now = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)  # 15:00: the meeting has ended
    after = reminder(chat, Due("chefsgrupp", chefs, "after_meeting", INGRID))
    chat.follow(INGRID, chat.gives("agenda.reminder.minutes", after))


# Each scenario, and the catalog texts it produces and follows (checked as it runs).
SCENARIOS: dict[Callable[[Chat], None], frozenset[str]] = {
    unknown_words: frozenset({"unknown.suggest", "unknown.none", "unknown.empty"}),
    help_and_its_examples: frozenset({"help.outro", "help.cmd.mine", "help.cmd.next_step"})
    | EXAMPLES,
    an_update_and_its_number: frozenset(
        {"updates.saved_hint", "updates.mine.hint", "updates.mine.none"}),
    mistyped_updates: frozenset({
        "updates.error.not_found", "updates.error.edit_usage", "updates.error.withdraw_usage",
        "updates.error.unknown_activity", "updates.candidates.hint", "updates.closest.hint",
        "updates.closest.none"}),
    next_steps_by_number: frozenset({
        "notes.error.close_usage", "notes.error.not_found", "notes.next_step.hint",
        "notes.next_step.close_hint"}),
    decisions_in_several_groups: frozenset(
        {"notes.error.choose_group", "notes.error.no_meeting_on"}),
    which_group_and_which_meeting: frozenset({
        "group.choose", "calendar.several_on", "calendar.new_time.missing",
        "calendar.meeting.usage"}),
    reminders_and_their_prompts: frozenset({
        "reminder.update_request.body", "reminder.update_request_dm.body",
        "reminder.convener_prepare.summary_hint", "reminder.after_meeting.hint",
        "reminder.after_meeting.hint_group"}),
    reminder_settings: frozenset({
        "reminder.settings.usage", "reminder.settings.state_on", "reminder.settings.state_off",
        "reminder.settings.off"}),
    fixed_texts: frozenset({"teams.form_too_large", "teams.unknown_action",
                            "teams.package.description_full", "teams.invoke.unused",
                            "gdpr.link.expired"}),
    follow_up_usage: frozenset({
        "followup.error.milestones_usage", "followup.milestones.hint",
        "followup.error.milestone_usage", "followup.milestones.done_hint",
        "followup.error.follow_up_usage", "reminder.milestone.hint"}),
    report_usage: frozenset({"reports.error.summary_usage", "reports.error.export_usage",
                             "reports.error.summary_not_member", "reports.chat.file_hint"}),
    absence_advice: frozenset({"absence.usage", "absence.overlaps", "absence.end_hint",
                               "cycle.no_stand_in.body"}),
    announcement_advice: frozenset({"cycle.change.personal"}),
    agenda_items_and_questions: frozenset({
        "agenda.item.hint", "agenda.list.none", "agenda.list.hint", "agenda.error.action_usage",
        "agenda.error.not_found", "agenda.error.move_usage", "agenda.error.question_usage",
        "agenda.question.hint", "agenda.error.answer_needs_decision",
        "agenda.error.attend_usage", "agenda.attendance.hint", "agenda.error.minutes_usage"}),
    agenda_in_the_reminders: frozenset({
        "agenda.reminder.items.one", "agenda.reminder.items.other", "agenda.reminder.attend",
        "agenda.reminder.minutes"}),
}
# Tried outside a chat: the command line and the terminal demo (tests below).
ELSEWHERE = frozenset({"reminder.failed_alert", "demo.clock.usage", "demo.welcome"})


@pytest.mark.parametrize("scenario", list(SCENARIOS), ids=lambda s: s.__name__)
def test_the_advice_works_as_written(chat: Chat, scenario: Callable[[Chat], None]) -> None:
    scenario(chat)
    assert chat.tried == SCENARIOS[scenario]


def test_every_piece_of_advice_in_the_catalogs_is_tried() -> None:
    tried = set().union(*SCENARIOS.values()) | ELSEWHERE
    assert sorted(advising_keys() - tried) == []
    assert {"reminder.after_meeting.hint_group", "help.ex.decision"} <= advising_keys()


def test_the_failed_reminder_alert_names_a_command_that_runs(
    cli_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for language in LANGUAGES:
        alert = translator(language)("reminder.failed_alert", rule="x", group="y", code="z")
        assert fragment(language, "reminder.failed_alert") in alert
        [command] = advice(alert)
        assert command.split()[0] == "samverkan"
        assert main([*command.split()[1:], "--lang", language]) == 0
        capsys.readouterr()


def _demo(tmp_path: Path, language: str, lines: list[str]) -> str:
    out = io.StringIO()
    code = run_demo(
        Settings(), person_id=AMIR, language=language, config_file=example_config_path(),
        database_url=f"sqlite:///{tmp_path / f'demo-{language}.db'}",
        stdin=io.StringIO("".join(f"{line}\n" for line in lines)), stdout=out,
        start="2026-11-24T09:00",
    )
    assert code == 0
    return out.getvalue()


@pytest.mark.usefixtures("cli_env")
def test_the_demo_welcome_and_its_clock_advice_work(tmp_path: Path) -> None:
    for language in LANGUAGES:
        # The welcome shows in a terminal only; its text as the catalog has it.
        template = catalog(language)["demo.welcome"]
        told = advice(template.format(**{name: "x" for name in placeholders(template)}))
        assert told
        shown = _demo(tmp_path, language, [*told, ":tid ibland"])
        usage = advice(shown[shown.index(fragment(language, "demo.clock.usage")):])
        assert usage
        after = _demo(tmp_path, language, usage)
        assert fragment(language, "demo.clock.usage") not in after
        assert after.count(fragment(language, "demo.clock")) >= len(usage)
