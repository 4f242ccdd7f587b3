"""Cases: references, referral versions, milestones, adjustments, decisions, notifications.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from storage.models import BigId, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reference_counters",
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("referring_agency", sa.String(200), nullable=False),
        sa.Column("referrer_aad_id", sa.String(64), nullable=False, index=True),
        sa.Column("awareness_date", sa.Date(), nullable=False),
        sa.Column("notification_date", sa.Date(), nullable=True),
        sa.Column("igt_sent_date", sa.Date(), nullable=True),
        sa.Column("review_decision_date", sa.Date(), nullable=True),
        sa.Column("report_sent_date", sa.Date(), nullable=True),
        sa.Column("planned_publication_date", sa.Date(), nullable=True),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("wrapped_key", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(128), nullable=True, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("year", "seq"),
    )
    op.create_table(
        "referral_versions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("case_id", BigId, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.String(64), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.UniqueConstraint("case_id", "version"),
    )
    op.create_table(
        "milestones",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("case_id", BigId, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("base_due_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True, index=True),
        sa.Column("paused_since", sa.Date(), nullable=True),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("completed_by", sa.String(64), nullable=True),
        sa.UniqueConstraint("case_id", "key"),
    )
    op.create_table(
        "milestone_adjustments",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "milestone_id", BigId, sa.ForeignKey("milestones.id"), nullable=False, index=True
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("new_due_date", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.String(64), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "decisions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("case_id", BigId, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(64), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_role", sa.String(64), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("consulted", sa.Text(), nullable=False),
        sa.Column("views", sa.Text(), nullable=True),
        sa.Column(
            "supersedes_id", BigId, sa.ForeignKey("decisions.id"), nullable=True, unique=True
        ),
    )
    op.create_table(
        "notifications",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("case_id", BigId, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("external_reference", sa.String(200), nullable=True),
    )
    # Decisions are never edited: guard at the database too.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION decisions_never_edited() RETURNS trigger AS $$
            BEGIN
              RAISE EXCEPTION 'decisions are never edited; record a new one that supersedes it';
            END;
            $$ LANGUAGE plpgsql;
            """
        )
        op.execute(
            "CREATE TRIGGER decisions_no_change BEFORE UPDATE OR DELETE ON decisions "
            "FOR EACH ROW EXECUTE FUNCTION decisions_never_edited()"
        )
        op.execute(
            "CREATE TRIGGER referral_versions_no_change BEFORE UPDATE OR DELETE ON "
            "referral_versions FOR EACH ROW EXECUTE FUNCTION decisions_never_edited()"
        )
    else:
        for table in ("decisions", "referral_versions"):
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} are never edited'); END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS decisions_no_change ON decisions")
        op.execute("DROP TRIGGER IF EXISTS referral_versions_no_change ON referral_versions")
        op.execute("DROP FUNCTION IF EXISTS decisions_never_edited()")
    for table in (
        "notifications",
        "decisions",
        "milestone_adjustments",
        "milestones",
        "referral_versions",
        "cases",
        "reference_counters",
    ):
        op.drop_table(table)
