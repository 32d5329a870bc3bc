"""The Teams app package: `samverkan teams-package`."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from bot.cli import main
from tests.bot.teams.support import (
    APP_ID,
    SV,
)

# --- the app package ------------------------------------------------------------------------------


@pytest.mark.usefixtures("cli_env")
def test_teams_package_builds_the_zip_to_upload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://samverkan.example.org")
    output = tmp_path / "samverkan.zip"
    assert main(["teams-package", "--output", str(output)]) == 0
    assert str(output) in capsys.readouterr().out
    with zipfile.ZipFile(output) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color = Image.open(io.BytesIO(archive.read("color.png")))
        outline = Image.open(io.BytesIO(archive.read("outline.png")))
    major, minor = (int(p) for p in manifest["manifestVersion"].split("."))
    assert (major, minor) >= (1, 17)
    assert f"/v{manifest['manifestVersion']}/" in manifest["$schema"]
    assert manifest["id"] == APP_ID
    (bot,) = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    (command_list,) = bot["commandLists"]
    titles = [c["title"] for c in command_list["commands"]]
    assert {"hjälp", "rapportera", "möten", "hem"} <= set(titles)
    assert 1 <= len(titles) <= 10
    assert all(len(c["title"]) <= 32 and 0 < len(c["description"]) <= 128
               for c in command_list["commands"])
    rapportera = next(c for c in command_list["commands"] if c["title"] == "rapportera")
    assert rapportera["description"] == SV("teams.command.update")
    assert manifest["validDomains"] == ["samverkan.example.org"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80
    assert manifest["developer"]["websiteUrl"].startswith("https://")
    assert color.size == (192, 192)
    assert outline.size == (32, 32) and outline.mode == "RGBA"
    pixels = set(outline.get_flattened_data())
    assert all(alpha == 0 or (r, g, b) == (255, 255, 255) for r, g, b, alpha in pixels)
    assert any(alpha == 255 for *_, alpha in pixels) and any(a == 0 for *_, a in pixels)


@pytest.mark.usefixtures("cli_env")
def test_teams_package_in_english_and_without_an_app_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "none.zip"
    assert main(["teams-package", "--output", str(output)]) == 2
    assert "MICROSOFT_APP_ID" in capsys.readouterr().err and not output.exists()
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://samverkan.example.org")
    assert main(["teams-package", "--output", str(output), "--lang", "en"]) == 0
    with zipfile.ZipFile(output) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    titles = {c["title"] for c in manifest["bots"][0]["commandLists"][0]["commands"]}
    assert {"help", "update", "meetings"} <= titles
