"""The Slack door: a real Bolt app, over HTTP (`/slack/events`) or Socket Mode.

Every listener acknowledges first and works after: Slack gives three seconds, and the database
or a report may take longer. Answers go back through `respond` (the payload's response_url) or
the Web API. Handlers run in a worker thread, so nothing blocks the event loop.

Everything else Slack sends (events the bot does not use, `view_closed`, shortcuts, message
actions, an old button's action id, `block_suggestion`) is acknowledged with an empty 200 and
logged at DEBUG with its type: Bolt answers 404 to what no listener takes, and Slack then shows
the person an error, or retries an event and may switch the subscription off. Bolt's own way is
used: `raise_error_for_unhandled_request` hands such a request to the error handler, which
answers it.

With `SLACK_TEAM_ID` set, a request from another workspace is acknowledged and ignored: nothing
is answered, stored or looked up (no e-mail is asked for, so no Slack id of another workspace
is ever linked to a person).

A slash command's `trigger_id` is its delivery id: the dispatcher handles it once, and a resend
gets the first reply again (see `app.dispatch`).

Only this package imports slack_bolt and slack_sdk.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.error import BoltUnhandledRequestError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from app.dispatch import Dispatcher
from app.i18n import translator
from app.messages import (
    Attachment,
    Button,
    Buttons,
    Command,
    FormSubmission,
    Reply,
    Text,
)
from bot.slack.blocks import (
    FORM_CALLBACK,
    TEXT_BUDGET,
    form_errors,
    form_view,
    reply_blocks,
    reply_messages,
    submitted_values,
)
from bot.slack.mrkdwn import Mrkdwn

log = logging.getLogger(__name__)

SHARE_ACTION = "samverkan.share"
REPORT_ACTION = "report.open"
# Slack waits 3 s for a view submission's answer; a slower store answers afterwards instead.
SUBMIT_BUDGET_SECONDS = 2.5


class SlackDoor:
    """Translates Slack payloads to `Command`s and `Reply`s to Block Kit."""

    def __init__(self, dispatcher: Dispatcher, client: AsyncWebClient, default_language: str,
                 mrkdwn: Mrkdwn | None = None):
        self.dispatcher = dispatcher
        self.client = client
        self.default_language = default_language
        self.mrkdwn = mrkdwn or Mrkdwn()
        self._background: set[asyncio.Task[None]] = set()

    # -- identity -----------------------------------------------------------------------------

    async def email_of(self, user_id: str) -> str | None:
        """The user's e-mail, asked once when Slack's id is not yet known to the bot."""

        known = await asyncio.to_thread(self.dispatcher.knows, "slack", user_id)
        if known:
            return None
        try:
            response = await self.client.users_info(user=user_id)
        except SlackApiError:
            return None
        profile = (response.get("user") or {}).get("profile") or {}
        email = profile.get("email")
        return str(email) if email else None

    async def run(self, command: Command) -> Reply:
        return await asyncio.to_thread(self.dispatcher.handle, command)

    async def command_for(self, user_id: str, text: str, channel_id: str | None,
                          delivery_id: str | None = None) -> Command:
        return Command(
            platform="slack",
            user_id=user_id,
            text=text,
            channel_id=channel_id,
            email=await self.email_of(user_id),
            delivery_id=delivery_id,
            text_budget=TEXT_BUDGET,
        )

    def messages(self, reply: Reply) -> list[dict[str, Any]]:
        return reply_messages(reply, self.mrkdwn)

    def later(self, work: Awaitable[None]) -> None:
        """Runs work after the acknowledgement; keeps a reference so it is not collected."""

        async def guarded() -> None:
            try:
                await work
            except Exception:
                log.exception("slack background work failed")

        task = asyncio.get_running_loop().create_task(guarded())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- answering ---------------------------------------------------------------------------

    async def answer(
        self,
        reply: Reply,
        respond: Callable[..., Awaitable[Any]],
        *,
        trigger_id: str | None,
        channel_id: str | None,
        command_text: str,
        user_id: str | None = None,
    ) -> None:
        if reply.form is not None and trigger_id:
            view = form_view(reply.form, context={"channel": channel_id or ""})
            await self.open_modal(trigger_id, view)
            return
        if reply.shareable and reply.visibility == "private" and channel_id:
            t = translator(self.default_language)
            share = Button(t("slack.share_button"), SHARE_ACTION, command_text)
            reply = replace(reply, blocks=(*reply.blocks, Buttons((share,))))
        response_type = "in_channel" if reply.visibility == "channel" else "ephemeral"
        for payload in self.messages(reply):
            await respond(response_type=response_type, replace_original=False, **payload)
        for attachment in reply.attachments:
            await self.upload(attachment, user_id=user_id, channel_id=channel_id,
                              public=reply.visibility == "channel")

    async def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None:
        """A trigger opens one modal, once, within 3 s: a resent command's cannot open another."""

        try:
            await self.client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as error:
            log.warning("slack modal not opened",
                        extra={"code": str(error.response.get("error", "unknown"))})

    async def upload(self, attachment: Attachment, *, user_id: str | None,
                     channel_id: str | None, public: bool) -> None:
        """Slack takes files directly: a chart or export goes where the answer went.

        A private answer's file goes to the asker's direct messages, never to the channel.
        """

        if public and channel_id:
            destination = channel_id
        elif user_id:
            opened = await self.client.conversations_open(users=user_id)
            destination = opened["channel"]["id"]
        else:
            return
        try:
            await self.client.files_upload_v2(
                channel=destination, content=attachment.content,
                filename=attachment.filename, title=attachment.filename,
            )
        except SlackApiError as error:
            log.warning("slack file upload failed",
                        extra={"code": str(error.response.get("error", "unknown"))})

    async def open_form_for(self, user_id: str, text: str, trigger_id: str,
                            channel_id: str | None) -> None:
        reply = await self.run(await self.command_for(user_id, text, channel_id))
        if reply.form is not None:
            view = form_view(reply.form, context={"channel": channel_id or ""})
            await self.open_modal(trigger_id, view)
        else:
            for payload in self.messages(reply):
                await self._post_private(user_id, channel_id, payload)

    async def _post_private(self, user_id: str, channel_id: str | None,
                            payload: dict[str, Any]) -> None:
        if channel_id and not channel_id.startswith("D"):
            try:
                await self.client.chat_postEphemeral(channel=channel_id, user=user_id, **payload)
                return
            except SlackApiError:
                pass
        opened = await self.client.conversations_open(users=user_id)
        await self.client.chat_postMessage(channel=opened["channel"]["id"], **payload)

    async def submit(self, body: dict[str, Any]) -> tuple[Reply, FormSubmission]:
        view = body["view"]
        metadata = json.loads(view.get("private_metadata") or "{}")
        user_id = body["user"]["id"]
        submission = FormSubmission(
            platform="slack",
            user_id=user_id,
            form_id=str(metadata.get("form", "")),
            values=submitted_values(view.get("state", {}).get("values", {})),
            state=str(metadata.get("state", "")),
            email=await self.email_of(user_id),
            delivery_id=f"view:{view.get('id', '')}:{view.get('hash', '')}",
        )
        return await asyncio.to_thread(self.dispatcher.submit, submission), submission

    async def answer_late(
        self,
        submitting: Awaitable[tuple[Reply, FormSubmission]],
        user_id: str,
        channel_id: str | None,
    ) -> None:
        """The answer to a submission that outlived Slack's window, once its modal is closed."""

        reply, _submission = await submitting
        if reply.form is not None and reply.form.has_errors:
            # The modal is gone: the errors it would have shown go in the message.
            errors = tuple(Text(f.error) for f in reply.form.fields if f.error)
            reply = Reply(reply.heading, (*reply.blocks, *errors), is_error=True)
        for payload in self.messages(reply):
            await self._post_private(user_id, channel_id, payload)

    async def publish_home(self, user_id: str) -> None:
        reply = await self.run(await self.command_for(user_id, "hem", None))
        await self.client.views_publish(
            user_id=user_id, view={"type": "home", "blocks": reply_blocks(reply, self.mrkdwn)[:100]}
        )


def register(app: AsyncApp, door: SlackDoor) -> None:
    """All listeners: the slash command, buttons, the form modal, the Home tab."""

    @app.command("/samverkan")
    async def on_command(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        text = str(body.get("text") or "")

        async def work() -> None:
            command = await door.command_for(body["user_id"], text, body.get("channel_id"),
                                             delivery_id=body.get("trigger_id"))
            reply = await door.run(command)
            await door.answer(reply, respond, trigger_id=body.get("trigger_id"),
                              channel_id=body.get("channel_id"), command_text=text,
                              user_id=body["user_id"])

        door.later(work())

    @app.action(REPORT_ACTION)
    async def on_report_button(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        # The button's value names the group, but `rapportera` takes no group: its form
        # already lists every activity the person may report on (`rapportera --grupp X` was
        # read as an activity called "--grupp X" and answered "no such activity").
        channel = (body.get("channel") or {}).get("id")
        door.later(
            door.open_form_for(body["user"]["id"], "rapportera", body["trigger_id"], channel)
        )

    @app.action(SHARE_ACTION)
    async def on_share(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        channel = (body.get("channel") or {}).get("id")
        text = str(body["actions"][0].get("value") or "")
        trigger = str(body.get("trigger_id") or "")
        delivery = f"share:{trigger}" if trigger else ""

        async def work() -> None:
            # Posted to the channel once per click, however often Slack's request comes.
            first = await asyncio.to_thread(door.dispatcher.first_delivery, "slack", delivery)
            if not first:
                return
            command = await door.command_for(body["user"]["id"], text, channel)
            reply = await door.run(command)
            if channel and not reply.is_error:
                for payload in door.messages(reply):
                    await door.client.chat_postMessage(channel=channel, **payload)
                t = translator(door.default_language)
                await respond(text=t("slack.shared"), response_type="ephemeral",
                              replace_original=False)
            elif reply.is_error:  # nothing shared, and the person is told why (to them only)
                for payload in reply_messages(reply):
                    await respond(response_type="ephemeral", replace_original=False, **payload)

        door.later(work())

    @app.view(FORM_CALLBACK)
    async def on_form(ack: Any, body: dict[str, Any]) -> None:
        metadata = json.loads(body["view"].get("private_metadata") or "{}")
        user_id, channel = body["user"]["id"], metadata.get("channel")
        submitting = asyncio.ensure_future(door.submit(body))
        try:
            reply, _submission = await asyncio.wait_for(
                asyncio.shield(submitting), timeout=SUBMIT_BUDGET_SECONDS
            )
        except TimeoutError:
            # Too slow to answer inside Slack's window: close the modal. The submission
            # finishes in its thread (shielded: a timeout must not drop its answer), and the
            # answer comes as a private message instead: the confirmation, or what to fix.
            await ack()
            door.later(door.answer_late(submitting, user_id, channel))
            return
        if reply.form is not None and form_errors(reply.form):
            await ack(response_action="errors", errors=form_errors(reply.form))
            return
        await ack()
        for payload in door.messages(reply):
            door.later(door._post_private(user_id, channel, payload))

    @app.event("app_home_opened")
    async def on_home(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab") not in (None, "home"):
            return
        event_id = str(body.get("event_id", ""))
        first = await asyncio.to_thread(door.dispatcher.first_delivery, "slack", event_id)
        if first:
            door.later(door.publish_home(event["user"]))


def _bolt_logger() -> logging.Logger:
    """The base logger Bolt copies its loggers' level from: WARNING, whatever the root says.

    Without one, each Bolt logger copies the root logger's level when it is made (INFO under
    `samverkan serve`), past `bot.logs`' WARNING for `slack_bolt`; and Bolt logs a refused
    request's whole body (user ids, typed text, response_url) at INFO.
    """

    logger = logging.getLogger(f"{__name__}.bolt")
    logger.setLevel(logging.WARNING)
    return logger


def kind_of(body: dict[str, Any]) -> str:
    """What Slack sent, for a log line: its type (and an event's), never what it says."""

    if "command" in body and "type" not in body:
        return "command"
    kind = str(body.get("type") or "unknown")
    event = body.get("event")
    if kind == "event_callback" and isinstance(event, dict):
        kind = f"{kind}/{event.get('type')}"
    return "".join(ch for ch in kind if ch.isascii() and (ch.isalnum() or ch in "_./"))[:64]


def _answer_the_unused(app: AsyncApp) -> None:
    """An empty 200 for every request no listener takes; other errors are logged as errors."""

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        if isinstance(error, BoltUnhandledRequestError):
            log.debug("slack request not used", extra={"kind": kind_of(body)})
            return BoltResponse(status=200, body="")
        log.error("slack listener failed", exc_info=error, extra={"kind": kind_of(body)})
        return None


def _only_workspaces(app: AsyncApp, served: frozenset[str]) -> None:
    """Requests from workspaces other than `served` are acknowledged and go no further."""

    @app.middleware
    async def only_served_workspaces(
        context: AsyncBoltContext, body: dict[str, Any], next: Callable[[], Awaitable[Any]]
    ) -> BoltResponse | None:
        user = body.get("user")
        named = [context.team_id, context.actor_team_id,
                 user.get("team_id") if isinstance(user, dict) else None]
        if context.team_id is not None and all(t in served for t in named if t is not None):
            await next()
            return None
        log.info("slack request from another workspace ignored",
                 extra={"kind": kind_of(body), "team": str(context.team_id)[:32]})
        return BoltResponse(status=200, body="")


def build_app(
    dispatcher: Dispatcher,
    *,
    token: str,
    signing_secret: str,
    api_url: str | None,
    default_language: str,
    public_base_url: str | None = None,
    team_ids: frozenset[str] = frozenset(),
) -> tuple[AsyncApp, SlackDoor]:
    """`team_ids`: the workspaces served (empty: any the token reaches)."""

    client = AsyncWebClient(token=token, base_url=api_url or AsyncWebClient.BASE_URL)
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        process_before_response=False,
        raise_error_for_unhandled_request=True,
        logger=_bolt_logger(),
    )
    _answer_the_unused(app)
    if team_ids:
        _only_workspaces(app, team_ids)
    door = SlackDoor(dispatcher, client, default_language, Mrkdwn(public_base_url))
    register(app, door)
    return app, door
