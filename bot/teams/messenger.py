"""Reminders into Teams: proactive messages from the stored conversation references.

`prepare` finds (or opens) the conversation, `send` posts the message: the reminder service
marks the delivery "sending" between the two. A channel reminder goes to the group's channel
(`teams_channel`, `19:…@thread.tacv2`) from the reference stored when the bot was added to the
team; a channel the bot never heard of is
still reached through the team's service URL when the bot is installed there (Teams answers
403 otherwise: a permanent failure, and the administrators are told). A personal reminder goes
to the person's 1:1 chat with the bot, by their AAD object id: from the stored reference, or
opened with `create_conversation` (and then remembered) when the bot is installed for them.

The event loop: the reminder service calls `send` in its worker thread, never on the event
loop (`scheduler/messenger.py`). botbuilder is asynchronous, so each message runs to the end on
a private event loop of that thread (`asyncio.run`), not on the server's loop through
`run_coroutine_threadsafe`:
- `samverkan reminders run` (cron) has no server and no loop to borrow;
- botbuilder makes blocking calls inside its coroutines (MSAL's token request, `requests` under
  msrest), which would stall the chat on the server's loop; here they stall only this thread;
- pacing waits (`sleep`) and the service's own retries happen in this thread as well, so a busy
  conversation never holds up the chat, and no loop is ever blocked by a reminder;
- there is no cross-thread hand-off that could deadlock when the server loop is itself busy or
  shutting down.
The cost is a loop per message (well under a millisecond) and a connector client per message,
which botbuilder makes per call anyway.

Errors: one attempt per message (see `bot.teams.connector`): 429 → `RateLimited` with Teams'
`Retry-After`; 412/5xx, timeouts, connection errors → `TransientSendError`; any other status →
`PermanentSendError`. The reminder service decides when to try again. Pacing: Teams' limits per
conversation (`Pacer`), waited out in this thread with an injectable `sleep`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, ConversationReference

from app.messages import Reply
from bot.teams.cards import fallback_text, reply_cards
from bot.teams.connector import (
    CHANNEL,
    REMINDER_INTERVAL,
    SHARED_PACER,
    Pacer,
    card_activity,
    created_reference,
    personal_parameters,
    post,
    proactive,
    send_error,
)
from bot.teams.references import References
from scheduler.messenger import PermanentSendError, SendError, Target

T = TypeVar("T")
SEND_TIMEOUT = 30.0


class TeamsMessenger:
    platform = "teams"
    min_interval = REMINDER_INTERVAL

    def __init__(
        self,
        adapter: BotAdapter,
        references: References,
        *,
        app_id: str,
        tenant_id: str | None = None,
        pacer: Pacer = SHARED_PACER,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = SEND_TIMEOUT,
    ) -> None:
        self.adapter = adapter
        self.references = references
        self.app_id = app_id
        self.tenant_id = tenant_id
        self.pacer = pacer
        self.sleep = sleep
        self.timeout = timeout

    def prepare(self, target: Target) -> Target:
        """The conversation reference to write to: stored, built from the team's service URL,
        or a person's 1:1 chat opened here (`create_conversation`, then remembered), so that
        `send` is the post alone."""

        return target.routed(self._reference(target))

    def send(self, target: Target, reply: Reply) -> None:
        summary = fallback_text(reply)
        activities = [card_activity(card, summary) for card in reply_cards(reply)]
        route = target.route
        reference = route if isinstance(route, ConversationReference) else self._reference(target)
        conversation = str(reference.conversation.id)
        for activity in activities:
            wait = self.pacer.reserve(conversation)
            if wait > 0:
                self.sleep(wait)
            self._run(self._post(reference, activity))

    # -- where to ---------------------------------------------------------------------------

    def _reference(self, target: Target) -> ConversationReference:
        address = target.address
        if target.kind == "channel":
            stored = self.references.get("channel", address) or self.references.get(
                "chat", address
            )
            if stored is not None:
                return stored
            base = self._base()
            return ConversationReference(
                channel_id=CHANNEL,
                service_url=base.service_url,
                bot=base.bot,
                conversation=ConversationAccount(
                    id=address, conversation_type="channel", is_group=True,
                    tenant_id=self._tenant(base),
                ),
            )
        stored = self.references.get("personal", address)
        if stored is not None:
            return stored
        base = self._base()
        opened = self._run(self._open_personal(base, address))
        self.references.save(("personal", address), opened)
        return opened

    def _base(self) -> ConversationReference:
        """Any place the bot was installed: its service URL and bot account reach the rest."""

        base = self.references.latest(self.tenant_id)
        if base is None:
            raise PermanentSendError("teams_not_installed")
        return base

    def _tenant(self, base: ConversationReference) -> str | None:
        if self.tenant_id:
            return self.tenant_id
        return base.conversation.tenant_id if base.conversation is not None else None

    # -- on the private loop ----------------------------------------------------------------

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            coroutine.close()
            raise RuntimeError("TeamsMessenger.send runs in a worker thread, not on a loop")
        try:
            return asyncio.run(asyncio.wait_for(coroutine, self.timeout))
        except SendError:
            raise
        except Exception as error:
            raise send_error(error) from None

    async def _post(self, reference: ConversationReference, activity: Activity) -> None:
        async def send(context: TurnContext) -> None:
            await post(context, [activity], pacer=None)

        await proactive(
            lambda logic: self.adapter.continue_conversation(
                reference, logic, bot_app_id=self.app_id
            ),
            send,
        )

    async def _open_personal(
        self, base: ConversationReference, aad_object_id: str
    ) -> ConversationReference:
        tenant = self._tenant(base)
        opened: list[ConversationReference] = []

        async def remember(context: TurnContext) -> None:
            opened.append(created_reference(context, aad_object_id, aad_object_id, tenant))

        bot = base.bot or ChannelAccount(id=f"28:{self.app_id}")
        parameters = personal_parameters(bot, aad_object_id, tenant)
        await proactive(
            lambda logic: self.adapter.create_conversation(
                self.app_id, logic, parameters, channel_id=CHANNEL,
                service_url=base.service_url,
            ),
            remember,
        )
        if not opened:
            raise PermanentSendError("teams_no_conversation")
        return opened[0]
