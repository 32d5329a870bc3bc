"""Agenda items, questions raised to the group that gave the mandate, and attendance.

Pure rules and read models; `storage.agenda_repo` keeps them, `app.agenda` applies them.

- An **agenda item** (punkt) is proposed by a member for a group's next meeting; it is
  `proposed` until the meeting's convener accepts (`accepted`) or declines it (`declined`), or
  its proposer withdraws it (`withdrawn`). The convener may move it to a later meeting of the
  group; it keeps its status.
- A **question** (fråga) is an agenda item of the group a group reports to (`reports_to`),
  raised from the reporting group (`from_group_id`) for the receiving group's next meeting. The
  receiving group's convener answers it with a decision (`beslut … --svar <nr>`): it becomes
  `answered`, with the decision's number, and the answer is reported back to the raising
  group's channel once, through the reminder outbox (`answer_reminder`).
- **Attendance** (närvaro) is one answer per person and meeting: `yes`, `no`, or `stand_in`
  (the person's stand-in comes instead); the latest answer counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Literal

from domain.reminders import Reminder
from domain.text import fold
from domain.updates import TextRule

ItemKind = Literal["item", "question"]
ItemStatus = Literal["proposed", "accepted", "declined", "withdrawn", "answered"]
AttendanceAnswer = Literal["yes", "no", "stand_in"]

ITEM_RULE: Final = TextRule(500, required=True)
# An answer's delivery names its question where a reminder names its meeting.
ANSWER_PREFIX: Final = "answer:"
# Still on the way to a meeting: shown in lists, counted in the convener's reminder.
OPEN_STATUSES: Final[tuple[ItemStatus, ...]] = ("proposed", "accepted")

# What the convener and the proposer may do to an item, by their words (folded).
ItemAction = Literal["withdraw", "accept", "move", "decline"]
_ACTIONS: Final[dict[str, ItemAction]] = {
    "dra-tillbaka": "withdraw", "aterkalla": "withdraw", "withdraw": "withdraw",
    "ta-bort": "withdraw",
    "godkann": "accept", "acceptera": "accept", "accept": "accept",
    "flytta": "move", "move": "move", "skjut-upp": "move", "postpone": "move",
    "avsla": "decline", "decline": "decline", "neka": "decline",
}
_ATTENDANCE: Final[dict[str, AttendanceAnswer]] = {
    "ja": "yes", "yes": "yes", "kommer": "yes",
    "nej": "no", "no": "no",
    "ersattare": "stand_in", "stand-in": "stand_in", "standin": "stand_in",
    "substitute": "stand_in",
}


def item_action(word: str) -> ItemAction | None:
    return _ACTIONS.get(fold(word))


def attendance_answer(word: str) -> AttendanceAnswer | None:
    return _ATTENDANCE.get(fold(word))


@dataclass(frozen=True)
class AgendaItem:
    number: int
    uid: str
    group_id: str
    kind: ItemKind
    text: str
    proposer_id: str
    organisation_id: str
    created_at: datetime
    status: ItemStatus = "proposed"
    # The meeting it is for (None: a group without a calendar; its next meeting, whenever).
    meeting_date: date | None = None
    meeting_id: str | None = None
    from_group_id: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    answer_decision: int | None = None
    answered_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class Attendance:
    group_id: str
    meeting_date: date
    person_id: str
    organisation_id: str
    answer: AttendanceAnswer
    at: datetime
    meeting_id: str | None = None


@dataclass(frozen=True)
class AgendaLine:
    """An item as the draft agenda and the minutes show it (names, not ids)."""

    number: int
    kind: ItemKind
    text: str
    organisation: str
    status: ItemStatus
    # For a question: the group it comes from (its short name).
    from_group: str = ""
    # For an answered question: the decision that answered it.
    answer: str = ""


@dataclass(frozen=True)
class OrganisationAttendance:
    """Who from one organisation has said they come, and whether it will be represented."""

    organisation: str
    coming: tuple[str, ...] = ()
    stand_in: tuple[str, ...] = ()
    not_coming: tuple[str, ...] = ()
    no_answer: tuple[str, ...] = ()

    @property
    def represented(self) -> bool | None:
        """True: someone comes (or a stand-in); False: everyone said no; None: not known."""

        if self.coming or self.stand_in:
            return True
        if self.not_coming and not self.no_answer:
            return False
        return None


@dataclass(frozen=True)
class MeetingAgenda:
    """What a summary and the minutes show of a meeting beyond the updates."""

    items: tuple[AgendaLine, ...] = ()
    attendance: tuple[OrganisationAttendance, ...] = ()

    @property
    def questions(self) -> tuple[AgendaLine, ...]:
        return tuple(i for i in self.items if i.kind == "question")

    @property
    def proposals(self) -> tuple[AgendaLine, ...]:
        return tuple(i for i in self.items if i.kind == "item")

    @property
    def not_represented(self) -> tuple[str, ...]:
        return tuple(a.organisation for a in self.attendance if a.represented is False)


def attendance_by_organisation(
    members: Iterable[tuple[str, str, str]],
    answers: Iterable[Attendance],
    organisations: Mapping[str, str],
) -> tuple[OrganisationAttendance, ...]:
    """Per organisation of the group's members (person id, name, organisation id), who comes.

    An answer from someone who is not (or no longer) a member still counts for their
    organisation. Organisations in the order of their short names.
    """

    latest = {a.person_id: a for a in sorted(answers, key=lambda a: a.at)}
    names: dict[str, str] = {}
    org_of: dict[str, str] = {}
    for person_id, name, org in members:
        names[person_id] = name
        org_of[person_id] = org
    for answer in latest.values():
        org_of.setdefault(answer.person_id, answer.organisation_id)
        names.setdefault(answer.person_id, answer.person_id)
    grouped: dict[str, dict[str, list[str]]] = {}
    for person_id, org in org_of.items():
        bucket = grouped.setdefault(org, {"yes": [], "stand_in": [], "no": [], "none": []})
        given = latest.get(person_id)
        bucket[given.answer if given else "none"].append(names[person_id])
    out = [
        OrganisationAttendance(
            organisations.get(org, org), tuple(sorted(b["yes"])), tuple(sorted(b["stand_in"])),
            tuple(sorted(b["no"])), tuple(sorted(b["none"])),
        )
        for org, b in grouped.items()
    ]
    return tuple(sorted(out, key=lambda a: fold(a.organisation)))


def answer_reminder(item: AgendaItem) -> Reminder | None:
    """The delivery of an answered question to the raising group's channel, as the outbox
    takes a reminder: due when the answer was recorded, keyed by the question (so it goes
    once), the question's number where a reminder has its meeting."""

    if item.from_group_id is None or item.answered_at is None or item.answer_decision is None:
        return None
    return Reminder(
        key=f"answer:{item.uid}|question_answered|channel", rule="question_answered",
        group_id=item.from_group_id, meeting_id=f"{ANSWER_PREFIX}{item.number}", series_id="",
        meeting_start=item.answered_at, recipient="channel", due_at=item.answered_at,
    )


def answered_number(reminder: Reminder) -> int | None:
    """The question an answer's delivery is about (None: not an answer's delivery)."""

    if reminder.rule != "question_answered":
        return None
    number = reminder.meeting_id.removeprefix(ANSWER_PREFIX)
    return int(number) if number.isdigit() else None


def later_meeting(dates: Sequence[date], after: date) -> date | None:
    """The first of `dates` after `after`."""

    return next((d for d in sorted(dates) if d > after), None)
