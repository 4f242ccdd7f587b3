"""The conditions of the partial indexes (storage.models), written out rather than bound: a
query that repeats one word for word lets SQLite use the index (``qualified``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index, text

OPEN_MILESTONE = "completed_at IS NULL AND not_applicable_since IS NULL"
OPEN_CASE = "stage != 'closed'"  # written out, not bound: SQLite uses a partial index then
# An Information Gathering Tool request not yet answered (workflow.igt.ANSWERED), written out.
UNANSWERED_IGT = "purpose = 'igt' AND state NOT IN ('returned', 'no_involvement')"
# An action not finished (workflow.actions.FINISHED), written out.
OPEN_ACTION = "status NOT IN ('complete', 'closed')"


def qualified(table: str, condition: str) -> Any:
    """A partial index's condition as written here, each column named with its table, for a
    query's WHERE: literal, not bound, so that SQLite sees the index applies."""
    return text(" AND ".join(f"{table}.{term}" for term in condition.split(" AND ")))


def partial_index(name: str, *columns: str, where: str) -> Index:
    """An index over the rows that meet ``where`` only, on SQLite and PostgreSQL alike."""
    return Index(name, *columns, sqlite_where=text(where), postgresql_where=text(where))
