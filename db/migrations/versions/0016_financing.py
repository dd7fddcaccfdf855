"""Invoice financing: requests against accepted invoices, the financiers' bids, and each
request's history

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 18:00:02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "financing_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("network_id", sa.String(length=40), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "REQUESTED",
                "BIDDING",
                "BID_ACCEPTED",
                "DISBURSED",
                "SETTLED",
                "NO_BIDS",
                "CANCELLED",
                "DISBURSAL_FAILED",
                name="financingstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("tenor_days", sa.Integer(), nullable=True),
        sa.Column("accepted_bid_id", sa.Uuid(), nullable=True),
        sa.Column("disbursed_paise", sa.BigInteger(), nullable=False),
        sa.Column("disbursal_utr", sa.String(length=22), nullable=True),
        sa.Column("disbursed_on", sa.Date(), nullable=True),
        sa.Column("repayment_due_on", sa.Date(), nullable=True),
        sa.Column("owed_paise", sa.BigInteger(), nullable=False),
        sa.Column("repaid_paise", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_by_account_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_account_id"],
            ["accounts.id"],
            name=op.f("fk_financing_requests_created_by_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_financing_requests_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_financing_requests")),
        sa.UniqueConstraint("network_id", name=op.f("uq_financing_requests_network_id")),
    )
    with op.batch_alter_table("financing_requests", schema=None) as batch_op:
        batch_op.create_index("ix_financing_requests_org", ["organisation_id", "id"], unique=False)

    op.create_table(
        "financing_bids",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("network_bid_id", sa.String(length=40), nullable=False),
        sa.Column("financier_id", sa.String(length=40), nullable=False),
        sa.Column("financier_name", sa.String(length=200), nullable=False),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("fee_paise", sa.BigInteger(), nullable=False),
        sa.Column("tenor_days", sa.Integer(), nullable=False),
        sa.Column("expires_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "LIVE",
                "EXPIRED",
                "WITHDRAWN",
                "ACCEPTED",
                "DECLINED",
                name="bidstatus",
                native_enum=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("received_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["financing_requests.id"],
            name=op.f("fk_financing_bids_request_id_financing_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_financing_bids")),
        sa.UniqueConstraint(
            "request_id", "network_bid_id", name=op.f("uq_financing_bids_request_id_network_bid_id")
        ),
    )
    with op.batch_alter_table("financing_bids", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_financing_bids_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "financing_history",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("actor_account_id", sa.Uuid(), nullable=True),
        sa.Column("by_network", sa.Boolean(), nullable=False),
        sa.Column("at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_account_id"],
            ["accounts.id"],
            name=op.f("fk_financing_history_actor_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["financing_requests.id"],
            name=op.f("fk_financing_history_request_id_financing_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_financing_history")),
    )
    with op.batch_alter_table("financing_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_financing_history_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "financing_request_invoices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("amount_due_paise", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_financing_request_invoices_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["financing_requests.id"],
            name=op.f("fk_financing_request_invoices_request_id_financing_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_financing_request_invoices")),
        sa.UniqueConstraint(
            "request_id",
            "document_id",
            name=op.f("uq_financing_request_invoices_request_id_document_id"),
        ),
    )
    with op.batch_alter_table("financing_request_invoices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_financing_request_invoices_document_id"), ["document_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_financing_request_invoices_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("financing_request_invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_financing_request_invoices_request_id"))
        batch_op.drop_index(batch_op.f("ix_financing_request_invoices_document_id"))

    op.drop_table("financing_request_invoices")
    with op.batch_alter_table("financing_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_financing_history_request_id"))

    op.drop_table("financing_history")
    with op.batch_alter_table("financing_bids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_financing_bids_request_id"))

    op.drop_table("financing_bids")
    with op.batch_alter_table("financing_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_financing_requests_org")

    op.drop_table("financing_requests")
