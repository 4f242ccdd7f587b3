"""Imports point one way: bot -> dialogs -> flows -> storage -> workflow, and cards -> workflow;
no module is in an import circle (every import counted: at the top, inside a function, under
TYPE_CHECKING, and the packages an import runs first).

botbuilder is imported only in bot/ (a later move to the Agents SDK touches nothing else);
workflow/ imports only the standard library, ``holidays`` and ``dateutil``, reads no clock
and no file.
"""

from __future__ import annotations

import ast
import sys
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
            if package != "bot" and top in FOREIGN_SDK:
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


# Third-party libraries workflow/ may use: the bank holidays are data it needs, and dateutil
# (which holidays itself stands on) adds calendar months.
WORKFLOW_LIBRARIES = {"holidays", "dateutil"}


def test_workflow_imports_only_the_standard_library_holidays_and_dateutil() -> None:
    bad = []
    for path in _files("workflow"):
        for name in _imports(path):
            top = name.split(".")[0]
            if top == "workflow" or top in sys.stdlib_module_names:
                continue
            if top not in WORKFLOW_LIBRARIES:
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not bad, "\n".join(bad)


def test_workflow_reads_no_file() -> None:
    for path in _files("workflow"):
        source = path.read_text()
        for word in ("open(", "read_text(", "read_bytes(", "pathlib"):
            assert word not in source, f"{path.relative_to(ROOT)} reads a file ({word})"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    """Every module of the packages -> the modules of the packages its imports run."""
    paths = {_module_name(p): p for package in ALLOWED for p in _files(package)}
    graph: dict[str, set[str]] = {name: set() for name in paths}

    def with_parents(name: str) -> set[str]:
        parts = name.split(".")
        return {".".join(parts[:n]) for n in range(1, len(parts) + 1)} & set(paths)

    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    graph[name] |= with_parents(alias.name)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, *([base] if base else [])])
                graph[name] |= with_parents(base)
                for alias in node.names:
                    graph[name] |= {f"{base}.{alias.name}"} & set(paths)
        graph[name].discard(name)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_is_in_an_import_circle() -> None:
    found = circles(import_graph())
    assert not found, "import circles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_the_graph_counts_the_imports_a_module_makes_late() -> None:
    graph = import_graph()
    # bot/cli.py imports bot.app inside a function; the parent package counts too.
    assert "bot.app" in graph["bot.cli"]
    assert {"bot.commands", "bot.commands.registry"} <= graph["bot.routes"]


# A module holds one noun: well past 400 lines it is holding several (STYLE.md). The longest
# today is the one form wizard (dialogs/wizard.py, one class). The form specs are data (every
# question of the seed's form, in its order), not logic.
MODULE_LINES = 470
FORM_SPECS = {"workflow/referral.py"}


def test_no_module_is_over_about_400_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for package in ALLOWED
        for path in _files(package)
        if (lines := len(path.read_text().splitlines())) > MODULE_LINES
        and str(path.relative_to(ROOT)) not in FORM_SPECS
    }
    assert long == {}, f"split these by noun: {long}"
