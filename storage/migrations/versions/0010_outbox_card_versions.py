"""An index for finding a newer version of a card in the outbox (same card key, later id):
the sender skips an older version that a newer one replaces.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_card_key_id", "outbox", ["card_key", "id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_card_key_id", table_name="outbox")
