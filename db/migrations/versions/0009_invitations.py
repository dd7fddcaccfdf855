"""Invitations to join an organisation

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 11:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_normalised", sa.String(length=254), nullable=False),
        sa.Column(
            "role",
            sa.Enum("OWNER", "ADMIN", "STAFF", name="membershiprole", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "ACCEPTED",
                "DECLINED",
                "REVOKED",
                name="invitationstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("invited_by_account_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", db.base.UTCDateTime(), nullable=False),
        sa.Column("decided_at", db.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["invited_by_account_id"], ["accounts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_invitations_email_status", ["email_normalised", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_invitations_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_organisation_id"))
        batch_op.drop_index("ix_invitations_email_status")
    op.drop_table("invitations")
