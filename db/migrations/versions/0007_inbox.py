"""Received documents (inbox), tombstones, note references, bill approval setting

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 18:21:25.774872
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox_tombstones",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("network_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "INVOICE",
                "SALES_ORDER",
                "PURCHASE_ORDER",
                "CREDIT_NOTE",
                "DEBIT_NOTE",
                name="documentkind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("sender_b2b_id", sa.String(length=50), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("actor_account_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_account_id"],
            ["accounts.id"],
            name=op.f("fk_inbox_tombstones_actor_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_inbox_tombstones_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_tombstones")),
        sa.UniqueConstraint(
            "organisation_id",
            "network_id",
            "version",
            name=op.f("uq_inbox_tombstones_organisation_id_network_id_version"),
        ),
    )
    with op.batch_alter_table("inbox_tombstones", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbox_tombstones_organisation_id"), ["organisation_id"], unique=False
        )

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "direction",
                sa.Enum("OUTGOING", "INCOMING", name="direction", native_enum=False, length=10),
                server_default="OUTGOING",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("received_from", sa.String(length=50), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "inbox_status",
                sa.Enum(
                    "RECEIVED",
                    "ACCEPTANCE_IN_PROGRESS",
                    "ACCEPTED",
                    name="inboxstatus",
                    native_enum=False,
                    length=24,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("reference_id", sa.Uuid(), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_documents_network_id"), type_="unique")
        batch_op.drop_constraint(
            batch_op.f("uq_documents_organisation_id_kind_fiscal_year_number"), type_="unique"
        )
        batch_op.create_index(
            batch_op.f("ix_documents_reference_id"), ["reference_id"], unique=False
        )
        batch_op.create_unique_constraint(
            "uq_documents_number_per_sender",
            ["organisation_id", "kind", "fiscal_year", "number", "received_from"],
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_documents_organisation_id_network_id"), ["organisation_id", "network_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_documents_reference_id_documents"), "documents", ["reference_id"], ["id"]
        )

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "bill_approval_required", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("bill_approval_required")

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_documents_reference_id_documents"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("uq_documents_organisation_id_network_id"), type_="unique"
        )
        batch_op.drop_constraint("uq_documents_number_per_sender", type_="unique")
        batch_op.drop_index(batch_op.f("ix_documents_reference_id"))
        batch_op.create_unique_constraint(
            batch_op.f("uq_documents_organisation_id_kind_fiscal_year_number"),
            ["organisation_id", "kind", "fiscal_year", "number"],
        )
        batch_op.create_unique_constraint(batch_op.f("uq_documents_network_id"), ["network_id"])
        batch_op.drop_column("reference_id")
        batch_op.drop_column("inbox_status")
        batch_op.drop_column("received_from")
        batch_op.drop_column("direction")

    with op.batch_alter_table("inbox_tombstones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_tombstones_organisation_id"))

    op.drop_table("inbox_tombstones")
