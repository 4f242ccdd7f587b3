"""What a reminder source gives the tick (``flows.reminders``): the messages to send now, each
under its de-duplication key. A source is a function ``(session, context, today) -> list of
Outgoing``, kept beside its noun (the IGT chasers in ``flows.igt``, the overdue actions in
``flows.actions``, ...); it reads and builds, and the tick queues what it gives through the
outbox. A source never writes.

``each`` runs a source's work item by item: one case that cannot be built (a milestone the
timetable no longer has, a record that will not read) is logged by its reference and skipped,
and everyone else's reminders still go.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from cards.reminders import Reminder
from flows.context import CaseContext
from storage import people
from workflow import nudges
from workflow.nudges import Rules
from workflow.roles import label

log = logging.getLogger(__name__)

CHANNEL = "channel"  # an Outgoing's ``to``: the case review channel


@dataclass(frozen=True)
class Outgoing:
    """One message to send: its key (the outbox's de-duplication key) and where (``CHANNEL``
    or a person's Entra id); a deadline ``reminder`` (a nudge card, gathered into one
    catch-up message after downtime), or any other ``card`` with its ``summary``."""

    key: str
    to: str
    reminder: Reminder | None = None
    card: dict[str, Any] | None = None
    summary: str = ""


@dataclass(frozen=True)
class Today:
    """The moment a tick runs for: the working day (Europe/London), the instant, the nudge
    rules, how far ahead deadlines are looked at, and the day's milestone plan."""

    day: date
    now: datetime
    local: datetime
    rules: Rules
    horizon: date
    plan: tuple[nudges.Nudge, ...] = ()
    # The day's milestone plan and action nudges were queued whole by an earlier tick and
    # nothing they depend on has changed since (flows.reminders' fingerprint).
    steady: bool = False


Source = Callable[[AsyncSession, CaseContext, Today], Awaitable[list[Outgoing]]]

T = TypeVar("T")


async def each(
    source: str,
    items: Iterable[T],
    build: Callable[[T], Awaitable[list[Outgoing]] | list[Outgoing]],
    reference: Callable[[T], str],
) -> list[Outgoing]:
    """``build`` for every item (awaited when it reads, called when it builds in memory); an
    item that fails is logged (its case reference, never its contents) and skipped."""
    found: list[Outgoing] = []
    for item in items:
        try:
            built = build(item)
            found += await built if inspect.isawaitable(built) else built
        except Exception:
            log.exception(
                "reminder skipped: it could not be built",
                extra={"source": source, "case": reference(item)},
            )
    return found


async def named(session: AsyncSession, roles: tuple[str, ...]) -> tuple[str, list[str]]:
    """The roles in words with who holds them, and their Entra ids (read once a tick)."""
    memo: dict[tuple[str, ...], tuple[str, list[str]]] = session.info.setdefault("named", {})
    if roles not in memo:
        memo[roles] = await _read_named(session, roles)
    return memo[roles]


async def _read_named(session: AsyncSession, roles: tuple[str, ...]) -> tuple[str, list[str]]:
    words, ids = [], []
    for role in roles:
        holders = await people.list_holders(session=session, role=role)
        known = await people.names(session=session, aad_ids=holders)
        names = [known.get(aad) or "someone" for aad in holders]
        ids += holders
        words.append(label(role) + (f" ({', '.join(names)})" if names else ""))
    return "; ".join(words), list(dict.fromkeys(ids))
