"""`samverkan identities list|unlink`: the chat identities the bot knows; a learned one removed.

A person's chat identity (Slack user id, Teams AAD object id) is either configured (in the
configuration file, `slack_user_id` / `teams_aad_object_id`) or learned: bound once, by the
person's configured e-mail address, when an account with no configured id on that platform
first wrote to the bot. A learned binding is audited (`identity.link`).

- `identities list [--format text|json]`: every identity, configured and learned.
- `identities unlink PERSON PLATFORM`: removes PERSON's learned identity on PLATFORM (audited as
  `identity.unlink`, actor `cli`). That account is then unknown to the bot again; it can be
  bound anew by e-mail only while the person has no id on the platform, so to keep a wrong
  account out, put the right id in the configuration file and sync it. A configured identity
  is changed in the configuration file, never here.

Whoever runs the command line has the database: no rights are checked here.
"""

from __future__ import annotations

import json
import sys

from app.i18n import Translator
from bot.exits import EXIT_OK, EXIT_PROBLEMS
from bot.runtime import build_runtime
from bot.settings import Settings

CLI_ACTOR = "cli"
PLATFORMS = ("slack", "teams")


def run_list(settings: Settings, t: Translator, *, fmt: str) -> int:
    runtime = build_runtime(settings)
    try:
        with runtime.stores() as store:
            identities = store.people.identities()
    finally:
        runtime.close()
    if fmt == "json":
        print(json.dumps([
            {"person": i.person_id, "platform": i.platform, "user_id": i.user_id,
             "source": i.source}
            for i in identities
        ], ensure_ascii=False, indent=2))
        return EXIT_OK
    print(t("identity.cli.title", count=len(identities)))
    for i in identities:
        print(t("identity.cli.line", person=i.person_id, platform=i.platform, user_id=i.user_id,
                source=t(f"identity.cli.source.{i.source}")))
    return EXIT_OK


def run_unlink(settings: Settings, t: Translator, person_id: str, platform: str) -> int:
    runtime = build_runtime(settings)
    try:
        with runtime.stores() as store:
            if store.people.get(person_id) is None:
                print(t("identity.cli.unknown_person", person=person_id), file=sys.stderr)
                return EXIT_PROBLEMS
            removed = store.people.unlink_learned(person_id, platform)
            if not removed:
                configured = [i for i in store.people.identities(person_id)
                              if i.platform == platform]
                key = "identity.cli.only_configured" if configured else "identity.cli.none"
                print(t(key, person=person_id, platform=platform), file=sys.stderr)
                return EXIT_PROBLEMS
            store.audit.record(CLI_ACTOR, "identity.unlink", "ok",
                               f"person={person_id} platform={platform} "
                               f"user_id={','.join(removed)}")
    finally:
        runtime.close()
    print(t("identity.cli.unlinked", person=person_id, platform=platform,
            user_id=", ".join(removed)))
    return EXIT_OK
