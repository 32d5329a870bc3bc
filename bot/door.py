"""What a door is: the interface each chat platform's folder `bot/<name>/` implements.

A door turns the platform's requests into `Command`s and `FormSubmission`s for the dispatcher
(receive), renders each `Reply` in the platform's own markup with user text escaped (render),
sends what the scheduler hands its messenger (send), tells the dispatcher who a platform user
is by their platform id and e-mail (`Command.user_id`, `Command.email`: identities), and keeps
whatever it needs to write to a person later (conversation references, in storage). Nothing
outside its folder knows the platform: the rest of the bot sees a door's name (the key of a
person's and a group's platform ids, `Command.platform`) and this interface.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiohttp import web

    from bot.runtime import Runtime
    from bot.settings import Settings
    from scheduler.messenger import Messenger
    from storage.repositories import StoreFactory


@dataclass(frozen=True)
class Door:
    name: str
    # Whether the settings connect this door (its secrets are set).
    configured: Callable[[Settings], bool]
    # Receive: add the door's routes to the bot's one web app (`options`: the door's own, such
    # as test credentials); False when it is not served, having logged why.
    attach: Callable[[web.Application, Runtime, bool, Mapping[str, Any]], bool]
    # Send: the messenger the scheduler delivers through; None when it cannot be built from
    # what it is given (a door that writes from stored conversation references needs the stores).
    messenger: Callable[[Settings, StoreFactory | None], Messenger | None]
