"""Each case's next deadline (the earliest open milestone's due date), kept with the case so
that listing thousands of cases by urgency reads one indexed column.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("next_due_date", sa.Date(), nullable=True))
        batch.create_index("ix_cases_next_due_date", ["next_due_date"])
    op.execute(
        "UPDATE cases SET next_due_date = (SELECT min(m.due_date) FROM milestones m "
        "WHERE m.case_id = cases.id AND m.completed_at IS NULL "
        "AND m.not_applicable_since IS NULL AND m.due_date IS NOT NULL)"
    )


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_next_due_date")
        batch.drop_column("next_due_date")
