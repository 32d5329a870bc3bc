"""Invokes: Teams waits for an answer, so every one gets 200 and the body its name documents.

Samverkansboten's cards use `Action.Submit` (a message with a value), and it has no message
extension, dialog (task module), tab, sign-in or file consent. Teams may still send those
invokes (an `Action.Execute` on a card someone else made, the compose box's app search, an old
client), and botbuilder answers an invoke it has no handler for with 501, which Teams shows
as an error. So each gets Microsoft's documented success shape, saying in a short text where
there is a text to show that the bot does not do that:

- `adaptiveCard/action` (Universal Actions): `{"statusCode": 200, "type":
  "application/vnd.microsoft.activity.message", "value": text}`;
- `task/fetch` and `composeExtension/fetchTask` (a dialog to open): `{"task": {"type":
  "message", "value": text}}`, which Teams shows instead of a dialog;
- `composeExtension/query` (a search in the compose box): `{"composeExtension": {"type":
  "result", "attachmentLayout": "list", "attachments": []}}`, no results;
- every other name (`signin/verifyState`, `signin/tokenExchange`, `fileConsent/invoke`,
  `task/submit`, `composeExtension/queryLink`, a card's `invoke` action, ...): 200 with no body.

Nothing is read from an invoke's value and nothing is stored. The text is in the language of
the activity's `locale` (Teams sends the client's, such as `sv-SE`), else the default.
"""

from __future__ import annotations

from typing import Any

from app.i18n import LANGUAGES, Translator, translator

CARD_ACTION = "adaptiveCard/action"
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"
DIALOG_FETCHES = frozenset({"task/fetch", "composeExtension/fetchTask"})
SEARCH = "composeExtension/query"


def language_of(locale: str | None, default: str) -> str:
    language = (locale or "").split("-", 1)[0].lower()
    return language if language in LANGUAGES else default


def invoke_body(name: str | None, t: Translator) -> dict[str, Any] | None:
    """The documented body answering an invoke of `name` (None: an empty 200)."""

    if name == CARD_ACTION:
        return {"statusCode": 200, "type": MESSAGE_TYPE, "value": t("teams.invoke.unused")}
    if name in DIALOG_FETCHES:
        return {"task": {"type": "message", "value": t("teams.invoke.unused")}}
    if name == SEARCH:
        return {"composeExtension": {"type": "result", "attachmentLayout": "list",
                                     "attachments": []}}
    return None


def invoke_answer(name: str | None, locale: str | None, default_language: str
                  ) -> dict[str, Any] | None:
    return invoke_body(name, translator(language_of(locale, default_language)))
