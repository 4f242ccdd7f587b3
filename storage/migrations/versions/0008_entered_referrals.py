"""Referrals the Business Unit enters for someone: who typed the referral in, and how it
arrived (through Teams, or by email, phone, letter or in person).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("entered_by_aad_id", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("received_via", sa.String(16), nullable=False, server_default="teams")
        )
    op.execute("UPDATE cases SET entered_by_aad_id = referrer_aad_id")


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("received_via")
        batch.drop_column("entered_by_aad_id")
