"""Shared card pieces, built with adaptive-cards-py and rendered to plain dicts.

Every card is Adaptive Card 1.5 (the highest Teams renders). User text is escaped with
``esc`` before it goes into a TextBlock or Fact, so it cannot inject links or formatting.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any, Final

import pydantic
from adaptive_cards import card as ac
from adaptive_cards import types as act

from workflow.calendar import british

VERSION: Final = "1.5"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

# Characters that start Markdown formatting or links. Any ASCII punctuation may be
# backslash-escaped in CommonMark, and the backslash itself is not shown.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>~|])")
_LINE_START = re.compile(r"^(\s*)([#+\-=])", re.MULTILINE)  # headings, lists, rules
_ORDERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)  # "1." lists
_WWW = re.compile(r"(www)\.", re.IGNORECASE)
# Anything one of the four above, or "://", would change: most text has none, and one search
# costs less than the four substitutions (a status card escapes some forty strings).
_NEEDS_ESCAPING = re.compile(
    r"[\\`*_\[\]<>~|]|^\s*[#+\-=]|^\s*\d+[.)]|://|www\.", re.MULTILINE | re.IGNORECASE
)


def esc(text: object) -> str:
    """User text made inert in a card: no formatting, no links, no headings or lists."""
    value = "" if text is None else str(text)
    return _escaped(value) if _NEEDS_ESCAPING.search(value) else value


def _escaped(value: str) -> str:
    value = _MD_SPECIAL.sub(r"\\\1", value)
    value = _LINE_START.sub(r"\1\\\2", value)
    value = _ORDERED.sub(r"\1\\\2", value)
    # Break autolinks (http://..., www....) by escaping their punctuation.
    value = value.replace("://", "\\://")
    return _WWW.sub(r"\1\\.", value)


def prepare() -> None:
    """Build the card library's models now, once: adaptive-cards-py defers each model's
    validator to its first use, about 0.2 s in all, which would otherwise fall on the first
    turn or reminder tick after a start. Called as the bot starts, before it serves."""
    for item in vars(ac).values():
        if (
            isinstance(item, type)
            and issubclass(item, pydantic.BaseModel)
            and item.__module__ == ac.__name__
        ):
            item.model_rebuild()


# Teams takes about 28 KB of card; every card the bot can build stays within this, with room
# for the message around it (tests/cards/test_budget.py fills every form to its limits).
CARD_BUDGET = 26 * 1024


def card_size(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode())


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a word, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip() + "…"


def day(d: date | None) -> str:
    """The one date format wherever the bot writes a date: "14 Mar 2019"."""
    return british(d) if d else "not set"


def day_and_time(moment: datetime) -> str:
    """A local date and time: "27 Nov 2026, 10:04"."""
    return f"{day(moment.date())}, {moment:%H:%M}"


def heading(text: str, *, subtle: str | None = None) -> list[ac.TextBlock]:
    items = [
        ac.TextBlock(text=text, weight=act.FontWeight.BOLDER, size=act.FontSize.MEDIUM, wrap=True)
    ]
    if subtle:
        items.append(ac.TextBlock(text=subtle, is_subtle=True, wrap=True, spacing=act.Spacing.NONE))
    return items


def para(text: str, **kwargs: Any) -> ac.TextBlock:
    return ac.TextBlock(text=text, wrap=True, **kwargs)


def attention(text: str, **kwargs: Any) -> ac.TextBlock:
    """A line that must not be missed (a child at risk, Ofsted, a problem): bold, in the
    attention colour. ``text`` is shown as given: escape anything typed."""
    return ac.TextBlock(
        text=text, color=act.Colors.ATTENTION, weight=act.FontWeight.BOLDER, wrap=True, **kwargs
    )


def facts(pairs: Iterable[tuple[str, str]]) -> ac.FactSet:
    return ac.FactSet(facts=[ac.Fact(title=title, value=value) for title, value in pairs])


def execute(
    title: str, verb: str, data: dict[str, Any] | None = None, **kwargs: Any
) -> ac.ActionExecute:
    return ac.ActionExecute(title=title, verb=verb, data=dict(data or {}), **kwargs)


def render(
    items: Sequence[Any],
    actions: Sequence[Any] = (),
    *,
    fallback_text: str | None = None,
) -> dict[str, Any]:
    """A complete card dict (JSON-ready)."""
    builder = ac.AdaptiveCard.new().version(VERSION).add_items(list(items))
    if actions:
        builder = builder.add_actions(list(actions))
    if fallback_text:
        builder = builder.fallback_text(fallback_text)
    built = builder.create()
    result: dict[str, Any] = built.model_dump(
        mode="json", exclude_none=True, by_alias=True, warnings=False
    )
    return result


def attachment(card: dict[str, Any]) -> dict[str, Any]:
    """The message attachment that carries ``card``."""
    return {"contentType": CARD_CONTENT_TYPE, "content": card}


def _size(item: Any) -> int:
    dumped = (
        item
        if isinstance(item, dict)
        else item.model_dump(mode="json", exclude_none=True, by_alias=True, warnings=False)
    )
    return len(json.dumps(dumped, ensure_ascii=False, separators=(",", ":")).encode())


def split_parts(
    blocks: Sequence[list[Any]], empty: Callable[[list[Any]], dict[str, Any]]
) -> list[tuple[list[Any], set[int]]]:
    """``blocks`` of card elements on as few cards as keep each within the size budget, each
    part with the indexes of the blocks it holds. ``empty(items)`` builds the largest card
    the items could go on (its longest part label, every button). A block is kept whole on
    a card where it fits, else split element by element; nothing is dropped. Sizes are
    added up element by element, so a long form costs one rendering per element."""
    room = CARD_BUDGET - card_size(empty([]))
    parts: list[tuple[list[Any], set[int]]] = [([], set())]
    used = 0
    for index, block in enumerate(blocks):
        sizes = [_size(item) + 1 for item in block]  # and its comma
        if used + sum(sizes) > room and parts[-1][0]:
            parts.append(([], set()))
            used = 0
        for item, size in zip(block, sizes, strict=True):
            if used + size > room and parts[-1][0]:  # too long even alone: element by element
                parts.append(([], set()))
                used = 0
            parts[-1][0].append(item)
            parts[-1][1].add(index)
            used += size
    return parts


def in_parts(
    blocks: Sequence[list[Any]], card: Callable[[list[Any], str], dict[str, Any]]
) -> list[dict[str, Any]]:
    """``blocks`` of card elements on as few cards as keep each within Teams' size budget:
    ``card(items, part)`` builds one (``part`` is "" or " (part 2 of 3)"). A block is kept
    whole on a card where it fits, else split element by element; nothing is dropped."""
    parts = split_parts(blocks, lambda items: card(items, " (part 99 of 99)"))
    if len(parts) == 1:
        return [card(parts[0][0], "")]
    return [card(items, f" (part {n} of {len(parts)})") for n, (items, _) in enumerate(parts, 1)]
