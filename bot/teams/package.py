"""The Teams app package (`samverkan teams-package --output samverkan.zip`).

A zip with `manifest.json` (schema 1.17), `color.png` (192×192, full colour) and `outline.png`
(32×32, white on transparent), to upload in Teams ("Apps → Manage your apps → Upload an app")
or to the organisation's app catalogue in the Teams admin center.

The manifest names the bot (the Azure Bot's Microsoft App ID), its scopes (personal, team,
group chat), the command list Teams suggests as people type (the words in the package's
language, with a short description from the catalogs; Teams shows at most ten a scope), and
the valid domains (the host of `PUBLIC_BASE_URL`: calendar and download links). The icons are
drawn here with Pillow, so the package needs no binary files in the repository.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urlsplit

from app.core import CommandSpec
from app.i18n import Translator

MANIFEST_VERSION = "1.17"
MANIFEST_SCHEMA = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
)
ACCENT = "#1F5C99"
COLOR_SIZE = 192
OUTLINE_SIZE = 32
SCOPES = ("personal", "team", "groupChat")
MAX_COMMANDS = 10
MAX_COMMAND_TITLE = 32
MAX_COMMAND_DESCRIPTION = 128
# The commands Teams suggests, most used first (the Swedish words; English aliases in `en`).
SUGGESTED = (
    "hjälp", "hem", "möten", "sammankallande", "rapportera", "mina", "status",
    "sammanfattning", "beslut", "nästa-steg", "påminnelser", "kalender", "vem",
)
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


class PackageError(ValueError):
    """Why no package can be built; `key` is the catalog text to show."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def package_version() -> str:
    try:
        found = version("samverkansboten")
    except PackageNotFoundError:
        return "1.0.0"
    parts = [*re.findall(r"\d+", found), "0", "0", "0"][:3]
    return ".".join(str(int(p)) for p in parts)


def commands(specs: tuple[CommandSpec, ...], t: Translator) -> list[dict[str, str]]:
    by_word = {spec.word: spec for spec in specs}
    out = []
    for word in SUGGESTED:
        spec = by_word.get(word)
        if spec is None:
            continue
        title = spec.word if t.language == "sv" or not spec.aliases else spec.aliases[0]
        key = f"teams.command.{spec.help_key.rsplit('.', 1)[-1]}"
        description = t(key) if t.has(key) else t(spec.help_key)
        out.append({
            "title": _cut(title, MAX_COMMAND_TITLE),
            "description": _cut(description, MAX_COMMAND_DESCRIPTION),
        })
        if len(out) == MAX_COMMANDS:
            break
    return out


def manifest(
    *,
    app_id: str,
    public_base_url: str,
    t: Translator,
    specs: tuple[CommandSpec, ...],
) -> dict[str, Any]:
    if not app_id:
        raise PackageError("teams.package.no_app_id")
    if not GUID.match(app_id):
        raise PackageError("teams.package.bad_app_id")
    parsed = urlsplit(public_base_url)
    host = parsed.hostname or ""
    website = public_base_url.rstrip("/") if parsed.scheme == "https" else ""
    if not website:
        raise PackageError("teams.package.no_https")
    command_list = commands(specs, t)
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": package_version(),
        "id": app_id,
        "localizationInfo": {"defaultLanguageTag": "sv-SE" if t.language == "sv" else "en-US"},
        "developer": {
            "name": _cut(t("teams.package.developer"), 32),
            "websiteUrl": website,
            "privacyUrl": website,
            "termsOfUseUrl": website,
        },
        "name": {
            "short": _cut(t("teams.package.name"), 30),
            "full": _cut(t("teams.package.name_full"), 100),
        },
        "description": {
            "short": _cut(t("teams.package.description_short"), 80),
            "full": _cut(t("teams.package.description_full"), 4000),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [{
            "botId": app_id,
            "scopes": list(SCOPES),
            "supportsFiles": False,
            "isNotificationOnly": False,
            "commandLists": [{"scopes": list(SCOPES), "commands": command_list}],
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host] if host else [],
    }


def _icons() -> tuple[bytes, bytes]:
    from PIL import Image, ImageDraw

    def png(image: Image.Image) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()

    # Two overlapping rings: working together. Full colour on the accent, and an outline.
    color = Image.new("RGBA", (COLOR_SIZE, COLOR_SIZE), ACCENT)
    draw = ImageDraw.Draw(color)
    for box in ((34, 52, 122, 140), (70, 52, 158, 140)):
        draw.ellipse(box, outline="white", width=12)
    outline = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(outline)
    for box in ((3, 8, 19, 24), (13, 8, 29, 24)):
        draw.ellipse(box, outline=(255, 255, 255, 255), width=2)
    return png(color.convert("RGB")), png(outline)


def build_package(document: dict[str, Any]) -> bytes:
    color, outline = _icons()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        # Teams wants the three files at the root of the zip, not in a folder.
        archive.writestr("manifest.json", json.dumps(document, ensure_ascii=False, indent=2))
        archive.writestr("color.png", color)
        archive.writestr("outline.png", outline)
    return buffer.getvalue()
