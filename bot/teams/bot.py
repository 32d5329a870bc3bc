"""The Teams door: a botbuilder `ActivityHandler` between Teams' activities and the dispatcher.

- A message (`@Samverkan status` in a channel, `status` in a 1:1 chat) becomes a `Command`:
  the bot's own mention removed, the person by AAD object id (else Teams user id), the place
  by channel id (else conversation id), the e-mail asked of Teams once while the person is
  not yet known to the bot.
- The dispatcher runs in a worker thread with a time budget (`TURN_BUDGET_SECONDS`): Teams
  gives a turn about 15 s. When the budget runs out, the bot says it is working on it, ends
  the turn, and sends the answer proactively (`continue_conversation`) when it is ready.
- A card's `Action.Submit` (the `rapportera` form) becomes a `FormSubmission`; the card is
  updated in place to the confirmation, or re-shown with each error under its field. A
  reminder's "Rapportera" button (`report.open`) opens the form.
- Answers about the asker alone (`Reply.personal`: `vem`, `mina`, `mina-data`, ...) asked in a
  channel or group chat go to the person's 1:1 chat; where it cannot be opened, the thread
  asks them to write to the bot directly, and shows nothing of the answer. What is a 1:1 chat
  is what Teams says it is (`bot.teams.references.conversation_type`).
- Forms are personal too: one opened in a channel or group chat goes to the person's 1:1 chat
  with the bot (a card in a channel could be filled in by anyone, its values and confirmation
  would show for everyone); the thread is told so, or asked to write to the bot directly.
- Every install, "bot added" and message stores the place's conversation reference.
- Invokes get the body Microsoft documents for their name (`bot.teams.invokes`); an activity
  type the bot does not use is acknowledged and nothing more.
- Text in cards is shown as text (`bot.teams.markup`); only the bot's own links are live.
- Anything that fails in a turn is answered with the catalog's friendly error and an incident
  reference; the log gets the reference and the error's class and place, no message text,
  no names.

Only this package imports botbuilder (see ARCHITECTURE.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
import re
import traceback
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any

from botbuilder.core import ActivityHandler, BotAdapter, InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity, ChannelAccount, ConversationReference

from app.dispatch import Dispatcher
from app.i18n import Translator, translator
from app.messages import Command, FormSubmission, Reply, Text
from app.reminders import REPORT_ACTION
from bot.teams.cards import (
    FORM_ACTION,
    TEXT_BUDGET,
    Card,
    FormTooLarge,
    fallback_text,
    form_card,
    reply_cards,
    submitted,
)
from bot.teams.connector import (
    CHANNEL,
    SHARED_PACER,
    TURN_RETRIES,
    Pacer,
    card_activity,
    close_connector,
    created_reference,
    personal_parameters,
    post,
    proactive,
    send_error,
    text_activity,
    update,
)
from bot.teams.invokes import invoke_answer
from bot.teams.markup import TeamsMarkup
from bot.teams.references import (
    References,
    channel_of,
    conversation_type,
    place_of,
    tenant_of,
    user_of,
)

log = logging.getLogger(__name__)

# Teams gives up on a turn after about 15 s; the answer, or "working on it", comes well before.
TURN_BUDGET_SECONDS = 5.0
REPORT_COMMAND = "rapportera"
_AT_TAG = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)


def command_text(activity: Activity) -> str:
    """The words of a message, without the bot's own @mention.

    Not `TurnContext.remove_recipient_mention`: that removes every occurrence of the bot's
    name anywhere in the text (and reads the name as a regular expression), so "@Samverkan
    rapportera VIP-1 pågår Samverkan med skolan" would lose the second "Samverkan" from the
    report. Here only the mention tag itself goes; other mentions keep the name they show.
    """

    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    for mention in TurnContext.get_mentions(activity):
        props = mention.additional_properties or {}
        mentioned = props.get("mentioned") or {}
        tag = props.get("text")
        if bot_id and mentioned.get("id") == bot_id and isinstance(tag, str) and tag:
            text = text.replace(tag, " ", 1)
    text = _AT_TAG.sub(lambda m: m.group(1), text)
    text = html.unescape(text).replace("\u00a0", " ")
    return " ".join(text.split())


def delivery_id(activity: Activity) -> str | None:
    """Teams' id of a message, for the dispatcher to handle it once: the activity id within
    its conversation (Teams' ids are unique per conversation only), hashed to a fixed size."""

    if not activity.id:
        return None
    conversation = str(activity.conversation.id or "") if activity.conversation else ""
    digest = hashlib.sha256(f"{conversation}\n{activity.id}".encode()).hexdigest()[:40]
    return f"msg:{digest}"


@dataclass(frozen=True)
class Origin:
    """Where a turn came from: enough to answer it, in the turn or later from another one."""

    reference: ConversationReference
    kind: str  # personal, channel, groupChat
    user_id: str
    member_id: str
    tenant_id: str | None
    service_url: str
    reply_to: str | None
    # The card a submission came from: it is updated in place.
    card_id: str | None
    channel_id: str | None

    @staticmethod
    def of(activity: Activity) -> Origin:
        reference = TurnContext.get_conversation_reference(activity)
        account = activity.from_property
        return Origin(
            reference=reference,
            kind=conversation_type(activity),
            user_id=user_of(activity),
            member_id=str(account.id) if account is not None and account.id else "",
            tenant_id=tenant_of(activity),
            service_url=str(activity.service_url or ""),
            reply_to=activity.id,
            card_id=activity.reply_to_id,
            channel_id=channel_of(activity) or (
                str(activity.conversation.id) if activity.conversation else None
            ),
        )


class TeamsDoor(ActivityHandler):  # type: ignore[misc]
    def __init__(
        self,
        dispatcher: Dispatcher,
        references: References,
        adapter: BotAdapter,
        *,
        app_id: str,
        default_language: str,
        public_base_url: str = "",
        turn_budget: float = TURN_BUDGET_SECONDS,
        pacer: Pacer = SHARED_PACER,
    ) -> None:
        self.dispatcher = dispatcher
        self.references = references
        self.adapter = adapter
        self.app_id = app_id
        self.default_language = default_language
        self.t: Translator = translator(default_language)
        # Links under the bot's own address (downloads, extracts, calendars) stay live.
        self.markup = TeamsMarkup(public_base_url)
        self.turn_budget = turn_budget
        self.pacer = pacer
        self._background: set[asyncio.Task[None]] = set()

    # -- the turn -----------------------------------------------------------------------------

    async def on_turn(self, turn_context: TurnContext) -> None:
        try:
            await super().on_turn(turn_context)
        except Exception as error:
            await self.on_error(turn_context, error)
        finally:
            await close_connector(turn_context)

    async def on_error(self, turn_context: TurnContext, error: Exception) -> None:
        """The catch-all (also the adapter's `on_turn_error`): a friendly answer, a clean log."""

        incident = uuid.uuid4().hex[:8]
        frames = traceback.extract_tb(error.__traceback__)
        where = f"{frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else "?"
        log.error(
            "teams turn failed",
            extra={"incident": incident, "error": type(error).__name__, "where": where,
                   "code": send_error(error).code},
        )
        try:
            await post(turn_context, [text_activity(self.t("error.internal", incident=incident))],
                       reply_to=turn_context.activity.id, pacer=self.pacer)
        except Exception as again:
            log.warning("teams error answer failed",
                        extra={"incident": incident, "code": send_error(again).code})

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        remembered = await self._remember(activity)
        try:
            await self._on_message(turn_context, activity)
        finally:
            if not remembered:
                # A person matched by e-mail in this turn: their 1:1 chat is known from now.
                await self._remember(activity)

    async def _on_message(self, turn_context: TurnContext, activity: Activity) -> None:
        origin = Origin.of(activity)
        if isinstance(activity.value, dict) and activity.value.get("action"):
            await self._on_card_action(turn_context, origin, activity.value)
            return
        command = Command(
            platform="teams",
            user_id=origin.user_id,
            text=command_text(activity),
            channel_id=origin.channel_id,
            email=await self._email(turn_context, origin),
            delivery_id=delivery_id(activity),
            text_budget=TEXT_BUDGET,
        )
        await self._run(turn_context, origin, lambda: self.dispatcher.handle(command))

    async def _on_card_action(
        self, turn_context: TurnContext, origin: Origin, value: dict[str, Any]
    ) -> None:
        meta, values = submitted(value)
        action = meta.get("action", "")
        if action == FORM_ACTION:
            card = origin.card_id or origin.reply_to or ""
            submission = FormSubmission(
                platform="teams",
                user_id=origin.user_id,
                form_id=meta.get("form", ""),
                values=values,
                state=meta.get("state", ""),
                email=await self._email(turn_context, origin),
                # One card, one stored update per person, however often it is submitted.
                delivery_id=f"card:{card}:{origin.user_id}"[:190],
            )
            await self._run(turn_context, origin, lambda: self.dispatcher.submit(submission),
                            from_card=True)
            return
        if action == REPORT_ACTION:
            # The button's value names the group; `rapportera` takes no group (see Slack's).
            command = Command(
                platform="teams", user_id=origin.user_id, text=REPORT_COMMAND,
                channel_id=origin.channel_id, email=await self._email(turn_context, origin),
                text_budget=TEXT_BUDGET,
            )
            await self._run(turn_context, origin, lambda: self.dispatcher.handle(command))
            return
        log.info("teams card action unknown", extra={"action": action[:64]})
        await post(turn_context, [text_activity(self.t("teams.unknown_action"))],
                   reply_to=origin.reply_to, pacer=self.pacer, retries=TURN_RETRIES)

    async def _run(
        self,
        turn_context: TurnContext,
        origin: Origin,
        work: Callable[[], Reply],
        *,
        from_card: bool = False,
    ) -> None:
        task = asyncio.ensure_future(asyncio.to_thread(work))
        try:
            reply = await asyncio.wait_for(asyncio.shield(task), self.turn_budget)
        except TimeoutError:
            # The turn ends now; the answer follows proactively once the work is done.
            await post(turn_context, [text_activity(self.t("teams.working"))],
                       reply_to=origin.reply_to, pacer=self.pacer, retries=TURN_RETRIES)
            self._later(self._answer_later(task, origin, from_card))
            return
        await self._answer(turn_context, origin, reply, from_card=from_card)

    def _later(self, work: Coroutine[Any, Any, None]) -> None:
        async def guarded() -> None:
            try:
                await work
            except Exception as error:
                log.error("teams late answer failed",
                          extra={"error": type(error).__name__, "code": send_error(error).code})

        task = asyncio.get_running_loop().create_task(guarded())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _answer_later(
        self, task: asyncio.Future[Reply], origin: Origin, from_card: bool
    ) -> None:
        reply = await task

        async def deliver(context: TurnContext) -> None:
            await self._answer(context, origin, reply, from_card=from_card)

        await proactive(
            lambda logic: self.adapter.continue_conversation(
                origin.reference, logic, bot_app_id=self.app_id
            ),
            deliver,
        )

    # -- answering ---------------------------------------------------------------------------

    async def _answer(
        self, context: TurnContext, origin: Origin, reply: Reply, *, from_card: bool
    ) -> None:
        if reply.attachments:
            # A chart of 50 KB does not fit a Teams message (28 KB, base64 included): said,
            # not dropped silently; the report's file (its link is in the reply) has it.
            files = ", ".join(a.filename for a in reply.attachments)
            note = Text(self.t("teams.attachments_not_shown", files=files))
            reply = replace(reply, blocks=(*reply.blocks, note), attachments=())
        shared = origin.kind != "personal"
        about_one = reply.form is not None or reply.personal
        if from_card and origin.card_id and not (shared and about_one):
            if reply.form is not None:
                card = self._form_card(reply)
                await self._replace(context, origin, card_activity(card) if card is not None
                                    else text_activity(self.t("teams.form_too_large")))
                return
            cards = reply_cards(reply, self.markup)
            await self._replace(context, origin, card_activity(cards[0], fallback_text(reply)))
            await self._post(context, cards[1:], reply, origin.reply_to)
            return
        if reply.form is not None:
            await self._show_form(context, origin, reply)
            return
        if reply.personal and shared:
            await self._answer_in_personal_chat(context, origin, reply)
            return
        await self._post(context, reply_cards(reply, self.markup), reply, origin.reply_to)

    async def _answer_in_personal_chat(
        self, context: TurnContext, origin: Origin, reply: Reply
    ) -> None:
        """An answer about the asker alone, asked in a channel or group chat, goes to their 1:1
        chat; the thread is told where. If that chat cannot be opened, the answer is not shown
        in the thread either: the person is asked to write to the bot directly."""

        summary = fallback_text(reply)
        activities = [card_activity(card, summary) for card in reply_cards(reply, self.markup)]
        sent = await self._to_personal_chat(origin, activities)
        note = "teams.answer_in_personal_chat" if sent else "teams.ask_in_personal_chat"
        await post(context, [text_activity(self.t(note))], reply_to=origin.reply_to,
                   pacer=self.pacer, retries=TURN_RETRIES)

    async def _post(
        self, context: TurnContext, cards: list[Card], reply: Reply, reply_to: str | None
    ) -> None:
        summary = fallback_text(reply)
        await post(context, [card_activity(card, summary) for card in cards], reply_to=reply_to,
                   pacer=self.pacer, retries=TURN_RETRIES)

    def _form_card(self, reply: Reply) -> Card | None:
        assert reply.form is not None
        try:
            return form_card(reply.form, reply, self.markup)
        except FormTooLarge:
            log.warning("teams form too large", extra={"form": reply.form.id})
            return None

    async def _replace(self, context: TurnContext, origin: Origin, activity: Activity) -> None:
        assert origin.card_id is not None
        try:
            await update(context, origin.card_id, activity, retries=TURN_RETRIES)
        except Exception as error:
            # An old card Teams no longer lets the bot change: the answer comes as a message.
            log.warning("teams card update failed", extra={"code": send_error(error).code})
            await post(context, [activity], reply_to=origin.reply_to, pacer=self.pacer,
                       retries=TURN_RETRIES)

    async def _show_form(self, context: TurnContext, origin: Origin, reply: Reply) -> None:
        card = self._form_card(reply)
        if card is None:
            await post(context, [text_activity(self.t("teams.form_too_large"))],
                       reply_to=origin.reply_to, pacer=self.pacer, retries=TURN_RETRIES)
            return
        activity = card_activity(card, fallback_text(reply))
        if origin.kind == "personal":
            await post(context, [activity], reply_to=origin.reply_to, pacer=self.pacer,
                       retries=TURN_RETRIES)
            return
        # Never in a channel or group chat: anyone there could read and fill it in.
        sent = await self._to_personal_chat(origin, [activity])
        note = "teams.form_in_personal_chat" if sent else "teams.form_ask_in_personal_chat"
        await post(context, [text_activity(self.t(note))], reply_to=origin.reply_to,
                   pacer=self.pacer, retries=TURN_RETRIES)

    async def _to_personal_chat(self, origin: Origin, activities: list[Activity]) -> bool:
        """Sends into the person's 1:1 chat with the bot, opening it if need be."""

        if not origin.user_id or not origin.member_id:
            return False

        async def send(context: TurnContext) -> None:
            await post(context, activities, pacer=self.pacer, retries=TURN_RETRIES)

        async def opened(context: TurnContext) -> None:
            reference = created_reference(context, origin.member_id, origin.user_id,
                                          origin.tenant_id)
            await asyncio.to_thread(self.references.save, ("personal", origin.user_id),
                                    reference)
            await send(context)

        try:
            reference = await asyncio.to_thread(self.references.get, "personal", origin.user_id)
            if reference is not None:
                await proactive(
                    lambda logic: self.adapter.continue_conversation(
                        reference, logic, bot_app_id=self.app_id
                    ),
                    send,
                )
            else:
                bot = origin.reference.bot or ChannelAccount(id=f"28:{self.app_id}")
                parameters = personal_parameters(bot, origin.member_id, origin.tenant_id)
                await proactive(
                    lambda logic: self.adapter.create_conversation(
                        self.app_id, logic, parameters, channel_id=CHANNEL,
                        service_url=origin.service_url,
                    ),
                    opened,
                )
        except Exception as error:
            log.warning("teams personal chat unavailable", extra={"code": send_error(error).code})
            return False
        return True

    # -- identity ------------------------------------------------------------------------------

    async def _email(self, context: TurnContext, origin: Origin) -> str | None:
        """The person's e-mail from Teams, asked only while the bot does not know them."""

        if not origin.user_id or not origin.member_id:
            return None
        if await asyncio.to_thread(self.dispatcher.knows, "teams", origin.user_id):
            return None
        try:
            member = await TeamsInfo.get_member(context, origin.member_id)
        except Exception as error:
            log.info("teams member lookup failed", extra={"code": send_error(error).code})
            return None
        for candidate in (member.email, member.user_principal_name):
            if isinstance(candidate, str) and "@" in candidate:
                return candidate.strip()
        return None

    # -- invokes and what the bot does not use ------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        log.debug("teams invoke answered", extra={"invoke": str(activity.name or "")[:64]})
        body = invoke_answer(activity.name, activity.locale, self.default_language)
        return InvokeResponse(status=200, body=body)

    async def on_unrecognized_activity_type(self, turn_context: TurnContext) -> None:
        log.debug("teams activity ignored", extra={"type": str(turn_context.activity.type)[:64]})

    # -- installs and places -------------------------------------------------------------------

    async def _remember(self, activity: Activity) -> bool:
        """Stores the place's reference; a 1:1 chat only once its person is known to the bot
        (nothing is kept about someone the configuration does not name). False: not yet."""

        def work() -> bool:
            place = place_of(activity)
            if place is None:
                return True
            if place[0] == "personal" and not self.dispatcher.knows("teams", place[1]):
                return False
            self.references.remember(activity)
            return True

        try:
            return await asyncio.to_thread(work)
        except Exception as error:
            # The answer matters more (the database away: the dispatcher says so); the next
            # activity from this place stores its reference. True: not tried again this turn.
            log.warning("teams reference not stored", extra={"error": type(error).__name__})
            return True

    async def on_installation_update(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.action == "remove":
            await asyncio.to_thread(self.references.forget, activity)
            return
        # "add", and "add-upgrade"/"remove-upgrade" of a new app version: still installed.
        await self._remember(activity)
        if activity.action == "add" and conversation_type(activity) == "personal":
            await post(turn_context, [text_activity(self.t("unknown.empty"))], pacer=self.pacer,
                       retries=TURN_RETRIES)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(member.id == bot_id for member in members_added):
            await self._remember(turn_context.activity)

    async def on_members_removed_activity(
        self, members_removed: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(member.id == bot_id for member in members_removed):
            await asyncio.to_thread(self.references.forget, turn_context.activity)
