"""The audit chain signed: each entry's hash and the head carry an Ed25519 signature under the
audit key (AUDIT_KEY); the actor's role column holds every role they held.

Entries written before this revision are unsigned: ``audit verify`` reports the first one.
There were none outside test and local databases when it was made.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("signature", sa.String(100), nullable=True))
    op.add_column("audit_head", sa.Column("signature", sa.String(100), nullable=True))
    if op.get_bind().dialect.name == "postgresql":  # SQLite does not enforce the length
        op.alter_column(
            "audit_events", "actor_role", type_=sa.String(255), existing_type=sa.String(64)
        )


def downgrade() -> None:
    op.drop_column("audit_head", "signature")
    op.drop_column("audit_events", "signature")
