"""The Information Gathering Tool's returns: each version kept (a correction is a new one), the
form encrypted, with who returned it and when.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.models import BigId, UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "igt_returns",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "request_id", BigId, sa.ForeignKey("case_requests.id"), nullable=False, index=True
        ),
        sa.Column("case_id", BigId, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.String(64), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("request_id", "version"),
    )


def downgrade() -> None:
    op.drop_table("igt_returns")
