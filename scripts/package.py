"""The Teams app package: ``manifest/manifest.json`` with the bot's app id and host filled in
from the settings, and the two icons, zipped (``make package`` -> build/case-review-bot.zip).

The manifest's command menus are generated from the command registry (``--write`` rewrites
them in manifest.json; a test fails when the two drift apart). With no APP_ID set (a fresh
clone), a placeholder id is used and said: the package is then for checking, not installing.
"""

from __future__ import annotations

import argparse
import json
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "manifest" / "manifest.json"
SCHEMA_VERSION = "1.24"
SCHEMA = (
    ROOT
    / "node_modules"
    / "@microsoft"
    / "app-manifest"
    / "build"
    / "json-schemas"
    / "teams"
    / f"v{SCHEMA_VERSION}"
    / "MicrosoftTeams.schema.json"
)
PLACEHOLDER_ID = "00000000-0000-4000-8000-0000000c0de0"


def command_lists() -> list[dict[str, Any]]:
    """The command menus, one per scope, from the registry (at most ten a menu)."""
    from bot.commands.loader import load_commands

    commands_, _ = load_commands()

    lists = []
    for scope, personal in (("personal", True), ("team", False)):
        commands = [
            {"title": c.name, "description": c.usage if c.usage != c.name else c.help}
            for c in commands_.menu(personal)
        ]
        if len(commands) > 10:
            raise ValueError(f"the {scope} command menu has {len(commands)}: Teams shows ten")
        lists.append({"scopes": [scope], "commands": commands})
    return lists


def manifest_for(app_id: str, host: str) -> dict[str, Any]:
    """manifest.json with the bot's id and host filled in."""
    manifest = json.loads(MANIFEST.read_text())
    manifest["id"] = app_id
    for bot in manifest["bots"]:
        bot["botId"] = app_id
    manifest["validDomains"] = [host] if host else []
    return manifest


def build(out: Path, app_id: str, host: str) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest_for(app_id, host), indent=2))
        for icon in ("color.png", "outline.png"):
            package.write(MANIFEST.parent / icon, icon)
    return out


def write_command_lists() -> None:
    manifest = json.loads(MANIFEST.read_text())
    for bot in manifest["bots"]:
        bot["commandLists"] = command_lists()
    MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "case-review-bot.zip")
    parser.add_argument("--write", action="store_true", help="rewrite the manifest's menus")
    args = parser.parse_args()
    if args.write:
        write_command_lists()
        print(f"wrote the command menus into {MANIFEST.relative_to(ROOT)}")
        return
    from bot.settings import Settings

    settings = Settings.from_env(env_file=str(ROOT / ".env"), require_credentials=False)
    app_id = settings.app_id or PLACEHOLDER_ID
    if not settings.app_id:
        print("No APP_ID is set: the package uses a placeholder id (for checking, not installing).")
    out = build(args.out, app_id, settings.public_host)
    print(f"wrote {out.relative_to(ROOT)} (bot {app_id})")


if __name__ == "__main__":
    main()
