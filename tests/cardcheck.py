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


def walk(node: Any) -> list[dict[str, Any]]:
    """Every object in a card, depth first."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += walk(value)
    elif isinstance(node, list):
        for value in node:
            found += walk(value)
    return found


def assert_valid_card(card: dict[str, Any]) -> None:
    errors = sorted(_validator().iter_errors(card), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    assert card["version"] == "1.5"
    size = len(json.dumps(card).encode())
    assert size < TEAMS_MAX_BYTES, f"card is {size} bytes; Teams allows about 28 KB"
    ids = [
        n["id"]
        for n in walk(card)
        if isinstance(n.get("type"), str) and n["type"].startswith("Input.")
    ]
    assert len(ids) == len(set(ids)), f"duplicate input ids: {ids}"
    for node in walk(card):
        if node.get("type") == "Table":
            raise AssertionError("Table renders poorly in some Teams clients; use ColumnSet")


def input_ids(card: dict[str, Any]) -> set[str]:
    return {n["id"] for n in walk(card) if str(n.get("type", "")).startswith("Input.")}


def current_values(card: dict[str, Any]) -> dict[str, Any]:
    """What the client would submit untouched: each input's shown value."""
    return {
        node["id"]: node["value"]
        for node in walk(card)
        if str(node.get("type", "")).startswith("Input.") and "value" in node
    }


def find_action(card: dict[str, Any], title: str) -> dict[str, Any]:
    actions = [n for n in walk(card) if str(n.get("type", "")).startswith("Action.")]
    for action in actions:
        if action.get("title") == title:
            return action
    raise AssertionError(f"no button {title!r}; buttons: {[a.get('title') for a in actions]}")


def card_text(node: Any) -> str:
    """Every string in a card, joined: what a reader could see (and a little more)."""
    if isinstance(node, dict):
        return " ".join(card_text(v) for v in node.values())
    if isinstance(node, list):
        return " ".join(card_text(v) for v in node)
    return node if isinstance(node, str) else ""
