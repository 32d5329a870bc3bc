"""Answers to questions raised to another group, delivered to the raising group's channel.

The one delivery of the meeting cycle that does not go through the reminder outbox yet (its
repository is being rebuilt): `app.agenda.report_answers` claims each answer in the database
(`agenda_items.answer_reported_at`, a conditional update in its own transaction) before it is
sent, so it goes at most once across restarts and instances, and gives it back when the
platform did not take it, for the next tick. Runs at the end of each reminder tick.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from app.agenda import report_answers
from app.dispatch import StoreFactory
from app.messages import Reply
from domain.model import GroupInfo
from scheduler.messenger import Messenger, SendError, Target

log = logging.getLogger(__name__)


def deliver_answers(
    stores: StoreFactory,
    messengers: Mapping[str, Messenger],
    channel_platforms: Callable[[Mapping[str, str]], list[str]],
    now: datetime,
    language: str,
) -> list[int]:
    """Sends every answer not yet handed over; the numbers of the questions answered."""

    def send(group: GroupInfo, reply: Reply) -> bool:
        platforms = channel_platforms(group.channels)
        if not platforms:
            return True  # no channel anywhere: nothing to hand it to, and nothing to retry
        delivered = False
        for platform in platforms:
            address = group.channels.get(platform) or group.id
            target = Target("channel", platform, address, group_id=group.id,
                            label=f"#{group.short_name}")
            try:
                messengers[platform].send(target, reply)
                delivered = True
            except SendError as error:
                log.warning("question answer not delivered",
                            extra={"group": group.id, "platform": platform, "code": error.code})
        return delivered

    return report_answers(stores, send, now, language)
