"""KYC: profiles, owners and documents.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 20:05:34.406070
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kyc_documents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("uploaded_by_account_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_kyc_documents_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_account_id"],
            ["accounts.id"],
            name=op.f("fk_kyc_documents_uploaded_by_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kyc_documents")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_kyc_documents_storage_key")),
    )
    with op.batch_alter_table("kyc_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kyc_documents_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "kyc_owners",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("pan", sa.String(length=10), nullable=False),
        sa.Column("share_basis_points", sa.Integer(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_kyc_owners_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kyc_owners")),
    )
    with op.batch_alter_table("kyc_owners", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kyc_owners_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "kyc_profiles",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "DRAFT",
                "SUBMITTED",
                "APPROVED",
                "REJECTED",
                name="kycstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("address_line", sa.String(length=300), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("state_code", sa.String(length=2), nullable=True),
        sa.Column("pin", sa.String(length=6), nullable=True),
        sa.Column("representative_name", sa.String(length=200), nullable=True),
        sa.Column("representative_pan", sa.String(length=10), nullable=True),
        sa.Column("representative_designation", sa.String(length=100), nullable=True),
        sa.Column("representative_email", sa.String(length=254), nullable=True),
        sa.Column("representative_mobile", sa.String(length=10), nullable=True),
        sa.Column("bank_account_holder", sa.String(length=200), nullable=True),
        sa.Column("bank_account_number", sa.String(length=18), nullable=True),
        sa.Column("bank_ifsc", sa.String(length=11), nullable=True),
        sa.Column("request_id", sa.String(length=40), nullable=True),
        sa.Column("rejection_reason", sa.String(length=500), nullable=True),
        sa.Column("submitted_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_kyc_profiles_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_kyc_profiles")),
        sa.UniqueConstraint("request_id", name=op.f("uq_kyc_profiles_request_id")),
    )


def downgrade() -> None:
    op.drop_table("kyc_profiles")
    with op.batch_alter_table("kyc_owners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kyc_owners_organisation_id"))

    op.drop_table("kyc_owners")
    with op.batch_alter_table("kyc_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kyc_documents_organisation_id"))

    op.drop_table("kyc_documents")
