"""The Microsoft Teams door: botbuilder 4.17 (Bot Framework), the only package importing it.

- `server`: `POST /api/messages` on the bot's aiohttp server (CloudAdapter, authentication,
  the tenant gate), the adapter built from the `MICROSOFT_APP_*` settings, the messenger.
- `setup`: the settings as botbuilder's configuration, and the tenants the bot serves.
- `tenants`: the tenant gate every activity passes before the bot sees it.
- `bot`: the `ActivityHandler`: messages and card submissions to the dispatcher and back.
- `invokes`: the documented answer to every invoke.
- `cards`: a `Reply` or a `Form` as Adaptive Cards under Teams' 28 KB (pure JSON, no SDK).
- `markup`: text in cards shown as text (Teams' Markdown, mentions and links defused).
- `connector`: pacing, one-attempt connector clients, errors, sending helpers.
- `references`: conversation references kept in the database (`storage/teams_repo.py`), and
  which conversation is personal.
- `messenger`: reminders sent proactively, in the reminder service's worker thread.
- `package`: `samverkan teams-package`, the app zip to upload to Teams.

The Python Bot Framework SDK is archived; its successor, the Microsoft 365 Agents SDK
(`microsoft-agents-hosting-core`, `-hosting-aiohttp`), runs on Python 3.11 (only its
deprecated `hosting-teams` needs 3.12). Moving means rewriting this package only: everything
else sees `Command`, `Reply`, `Form` and the `Messenger` port.
"""
