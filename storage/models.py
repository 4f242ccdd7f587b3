"""SQLAlchemy 2 models. Every stored time is UTC (``UTCDateTime`` refuses naive values)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.columns import BigId, UTCDateTime
from storage.conditions import (
    OPEN_ACTION,
    OPEN_CASE,
    OPEN_MILESTONE,
    UNANSWERED_IGT,
    partial_index,
)

# Marks a column whose every value is ciphertext (storage/crypto.py): the tests read each raw.
ENCRYPTED = {"encrypted": True}


class Base(DeclarativeBase):
    type_annotation_map: dict[Any, Any] = {datetime: UTCDateTime}


class ConversationRef(Base):
    """Where the bot can write back: one row per conversation (personal chat or channel)."""

    __tablename__ = "conversation_refs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(512), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # personal | channel | groupChat
    user_aad_id: Mapped[str | None] = mapped_column(String(64), index=True)
    team_id: Mapped[str | None] = mapped_column(String(512))
    channel_id: Mapped[str | None] = mapped_column(String(512))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    service_url: Mapped[str] = mapped_column(String(1024))
    reference: Mapped[str] = mapped_column(Text)  # ConversationReference as JSON
    updated_at: Mapped[datetime]
    # False once the bot was removed, uninstalled, or the team archived or deleted, or the
    # channel deleted: nothing is sent there until it is back.
    reachable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    unreachable_reason: Mapped[str | None] = mapped_column(String(64))
    unreachable_at: Mapped[datetime | None]
    welcomed_at: Mapped[datetime | None]  # set once the welcome was delivered


class Person(Base):
    """Staff directory, learned from Teams: the Entra object id is the identity."""

    __tablename__ = "people"

    aad_object_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    teams_user_id: Mapped[str] = mapped_column(String(512))
    name: Mapped[str] = mapped_column(String(256))
    updated_at: Mapped[datetime]


class RoleAssignment(Base):
    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("aad_object_id", "role"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    aad_object_id: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(64))
    granted_by: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[datetime]


class AuditEvent(Base):
    """Append-only, hash-chained: each row's hash covers its content and the previous hash."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_case_ref", "case_ref"),)

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime]
    actor_aad_id: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(255))  # every role they held, sorted
    action: Mapped[str] = mapped_column(String(128))
    case_ref: Mapped[str | None] = mapped_column(String(32))
    details: Mapped[str] = mapped_column(Text)  # JSON; never personal data
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(100))  # Ed25519 over ``hash``


class AuditHead(Base):
    """One row: the chain's last sequence number and hash. Locking it serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(100))  # over seq and hash


# ----- cases (migration 0002) ---------------------------------------------------------------


class ReferenceCounter(Base):
    """The yearly case-reference sequence: BR-YYYY-NNNN, no gaps, no duplicates."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        # The open cases by their next deadline (migration 0022): what ``cases`` lists.
        partial_index("ix_cases_open_next_due", "next_due_date", "id", where=OPEN_CASE),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(32))
    referring_agency: Mapped[str] = mapped_column(String(200))  # an agency, not a person
    # The referrer's Teams identity; empty when the Business Unit entered the referral for
    # someone who sent it by email, phone or letter.
    referrer_aad_id: Mapped[str] = mapped_column(String(64), index=True)
    entered_by_aad_id: Mapped[str | None] = mapped_column(String(64))  # who typed it in
    received_via: Mapped[str] = mapped_column(String(16), default="teams")  # or email, phone...
    # Anchors of the timetable (dates, Europe/London).
    awareness_date: Mapped[date] = mapped_column(Date)
    notification_date: Mapped[date | None] = mapped_column(Date)
    igt_sent_date: Mapped[date | None] = mapped_column(Date)
    review_decision_date: Mapped[date | None] = mapped_column(Date)
    report_sent_date: Mapped[date | None] = mapped_column(Date)
    planned_publication_date: Mapped[date | None] = mapped_column(Date)
    # The earliest open milestone's due date (kept by storage.milestones): lists sort by it.
    next_due_date: Mapped[date | None] = mapped_column(Date, index=True)
    criteria: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of criterion keys
    # The case's own data key, wrapped with the master key. Every personal field of the case
    # is encrypted with it; purging a closed case clears it (crypto-shredding), leaving the
    # append-only records in place but unreadable.
    wrapped_key: Mapped[str | None] = mapped_column(Text, info=ENCRYPTED)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CaseCorrection(Base):
    """A correction to a case's record (its awareness date, say): what it was, what it is
    now, who changed it and why (the reason encrypted with the case's key). Never edited."""

    __tablename__ = "case_corrections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str] = mapped_column(String(64))
    new_value: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, info=ENCRYPTED)  # encrypted
    corrected_by: Mapped[str] = mapped_column(String(64))
    corrected_at: Mapped[datetime]


class ReferralVersion(Base):
    """A referral form as submitted. Never overwritten: a correction is a new version."""

    __tablename__ = "referral_versions"
    __table_args__ = (UniqueConstraint("case_id", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime]
    payload: Mapped[str] = mapped_column(Text, info=ENCRYPTED)  # encrypted JSON: all of the form


class MilestoneRow(Base):
    __tablename__ = "milestones"
    __table_args__ = (
        UniqueConstraint("case_id", "key"),
        # The open milestones only (0021; 0024 added what the tick reads): what the tick, the
        # digest and overdue read.
        partial_index("ix_milestones_open_due", "due_date", "key", "case_id", where=OPEN_MILESTONE),
        partial_index(
            "ix_milestones_open_key_due", "key", "due_date", "case_id", where=OPEN_MILESTONE
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    base_due_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date, index=True)  # after pauses/extensions
    paused_since: Mapped[date | None] = mapped_column(Date)
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(64))
    # The branch the case took makes this milestone irrelevant: never chased, never shown.
    not_applicable_since: Mapped[datetime | None]
    not_applicable_why: Mapped[str | None] = mapped_column(String(64))


class MilestoneAdjustment(Base):
    __tablename__ = "milestone_adjustments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    effective_on: Mapped[date] = mapped_column(Date)
    new_due_date: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, info=ENCRYPTED)  # encrypted
    approved_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime]


class DecisionRow(Base):
    """A decision with its rationale. Never edited: a change supersedes it with a new row."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(64))
    rationale: Mapped[str] = mapped_column(Text, info=ENCRYPTED)  # encrypted
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_role: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime]
    recorded_by: Mapped[str | None] = mapped_column(String(64))  # when not the decider
    consulted: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of Entra ids
    views: Mapped[str | None] = mapped_column(Text, info=ENCRYPTED)  # encrypted JSON {who: view}
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), unique=True)


class CaseRequest(Base):
    """Someone asked to act on one case only: another agency's person invited to give a
    scoping view, or (the Information Gathering Tool) an agency respondent. The request is
    what lets them: it grants its role for this case, never for any other."""

    __tablename__ = "case_requests"
    __table_args__ = (
        UniqueConstraint("case_id", "purpose", "aad_object_id"),
        # The Information Gathering Tool requests not answered, by due date: ``overdue``,
        # ``deadlines`` and the digest count and page them on every call.
        partial_index("ix_case_requests_unanswered_due", "due_date", where=UNANSWERED_IGT),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))  # "scoping_view", "igt"
    aad_object_id: Mapped[str] = mapped_column(String(64), index=True)
    agency: Mapped[str] = mapped_column(String(200))
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime]
    due_date: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(32), default="sent")
    updated_at: Mapped[datetime]


class CaseAction(Base):
    """An action of a case's action plan. Its text and outcome are encrypted with the case's
    key (they may speak of the family); the rest is what the channel may see."""

    __tablename__ = "case_actions"
    __table_args__ = (
        UniqueConstraint("case_id", "number"),
        Index("ix_case_actions_open_due", "status", "due_date"),
        # The actions not finished, by due date: the morning's overdue-action nudges.
        partial_index("ix_case_actions_unfinished_due", "due_date", where=OPEN_ACTION),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3... within the case
    kind: Mapped[str] = mapped_column(String(32))  # action, newsletter, learning_event, ...
    owner_aad_id: Mapped[str] = mapped_column(String(64), index=True)
    agency: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    rag: Mapped[str] = mapped_column(String(8))
    payload: Mapped[str] = mapped_column(
        Text, info=ENCRYPTED
    )  # encrypted {"text": ..., "outcome": ...}
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class ReviewRecord(Base):
    """A step of a local review, as recorded: who was told and when, the reviewer, the
    methodology, a delay asked for and answered, the sign-off, the communication plan, the
    publication. Never changed: a later record of the same kind is the current one.
    ``facts`` are what the channel may see (dates, kinds, ticks, staff ids); ``payload`` is
    the rest, encrypted with the case's key (methodology, involvement, reasons)."""

    __tablename__ = "review_records"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    facts: Mapped[str] = mapped_column(Text, default="{}")  # JSON; nothing personal
    payload: Mapped[str] = mapped_column(Text, info=ENCRYPTED)  # encrypted JSON
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]


class IgtReturn(Base):
    """An agency's Information Gathering Tool as returned, or its "no involvement". Never
    overwritten: a correction is a new version."""

    __tablename__ = "igt_returns"
    __table_args__ = (UniqueConstraint("request_id", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("case_requests.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # "return" or "no_involvement"
    payload: Mapped[str] = mapped_column(
        Text, info=ENCRYPTED
    )  # encrypted JSON: the form, or the reason
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime]


class BotSetting(Base):
    """A setting an administrator changed from Teams; it overrides the configuration's."""

    __tablename__ = "bot_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class JobLease(Base):
    """Which instance runs a scheduled job, until when."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    until: Mapped[datetime]


class NotificationRow(Base):
    """A notification made outside the bot (to the Panel, Ofsted, DfE, ...), as recorded."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(64))
    external_reference: Mapped[str | None] = mapped_column(String(200))


# ----- referral drafts and the outbox (migration 0003) ---------------------------------------


class FormDraft(Base):
    """A form being filled in (a referral, an IGT, ...). Saved at every button; the answers
    are encrypted. At most one open draft per form kind, owner and case (a partial unique
    index, migration 0005)."""

    __tablename__ = "form_drafts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    form_kind: Mapped[str] = mapped_column(String(32), default="referral")
    owner_aad_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))  # open | submitted | discarded
    section: Mapped[str] = mapped_column(String(32))
    revision: Mapped[int] = mapped_column(Integer)
    data: Mapped[str | None] = mapped_column(
        Text, info=ENCRYPTED
    )  # encrypted JSON; cleared when closed
    # The case it is about (a per-case form), or the case a referral made once submitted.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class OutboxMessage(Base):
    """A message to send, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "status", "next_attempt_at"),
        Index("ix_outbox_card_key_id", "card_key", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime]
    target: Mapped[str] = mapped_column(String(16))  # person | channel
    recipient_aad_id: Mapped[str | None] = mapped_column(String(64))
    channel_id: Mapped[str | None] = mapped_column(String(512))
    card_key: Mapped[str | None] = mapped_column(String(128))  # posted card to create/update
    case_ref: Mapped[str | None] = mapped_column(String(32))
    # The same message is queued once: a second enqueue with this key is a no-op.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    summary: Mapped[str] = mapped_column(String(200))  # notification preview; no personal data
    payload: Mapped[str] = mapped_column(Text, info=ENCRYPTED)  # encrypted card JSON
    status: Mapped[str] = mapped_column(String(16))  # pending | sending | sent | failed | held
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    due_at: Mapped[datetime | None]  # when it first fell due (the give-up clock starts then)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))


class PostedCard(Base):
    """Where a card lives, so later changes update it in place (the channel's case card)."""

    __tablename__ = "posted_cards"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(512))
    activity_id: Mapped[str] = mapped_column(String(256))
    updated_at: Mapped[datetime]


class DownloadLink(Base):
    """A one-use, short-lived download link, bound to the person it was made for. Nothing of
    the file is kept: it is built in memory when the link is used."""

    __tablename__ = "download_links"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # random; the URL's first part
    aad_object_id: Mapped[str] = mapped_column(String(64))  # who asked, and alone may use it
    kind: Mapped[str] = mapped_column(String(32))  # "pack" | "figures_csv"
    subject: Mapped[str] = mapped_column(String(32))  # the case reference, or the year
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
