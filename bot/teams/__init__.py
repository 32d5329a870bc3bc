"""The Microsoft Teams door: botbuilder 4.17 (Bot Framework), the only package importing it.

- `server`: `POST /api/messages` on the bot's aiohttp server (CloudAdapter, authentication),
  the adapter built from the `MICROSOFT_APP_*` settings, the reminders' messenger.
- `bot`: the `ActivityHandler`: messages and card submissions to the dispatcher and back.
- `cards`: a `Reply` or a `Form` as Adaptive Cards under Teams' 28 KB (pure JSON, no SDK).
- `connector`: pacing, one-attempt connector clients, errors, sending helpers.
- `references`: conversation references kept in the database (`storage/teams_repo.py`).
- `messenger`: reminders sent proactively, in the reminder service's worker thread.
- `package`: `samverkan teams-package`, the app zip to upload to Teams.

The Python Bot Framework SDK is archived; its successor (Microsoft 365 Agents SDK) needs
Python 3.12+. Moving means rewriting this package only: everything else sees `Command`,
`Reply`, `Form` and the `Messenger` port.
"""
