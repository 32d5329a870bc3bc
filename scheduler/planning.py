"""What is due: the reminders of every group, on the platforms that reach each recipient.

One `Plan` per tick: each group is read once and each schedule built once, and the sending
takes the group and the meeting of every delivery from the plan instead of reading them again.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.announcements import planned_extras
from app.followup import milestone_reminders_due
from domain.agenda import answer_reminder
from domain.calendar import STOCKHOLM
from domain.model import GroupInfo
from domain.reminders import (
    Delivery,
    GroupAudience,
    Member,
    Reminder,
    ReminderRules,
    due_reminders,
    previous_meeting_start,
)
from domain.schedule import Meeting, build_schedule
from storage.repositories import SqlStore

LOOKBACK = timedelta(days=3)
# How far ahead of now meetings are planned: the longest lead the configuration allows (update
# requests 60 days before, convener 30 working days before) plus the days off it may roll over.
PLAN_AHEAD = timedelta(days=75)
# Messengers that stand in for every channel and person (the demo, dry runs).
LOCAL_PLATFORMS = ("console", "log")


@dataclass
class Plan:
    """One tick's reading of the groups: what is due, and what the messages need."""

    deliveries: list[Delivery] = field(default_factory=list)
    groups: dict[str, GroupInfo] = field(default_factory=dict)
    schedules: dict[str, list[Meeting]] = field(default_factory=dict)

    def meeting(self, reminder: Reminder) -> Meeting | None:
        """The reminder's meeting as the schedule stands now, on the day it was planned for
        (a meeting moved to another day is another delivery); None if it is gone."""

        day = reminder.meeting_start.astimezone(STOCKHOLM).date()
        for meeting in self.schedules.get(reminder.group_id, ()):
            if meeting.id == reminder.meeting_id and meeting.local_date == day:
                return meeting
        return None


class Planner:
    def __init__(self, platforms: Collection[str], lookback: timedelta = LOOKBACK) -> None:
        self.platforms = tuple(platforms)
        self.lookback = lookback

    def plan(self, store: SqlStore, now: datetime) -> Plan:
        window = ((now - self.lookback).date(), (now + PLAN_AHEAD).date())
        plan = Plan()
        meetings: list[Meeting] = []
        rules: dict[str, ReminderRules] = {}
        audiences: dict[str, GroupAudience] = {}
        reported: dict[str, frozenset[str]] = {}
        # Absences, announcements and absence notices (app.announcements): the same outbox.
        absences = store.absences.between(window[0], window[1])
        admins = store.announcements.admins()
        extras: list[Reminder] = []
        for group in store.calendar.groups():
            plan.groups[group.id] = group
            calendar = store.calendar.calendar(group.id)
            if calendar is None:
                continue
            all_meetings = build_schedule(calendar, store.calendar.changes(group.id))
            plan.schedules[group.id] = all_meetings
            near = [mt for mt in all_meetings if window[0] <= mt.start.date() <= window[1]]
            meetings.extend(near)
            rules.update(store.reminders.rules(group.id))
            audiences[group.id] = GroupAudience(
                group_id=group.id,
                has_channel=bool(self.channel_platforms(group)),
                members=tuple(Member(pid, dm) for pid, dm in store.reminders.members(group.id)),
                admins=admins,
            )
            extras.extend(planned_extras(
                store, calendar, all_meetings, rules, absences=absences,
                has_channel=audiences[group.id].has_channel, since=now - self.lookback,
            ))
            for meeting in near:
                since = previous_meeting_start(all_meetings, meeting)
                reported[meeting.id] = store.reminders.reported_since(group.id, since)
        due = due_reminders(
            meetings, rules, audiences, reported, now=now, lookback=self.lookback,
            absences=absences,
        )
        due.extend(r for r in extras if r.due_at <= now)
        due.extend(self._answers(store, now))
        # The plan's milestones (rule `milestone`): app/followup.py plans them.
        due.extend(milestone_reminders_due(store, now, self.lookback))
        due.sort(key=lambda r: (r.due_at, r.key))
        for reminder in due:
            for platform in self._platforms_for(store, plan, reminder):
                plan.deliveries.append(Delivery(reminder, platform))
        return plan

    def _answers(self, store: SqlStore, now: datetime) -> list[Reminder]:
        """Answers to questions raised to another group, recorded within the lookback: each
        to the raising group's channel, once (the outbox's key is the question's)."""

        answered = store.agenda.answered_between(now - self.lookback, now)
        return [r for r in map(answer_reminder, answered) if r is not None]

    def channel_platforms(self, group: GroupInfo) -> list[str]:
        platforms = list(group.channels)
        configured = [p for p in platforms if p in self.platforms]
        local = [p for p in self.platforms if p in LOCAL_PLATFORMS]
        return configured or (local if platforms or local else [])

    def _platforms_for(self, store: SqlStore, plan: Plan, reminder: Reminder) -> list[str]:
        if reminder.person_id is None:
            group = plan.groups.get(reminder.group_id)
            return self.channel_platforms(group) if group is not None else []
        known = store.reminders.platforms_of(reminder.person_id)
        # A person on several doors is written to once, on the first door registered.
        for platform in self.platforms:
            if platform in known:
                return [platform]
        local = [p for p in self.platforms if p in LOCAL_PLATFORMS]
        return local[:1]
