"""Partial indexes by due date over the Information Gathering Tool requests not yet answered
and the actions not finished: ``overdue``, ``deadlines``, the daily digest and the morning's
reminders count and walk them, whatever the number of closed ones beside them.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

UNANSWERED = "purpose = 'igt' AND state NOT IN ('returned', 'no_involvement')"
UNFINISHED = "status NOT IN ('complete', 'closed')"


def upgrade() -> None:
    for name, table, where in (
        ("ix_case_requests_unanswered_due", "case_requests", UNANSWERED),
        ("ix_case_actions_unfinished_due", "case_actions", UNFINISHED),
    ):
        condition = {"sqlite_where": sa.text(where), "postgresql_where": sa.text(where)}
        op.create_index(name, table, ["due_date"], **condition)


def downgrade() -> None:
    op.drop_index("ix_case_actions_unfinished_due", "case_actions")
    op.drop_index("ix_case_requests_unanswered_due", "case_requests")
