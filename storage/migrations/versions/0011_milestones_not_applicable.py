"""Milestones the branch a case took makes irrelevant: marked not applicable (when, and why),
never chased, not shown as the next deadline.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("milestones") as batch:
        batch.add_column(sa.Column("not_applicable_since", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("not_applicable_why", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("milestones") as batch:
        batch.drop_column("not_applicable_why")
        batch.drop_column("not_applicable_since")
