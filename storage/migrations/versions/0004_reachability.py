"""Conversations the bot can no longer reach, and welcomes marked only once delivered.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversation_refs") as batch:
        batch.add_column(
            sa.Column("reachable", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("unreachable_reason", sa.String(64), nullable=True))
        batch.add_column(sa.Column("unreachable_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("welcomed_at", UTCDateTime(), nullable=True))
    # Conversations seen before this revision were welcomed when first seen.
    op.execute("UPDATE conversation_refs SET welcomed_at = updated_at")


def downgrade() -> None:
    with op.batch_alter_table("conversation_refs") as batch:
        batch.drop_column("welcomed_at")
        batch.drop_column("unreachable_at")
        batch.drop_column("unreachable_reason")
        batch.drop_column("reachable")
