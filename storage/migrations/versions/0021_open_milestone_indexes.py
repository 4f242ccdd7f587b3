"""Partial indexes over the open milestones (not completed, not marked not applicable): by
due date, and by milestone and due date. The reminder tick, the digest and ``overdue`` read
only open milestones; at 100,000 cases most of the 1.4 million rows are done.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

OPEN = "completed_at IS NULL AND not_applicable_since IS NULL"


def upgrade() -> None:
    where = {"sqlite_where": sa.text(OPEN), "postgresql_where": sa.text(OPEN)}
    op.create_index("ix_milestones_open_due", "milestones", ["due_date"], **where)
    op.create_index("ix_milestones_open_key_due", "milestones", ["key", "due_date"], **where)


def downgrade() -> None:
    op.drop_index("ix_milestones_open_key_due", "milestones")
    op.drop_index("ix_milestones_open_due", "milestones")
