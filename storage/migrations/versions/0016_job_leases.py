"""A lease per scheduled job: with several instances on one database, at most one runs a job
at a time (APScheduler's own store is not shared).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("until", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_leases")
