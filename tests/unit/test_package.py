"""The Teams app package: the manifest validates offline against the schema that ships with
@microsoft/app-manifest, its command menus are the registry's (a drift fails here), and the
zip holds the manifest with the bot's id filled in and the two icons at Teams' sizes."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

from jsonschema import Draft4Validator

from bot.commands.loader import load_commands
from scripts import package


def _validate(manifest: dict[str, object]) -> None:
    schema = json.loads(package.SCHEMA.read_text())
    errors = [e.message for e in Draft4Validator(schema).iter_errors(manifest)]
    assert not errors, errors


def _size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_the_manifest_is_valid_and_its_menus_are_the_registrys() -> None:
    manifest = json.loads(package.MANIFEST.read_text())
    _validate(manifest)
    assert manifest["manifestVersion"] == package.SCHEMA_VERSION
    (bot,) = manifest["bots"]
    assert set(bot["scopes"]) == {"personal", "team"}
    assert bot["commandLists"] == package.command_lists(), (
        "the manifest's command menus differ from the registry: run "
        "`.venv/bin/python -m scripts.package --write`"
    )
    for menu in bot["commandLists"]:
        assert 0 < len(menu["commands"]) <= 10
        for item in menu["commands"]:
            command = load_commands()[0].match(item["title"])
            assert command is not None and command.command.name == item["title"]
            assert command.command.allowed_here(menu["scopes"] == ["personal"])


def test_the_package_has_the_bot_id_and_the_icons(tmp_path: Path) -> None:
    app_id = "11111111-2222-4333-8444-555555555555"
    out = package.build(tmp_path / "app.zip", app_id, "bot.example.org")
    with zipfile.ZipFile(out) as zipped:
        assert sorted(zipped.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(zipped.read("manifest.json"))
        colour, outline = zipped.read("color.png"), zipped.read("outline.png")
    _validate(manifest)
    assert manifest["id"] == app_id and manifest["bots"][0]["botId"] == app_id
    assert manifest["validDomains"] == ["bot.example.org"]
    assert _size(colour) == (192, 192) and _size(outline) == (32, 32)
    assert outline[25] == 6  # RGBA: a transparent background


def test_the_icons_are_the_ones_the_script_draws() -> None:
    from scripts.icons import colour_icon, outline_icon

    folder = package.MANIFEST.parent
    assert (folder / "color.png").read_bytes() == colour_icon()
    assert (folder / "outline.png").read_bytes() == outline_icon()
