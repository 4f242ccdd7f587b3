"""Imports point one way: bot -> dialogs -> flows -> storage -> workflow, and cards -> workflow.

botbuilder is imported only in bot/ and dialogs/ (a later move to the Agents SDK touches
nothing else); workflow/ reads no clock.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

ALLOWED = {
    "workflow": set(),
    "storage": {"workflow"},
    "cards": {"workflow"},
    "flows": {"cards", "workflow", "storage"},
    "dialogs": {"flows", "cards", "workflow", "storage"},
    "bot": {"dialogs", "flows", "cards", "workflow", "storage"},
}
FOREIGN_SDK = ("botbuilder", "botframework", "msrest")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def _files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_one_way(package: str) -> None:
    bad = []
    for path in _files(package):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in ALLOWED and top != package and top not in ALLOWED[package]:
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
            if package not in ("bot", "dialogs") and top in FOREIGN_SDK:
                bad.append(f"{path.relative_to(ROOT)} imports the SDK ({name})")
    assert not bad, "\n".join(bad)


def test_workflow_reads_no_clock() -> None:
    forbidden = ("datetime.now", "datetime.utcnow", "date.today", "time.time", "utcnow(")
    for path in _files("workflow"):
        source = path.read_text()
        for word in forbidden:
            assert word not in source, f"{path.relative_to(ROOT)} reads the clock ({word})"


def test_nothing_but_settings_reads_the_environment() -> None:
    for package in ALLOWED:
        for path in _files(package):
            if path.relative_to(ROOT).as_posix() == "bot/settings.py":
                continue
            source = path.read_text()
            assert "os.environ" not in source and "getenv(" not in source, path
