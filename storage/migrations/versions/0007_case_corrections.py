"""Corrections to a case's record, with their reasons.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.models import BigId, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_corrections",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("case_id", BigId, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("old_value", sa.String(64), nullable=False),
        sa.Column("new_value", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("corrected_by", sa.String(64), nullable=False),
        sa.Column("corrected_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("case_corrections")
