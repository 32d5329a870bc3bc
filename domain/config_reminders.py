"""A meeting series' reminders in the configuration: which are sent, when, and where.

Without a `[groups.series.reminders]` table a series keeps the groups' own habits (the
defaults below, which are the behaviour before these settings existed):

- `update_request` (the request for updates, `update_request_days_before`): to the group's
  channel and, to each member who has not reported, directly (`update_request_to = "both"`);
  the direct nudge (`nudge_days_before`, 0 for none) follows the direct requests.
- `convener_prepare` (`convener_working_days_before`) and `after_meeting`: to the convener
  (the convening organisation's contact, or the stand-in while the contact is away).
- `day_before`: to the channel (`day_before_to = "channel"`).

`*_to` is "channel", "direct" or "both". A group without a channel gets "channel" reminders
directly, as before; a person who turned direct reminders off (`påminnelser av`) still gets
none. `no_stand_in_alert_working_days_before`: how many working days before a meeting the
administrators are told that its convener is away and the organisation has no stand-in.
"""

from __future__ import annotations

from datetime import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Audience = Literal["channel", "direct", "both"]


class ReminderRules(BaseModel):
    """When and where a series' reminders go out; the defaults are the groups' own habits."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    update_request: bool = True
    update_request_days_before: int = Field(default=7, ge=1, le=60)
    update_request_to: Audience = "both"
    # 0 turns the second, gentler nudge off (TOML has no null).
    nudge_days_before: int = Field(default=2, ge=0, le=30)
    convener_prepare: bool = True
    convener_working_days_before: int = Field(default=5, ge=1, le=30)
    day_before: bool = True
    day_before_to: Audience = "channel"
    after_meeting: bool = True
    send_at: time = time(9, 0)
    no_stand_in_alert_working_days_before: int = Field(default=5, ge=1, le=30)
