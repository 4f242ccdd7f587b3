"""The two partial indexes over the open milestones (0021) carry what the morning's reminder
tick reads of each row, the milestone and its case, as well as its due date: the tick's plan
reads the index alone, not 1.4 million rows' pages at 100,000 cases.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

OPEN = "completed_at IS NULL AND not_applicable_since IS NULL"
BY_DUE = "ix_milestones_open_due"
BY_KEY = "ix_milestones_open_key_due"


def _recreate(by_due: list[str], by_key: list[str]) -> None:
    where = {"sqlite_where": sa.text(OPEN), "postgresql_where": sa.text(OPEN)}
    for name, columns in ((BY_DUE, by_due), (BY_KEY, by_key)):
        op.drop_index(name, "milestones")
        op.create_index(name, "milestones", columns, **where)


def upgrade() -> None:
    _recreate(["due_date", "key", "case_id"], ["key", "due_date", "case_id"])


def downgrade() -> None:
    _recreate(["due_date"], ["key", "due_date"])
