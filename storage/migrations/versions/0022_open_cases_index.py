"""A partial index over the open cases by their next deadline: ``cases`` lists them the most
urgent first, twenty at a time, and counts them, on every turn.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

OPEN = "stage != 'closed'"


def upgrade() -> None:
    where = {"sqlite_where": sa.text(OPEN), "postgresql_where": sa.text(OPEN)}
    op.create_index("ix_cases_open_next_due", "cases", ["next_due_date", "id"], **where)


def downgrade() -> None:
    op.drop_index("ix_cases_open_next_due", "cases")
