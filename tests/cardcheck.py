"""Adaptive Card checks for tests: the 1.5 schema, Teams' size limit, and what Teams renders."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import adaptive_cards
from jsonschema import Draft6Validator

TEAMS_MAX_BYTES = 28 * 1024


@cache
def _validator() -> Draft6Validator:
    path = Path(adaptive_cards.__file__).parent / "schemas" / "schema-1.5.json"
    return Draft6Validator(json.loads(path.read_text()))


def _walk(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


def assert_valid_card(card: dict[str, Any]) -> None:
    errors = sorted(_validator().iter_errors(card), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    assert card["version"] == "1.5"
    size = len(json.dumps(card).encode())
    assert size < TEAMS_MAX_BYTES, f"card is {size} bytes; Teams allows about 28 KB"
    ids = [
        n["id"]
        for n in _walk(card)
        if isinstance(n.get("type"), str) and n["type"].startswith("Input.")
    ]
    assert len(ids) == len(set(ids)), f"duplicate input ids: {ids}"
    for node in _walk(card):
        if node.get("type") == "Table":
            raise AssertionError("Table renders poorly in some Teams clients; use ColumnSet")
