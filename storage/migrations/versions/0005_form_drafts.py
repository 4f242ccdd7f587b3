"""Drafts of any form: the form's kind, and one open draft per kind, owner and case.
Outgoing messages: an optional de-duplication key, unique.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OPEN_DRAFT_INDEX = (
    "CREATE UNIQUE INDEX ux_form_drafts_one_open ON form_drafts "
    "(form_kind, owner_aad_id, COALESCE(case_id, 0)) WHERE status = 'open'"
)


def upgrade() -> None:
    op.rename_table("referral_drafts", "form_drafts")
    with op.batch_alter_table("form_drafts") as batch:
        batch.add_column(
            sa.Column("form_kind", sa.String(32), nullable=False, server_default="referral")
        )
    # Before the index: of several open drafts of one person, the newest stays open.
    op.execute(
        "UPDATE form_drafts SET status = 'discarded', data = NULL WHERE status = 'open' AND "
        "EXISTS (SELECT 1 FROM form_drafts AS newer WHERE newer.status = 'open' "
        "AND newer.form_kind = form_drafts.form_kind "
        "AND newer.owner_aad_id = form_drafts.owner_aad_id "
        "AND COALESCE(newer.case_id, 0) = COALESCE(form_drafts.case_id, 0) "
        "AND (newer.updated_at > form_drafts.updated_at "
        "OR (newer.updated_at = form_drafts.updated_at AND newer.id > form_drafts.id)))"
    )
    op.execute(OPEN_DRAFT_INDEX)
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("dedupe_key", sa.String(200), nullable=True))
        batch.create_unique_constraint("uq_outbox_dedupe_key", ["dedupe_key"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint("uq_outbox_dedupe_key", type_="unique")
        batch.drop_column("dedupe_key")
    op.execute("DROP INDEX ux_form_drafts_one_open")
    with op.batch_alter_table("form_drafts") as batch:
        batch.drop_column("form_kind")
    op.rename_table("form_drafts", "referral_drafts")
