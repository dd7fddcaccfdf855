"""Payments: payments and what each settles, the paid and in-flight amounts on documents,
and the network's settlement reports with their matches

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 17:21:35
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reconciliation_days",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("fetched_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_reconciliation_days_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", "day", name=op.f("pk_reconciliation_days")),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column(
            "direction",
            sa.Enum("OUTGOING", "INCOMING", name="paymentdirection", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("counterparty_b2b_id", sa.String(length=50), nullable=True),
        sa.Column(
            "method",
            sa.Enum(
                "BANK_TRANSFER",
                "UPI",
                "CARD",
                "NET_BANKING",
                "OFFLINE",
                name="paymentmethod",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "INITIATED",
                "PENDING",
                "SETTLED",
                "FAILED",
                "REVERSED",
                "RECORDED",
                "AWAITING_CONFIRMATION",
                "CONFIRMED",
                "DENIED",
                name="paymentstatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("network_id", sa.String(length=40), nullable=True),
        sa.Column("virtual_account", sa.String(length=20), nullable=True),
        sa.Column("virtual_ifsc", sa.String(length=11), nullable=True),
        sa.Column("utr", sa.String(length=22), nullable=True),
        sa.Column("failure_reason", sa.String(length=500), nullable=True),
        sa.Column("source_ifsc", sa.String(length=11), nullable=True),
        sa.Column("source_account_last4", sa.String(length=4), nullable=True),
        sa.Column("vpa", sa.String(length=50), nullable=True),
        sa.Column("bank_code", sa.String(length=4), nullable=True),
        sa.Column("card_token", sa.String(length=40), nullable=True),
        sa.Column("card_network", sa.String(length=12), nullable=True),
        sa.Column("card_last4", sa.String(length=4), nullable=True),
        sa.Column("offline_mode", sa.String(length=16), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=True),
        sa.Column("remarks", sa.String(length=500), nullable=True),
        sa.Column("created_by_account_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_payments_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_account_id"],
            ["accounts.id"],
            name=op.f("fk_payments_created_by_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_payments_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint(
            "organisation_id", "network_id", name=op.f("uq_payments_organisation_id_network_id")
        ),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(
            "ix_payments_org_created", ["organisation_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_payments_utr"), ["utr"], unique=False)

    op.create_table(
        "payment_allocations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_payment_allocations_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_payment_allocations_payment_id_payments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_allocations")),
        sa.UniqueConstraint(
            "payment_id", "document_id", name=op.f("uq_payment_allocations_payment_id_document_id")
        ),
    )
    with op.batch_alter_table("payment_allocations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_allocations_document_id"), ["document_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_allocations_payment_id"), ["payment_id"], unique=False
        )

    op.create_table(
        "settlement_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("line_id", sa.String(length=60), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("direction", sa.String(length=6), nullable=False),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("utr", sa.String(length=22), nullable=False),
        sa.Column("virtual_account", sa.String(length=20), nullable=False),
        sa.Column("payment_network_id", sa.String(length=40), nullable=False),
        sa.Column("document_network_ids", sa.JSON(), nullable=False),
        sa.Column(
            "match_status",
            sa.Enum(
                "MATCHED",
                "PARTIAL",
                "UNMATCHED",
                "MANUAL",
                name="matchstatus",
                native_enum=False,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("difference_paise", sa.BigInteger(), nullable=False),
        sa.Column("match_reason", sa.String(length=500), nullable=True),
        sa.Column("matched_by_account_id", sa.Uuid(), nullable=True),
        sa.Column("matched_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("fetched_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["matched_by_account_id"],
            ["accounts.id"],
            name=op.f("fk_settlement_lines_matched_by_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_settlement_lines_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_settlement_lines_payment_id_payments"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_lines")),
        sa.UniqueConstraint(
            "organisation_id", "line_id", name=op.f("uq_settlement_lines_organisation_id_line_id")
        ),
    )
    with op.batch_alter_table("settlement_lines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_settlement_lines_org_day", ["organisation_id", "day", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_settlement_lines_payment_id"), ["payment_id"], unique=False
        )

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("paid_paise", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("in_flight_paise", sa.BigInteger(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("in_flight_paise")
        batch_op.drop_column("paid_paise")

    with op.batch_alter_table("settlement_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_settlement_lines_payment_id"))
        batch_op.drop_index("ix_settlement_lines_org_day")

    op.drop_table("settlement_lines")
    with op.batch_alter_table("payment_allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_allocations_payment_id"))
        batch_op.drop_index(batch_op.f("ix_payment_allocations_document_id"))

    op.drop_table("payment_allocations")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_utr"))
        batch_op.drop_index("ix_payments_org_created")
        batch_op.drop_index(batch_op.f("ix_payments_contact_id"))

    op.drop_table("payments")
    op.drop_table("reconciliation_days")
