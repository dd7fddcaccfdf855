"""Onboarding: organisation GSTINs, onboardings, OTP challenges, B2B IDs, network access,
outbox and inbound receipts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 19:50:27.351851
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_receipts",
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("received_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_inbound_receipts")),
    )
    op.create_table(
        "b2b_ids",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("gstin", sa.String(length=15), nullable=False),
        sa.Column("value", sa.String(length=50), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "SUBMITTING",
                "PENDING_APPROVAL",
                "APPROVED",
                "REJECTED",
                name="b2bidstatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("request_id", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_by_account_id", sa.Uuid(), nullable=True),
        sa.Column("terms_accepted_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_account_id"],
            ["accounts.id"],
            name=op.f("fk_b2b_ids_created_by_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_b2b_ids_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_b2b_ids")),
        sa.UniqueConstraint("request_id", name=op.f("uq_b2b_ids_request_id")),
    )
    with op.batch_alter_table("b2b_ids", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_b2b_ids_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_b2b_ids_value"), ["value"], unique=False)

    op.create_table(
        "network_access_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "APPROVED",
                "DECLINED",
                name="accessrequeststatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("decided_by_account_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_network_access_requests_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_account_id"],
            ["accounts.id"],
            name=op.f("fk_network_access_requests_decided_by_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_network_access_requests_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_access_requests")),
    )
    with op.batch_alter_table("network_access_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_network_access_requests_organisation_id"),
            ["organisation_id"],
            unique=False,
        )

    op.create_table(
        "onboardings",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("authorised_by_account_id", sa.Uuid(), nullable=True),
        sa.Column("authorised_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("gstin", sa.String(length=15), nullable=True),
        sa.Column("legal_name", sa.String(length=200), nullable=True),
        sa.Column("gstn_username", sa.String(length=100), nullable=True),
        sa.Column("business_type", sa.String(length=32), nullable=True),
        sa.Column("gstin_verified_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("mobile", sa.String(length=10), nullable=True),
        sa.Column("mobile_verified_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["authorised_by_account_id"],
            ["accounts.id"],
            name=op.f("fk_onboardings_authorised_by_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_onboardings_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_onboardings")),
    )
    op.create_table(
        "organisation_gstins",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("gstin", sa.String(length=15), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_gstins_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_gstins")),
        sa.UniqueConstraint(
            "organisation_id", "gstin", name=op.f("uq_organisation_gstins_organisation_id_gstin")
        ),
    )
    with op.batch_alter_table("organisation_gstins", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisation_gstins_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "otp_challenges",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum("GSTIN", "MOBILE", name="otppurpose", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("target", sa.String(length=15), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("sent_to", sa.String(length=200), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("consumed_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_otp_challenges_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_otp_challenges")),
    )
    with op.batch_alter_table("otp_challenges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_otp_challenges_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("PENDING", "DONE", "FAILED", name="outboxstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_outbox_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["status", "next_attempt_at"], unique=False)

    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("network_access", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_column("network_access")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_due")

    op.drop_table("outbox")
    with op.batch_alter_table("otp_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_otp_challenges_organisation_id"))

    op.drop_table("otp_challenges")
    with op.batch_alter_table("organisation_gstins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_gstins_organisation_id"))

    op.drop_table("organisation_gstins")
    op.drop_table("onboardings")
    with op.batch_alter_table("network_access_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_access_requests_organisation_id"))

    op.drop_table("network_access_requests")
    with op.batch_alter_table("b2b_ids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_b2b_ids_value"))
        batch_op.drop_index(batch_op.f("ix_b2b_ids_organisation_id"))

    op.drop_table("b2b_ids")
    op.drop_table("inbound_receipts")
