"""Local reviews: the review's record (who was told, the reviewer, methodology, delays,
sign-off, communication plan, publication), and the two milestones the timetable gained
(the Panel, Ofsted and DfE told of the review; the Partnership Group's sign-off) added to
every case, not applicable wherever the rest of the local review is.

Their due dates are set when the case's dates are next recomputed (any recorded date does).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.models import BigId, UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

NEW_MILESTONES = ("review_told", "report_signed_off")


def upgrade() -> None:
    op.create_table(
        "review_records",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("case_id", BigId, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    for key in NEW_MILESTONES:
        op.execute(
            sa.text(
                "INSERT INTO milestones (case_id, key, not_applicable_since, not_applicable_why) "
                "SELECT m.case_id, :key, m.not_applicable_since, m.not_applicable_why "
                "FROM milestones m WHERE m.key = 'reviewer_commissioned' AND NOT EXISTS "
                "(SELECT 1 FROM milestones n WHERE n.case_id = m.case_id AND n.key = :key)"
            ).bindparams(key=key)
        )


def downgrade() -> None:
    for key in NEW_MILESTONES:
        op.execute(sa.text("DELETE FROM milestones WHERE key = :key").bindparams(key=key))
    op.drop_table("review_records")
