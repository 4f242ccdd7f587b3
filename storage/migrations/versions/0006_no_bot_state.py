"""The botbuilder dialog-state table goes: a form's state is its draft row.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("bot_state")


def downgrade() -> None:
    op.create_table(
        "bot_state",
        sa.Column("key", sa.String(512), primary_key=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
