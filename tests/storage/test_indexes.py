"""The partial indexes the lists and the reminders stand on: made by the migrations as the
models declare them, their conditions the workflow's own states, and used by SQLite for the
queries that count and walk them (a bound parameter in a query's condition would not be)."""

from __future__ import annotations

import re
import warnings
from datetime import date

from sqlalchemy import inspect, select, text
from sqlalchemy.exc import SAWarning
from sqlalchemy.ext.asyncio import AsyncEngine

from flows.case_lists import _due_branches, _due_queries
from storage.conditions import OPEN_ACTION, UNANSWERED_IGT
from storage.models import Base
from workflow import actions, igt


def _quoted(condition: str) -> set[str]:
    return set(re.findall(r"'([a-z_]+)'", condition.split("NOT IN")[1]))


def test_the_conditions_are_the_workflows_states() -> None:
    assert _quoted(UNANSWERED_IGT) == set(igt.ANSWERED)
    assert _quoted(OPEN_ACTION) == set(actions.FINISHED)


async def test_every_declared_index_is_made_by_the_migrations(engine: AsyncEngine) -> None:
    # By table and columns: an index made before its table was renamed keeps its first name
    # (form_drafts' owner index is still ix_referral_drafts_owner_aad_id).
    declared = {
        (table.name, tuple(column.name for column in index.columns))
        for table in Base.metadata.tables.values()
        for index in table.indexes
    }

    def made(connection: object) -> set[tuple[str, tuple[str, ...]]]:
        inspector = inspect(connection)
        with warnings.catch_warnings():  # the drafts' expression index is not reflected
            warnings.simplefilter("ignore", SAWarning)
            return {
                (table, tuple(found["column_names"]))
                for table in inspector.get_table_names()
                for found in inspector.get_indexes(table)
            }

    async with engine.connect() as connection:
        present = await connection.run_sync(made)
    assert declared <= present, declared - present


async def test_sqlite_counts_overdue_on_the_partial_indexes(engine: AsyncEngine) -> None:
    if engine.dialect.name != "sqlite":
        return  # the planner's words are SQLite's; PostgreSQL chooses by its statistics
    today = date(2026, 12, 7)
    (_, milestone_dates, _), (_, request_dates, _) = (
        (rows, dates.params(today=today), column)
        for rows, dates, column in _due_branches(staff=True, overdue=True)
    )
    actions_due = text(
        "SELECT id FROM case_actions WHERE case_actions.status NOT IN ('complete', 'closed') "
        "AND due_date < '2026-12-07'"
    )
    async with engine.connect() as connection:

        async def plan(query: object) -> str:
            compiled = query.compile(engine.sync_engine, compile_kwargs={"literal_binds": True})  # type: ignore[attr-defined]
            rows = await connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
            return " ".join(str(row[-1]) for row in rows)

        assert "ix_milestones_open_due" in await plan(select(milestone_dates.subquery()))
        assert "ix_case_requests_unanswered_due" in await plan(select(request_dates.subquery()))
        assert "ix_case_actions_unfinished_due" in await plan(actions_due)
        # The counts and the page's cut dates, asked in one statement, each on its index.
        heads = _due_queries(staff=True, overdue=True).heads.params(today=today, skip=19)
        planned = await plan(heads)
        assert planned.count("ix_milestones_open_due") == 2
        assert planned.count("ix_case_requests_unanswered_due") == 2
