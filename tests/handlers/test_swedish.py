"""The bot's Swedish as people meet it, through the real `Dispatcher` and storage: the words the
groups use ("deltagare", "tillbakadragen"), numbers that agree with their nouns, no unit after
"av N", no "?:", and "Inget har sparats" only where someone tried to save something.

The clock stands on Tuesday 1 September 2026, 09:00 in Stockholm (see `tests/conftest.py`).
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

from app.core import Options
from app.dispatch import Dispatcher
from app.i18n import translator
from app.messages import Attachment, Command
from app.reports import open_export
from storage.repositories import StoreFactory
from tests.conftest import FixedClock

# The reports' tests' steps: a person says a line, or fills in the update form.
from tests.handlers.test_reports import report, say

SV = translator("sv")
EN = translator("en")
# say() speaks as Linnéa Ek: Fyrbodal; arbetsgrupp and kf-arbetsgrupp.
AMIR = "amir.haddad"  # GR; the same groups
MALIN = "malin.hedlund"  # Skaraborg; convenes arbetsgrupp this term
NOTHING_SAVED = SV("common.nothing_saved")
# A number, "av", a number, then a word: a unit put where Swedish puts a noun ("3 av 4 antal").
UNIT_AFTER_AV_N = re.compile(r"\bav [\d\s,.]+ [^\W\d_]", re.UNICODE)


# --- the groups' words ----------------------------------------------------------------------


def test_withdrawing_an_update_answers_tillbakadragen(dispatcher: Dispatcher) -> None:
    assert not say(dispatcher, "rapportera VIP-1 pågår Utbildningsdag genomförd").is_error
    withdrawn = say(dispatcher, "ta-bort 1 rapporterade fel aktivitet")
    assert not withdrawn.is_error
    assert "tillbakadragen" in withdrawn.plain_text()
    again = say(dispatcher, "ta-bort 1 en gång till")
    history = say(dispatcher, "mina 1").plain_text()
    for shown in (withdrawn.plain_text(), again.plain_text(), history,
                  say(dispatcher, "hjälp").plain_text()):
        assert "tillbakatag" not in shown.lower()
    assert SV("updates.history.withdrawn", reason="rapporterade fel aktivitet") in history


def test_a_member_is_a_deltagare_in_whoami_and_in_the_summary(dispatcher: Dispatcher) -> None:
    whoami = say(dispatcher, "vem").plain_text()
    assert "deltagare" in whoami
    summary = say(dispatcher, "sammanfattning arbetsgrupp", person=MALIN).plain_text()
    assert "Deltagare utan lägesrapport:" in summary
    for shown in (whoami, summary):
        assert "ledamot" not in shown.lower() and "ledamöter" not in shown.lower()


# --- numbers and units ----------------------------------------------------------------------


def test_an_indicator_reads_two_of_four_without_a_unit_after_it(
    dispatcher: Dispatcher, stores: StoreFactory, clock: FixedClock,
) -> None:
    report(dispatcher, clock, clock.now, AMIR, "VIP-1", "on_track",
           "Två delregioner har planer", values={"vip-inforandeplan": "2"})
    report(dispatcher, clock, clock.now, AMIR, "SP-1", "on_track", "Hälften av kommunerna",
           values={"efterlevandestod-kommuner": "45"})
    status = say(dispatcher, "status", person=MALIN).plain_text()
    assert "Delregioner med plan för införande av VIP: 2 av 4 (antal)" in status
    assert "45 av 60 (procent)" in status
    assert not UNIT_AFTER_AV_N.search(status), UNIT_AFTER_AV_N.findall(status)
    english = say(dispatcher, "status", person=MALIN, locale="en").plain_text()
    assert "2 of 4 (antal)" in english
    link = re.search(r"/export/(\S+)", say(dispatcher, "export status md",
                                            person=MALIN).plain_text())
    assert link is not None
    with stores() as store:
        file = open_export(store, link.group(1), Options(), clock.now)
    assert isinstance(file, Attachment)
    assert not UNIT_AFTER_AV_N.search(file.content.decode("utf-8"))


def test_the_summary_as_markdown_has_no_question_mark_before_a_colon(
    dispatcher: Dispatcher, stores: StoreFactory, clock: FixedClock,
) -> None:
    report(dispatcher, clock, clock.now, AMIR, "VIP-1", "delayed",
           "Tredje delregionen väntar på beslut")
    reply = say(dispatcher, "export sammanfattning md arbetsgrupp", person=MALIN)
    link = re.search(r"/export/(\S+)", reply.plain_text())
    assert link is not None, reply.plain_text()
    with stores() as store:
        file = open_export(store, link.group(1), Options(), clock.now)
    assert isinstance(file, Attachment)
    markdown = file.content.decode("utf-8")
    assert SV("updates.field.summary") in markdown  # "Vad har hänt?"
    assert "?:" not in markdown and "?**:" not in markdown
    assert "- **Vad har hänt?** Tredje delregionen väntar på beslut" in markdown


# --- "Inget har sparats" only after trying to save -----------------------------------------


def test_reading_never_says_that_nothing_was_saved(dispatcher: Dispatcher) -> None:
    """Linnéa is in two groups: listing decisions or next steps needs a group too."""

    for words in ("beslut", "beslut --grupp styrgrupp", "beslut --grupp",
                  "nästa-steg --grupp styrgrupp", "beslut --möte 32/13 --grupp arbetsgrupp"):
        reply = say(dispatcher, words)
        assert reply.is_error, words
        assert "sparats" not in reply.plain_text(), (words, reply.plain_text())
    unknown = dispatcher.handle(Command(platform="slack", user_id="U0NOBODY", text="hjälp"))
    assert unknown.is_error and "sparats" not in unknown.plain_text()


def test_trying_to_save_says_that_nothing_was_saved(dispatcher: Dispatcher) -> None:
    for words in ("rapportera VIP-1 pågår " + "x" * 3000,
                  "beslut --grupp arbetsgrupp " + "a" * 1001,
                  "nästa-steg Enkäten ansvarig Narnia --grupp arbetsgrupp"):
        reply = say(dispatcher, words)
        assert reply.is_error, words
        assert reply.plain_text().count(NOTHING_SAVED) == 1, (words, reply.plain_text())


def test_a_failure_says_nothing_was_saved_only_when_saving(
    dispatcher: Dispatcher, synced_engine: Engine,
) -> None:
    """A broken database: the update table is gone (a failed migration, say)."""

    with synced_engine.begin() as connection:
        connection.execute(text("DROP TABLE update_versions"))
        connection.execute(text("DROP TABLE updates"))
    reading = say(dispatcher, "mina")
    assert reading.is_error and reading.plain_text().startswith(
        SV("error.internal", incident="X").split("X")[0])
    assert NOTHING_SAVED not in reading.plain_text()
    saving = say(dispatcher, "rapportera VIP-1 pågår Utbildningsdag genomförd")
    assert saving.is_error and saving.plain_text().endswith(NOTHING_SAVED)
    english = say(dispatcher, "update VIP-1 on-track Training day held", locale="en")
    assert english.plain_text().endswith(EN("common.nothing_saved"))
