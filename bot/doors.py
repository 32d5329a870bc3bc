"""Which doors there are: one line per chat platform (see bot/door.py for what a door is).

A new door (Mattermost, Matrix) is a new `bot/<name>/door.py` that builds a `Door`, and one
line in `DOORS`. The console (`bot/console/`) is the demo's door: it serves no HTTP and sends
through the scheduler's console messenger, so it is not listed here.
"""

from __future__ import annotations

from bot.door import Door
from bot.slack.door import SLACK
from bot.teams.door import TEAMS

# In the order a person on several doors is written to: the first one they use.
DOORS: tuple[Door, ...] = (TEAMS, SLACK)
