"""Numbering per GSTIN: documents remember the GSTIN they are issued under; number series
and number uniqueness are per GSTIN, kind and fiscal year

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 11:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The organisation's default GSTIN: the one verified at onboarding, else the first added.
DEFAULT_GSTIN = """COALESCE(
    (SELECT o.gstin FROM onboardings o WHERE o.organisation_id = {table}.organisation_id),
    (SELECT g.gstin FROM organisation_gstins g WHERE g.organisation_id = {table}.organisation_id
     ORDER BY g.created_at LIMIT 1),
    '')"""


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("our_gstin", sa.String(length=15), server_default="", nullable=False)
        )
    # Our sales documents were issued under their seller GSTIN; purchase orders and debit
    # notes under the organisation's default; received documents under none.
    op.execute(
        "UPDATE documents SET our_gstin = COALESCE(seller_gstin, '') "
        "WHERE direction = 'OUTGOING' AND kind IN ('INVOICE', 'SALES_ORDER', 'CREDIT_NOTE')"
    )
    op.execute(
        "UPDATE documents SET our_gstin = "
        + DEFAULT_GSTIN.format(table="documents")
        + " WHERE direction = 'OUTGOING' AND kind IN ('PURCHASE_ORDER', 'DEBIT_NOTE')"
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint("uq_documents_number_per_sender", type_="unique")
        batch_op.create_unique_constraint(
            "uq_documents_number_per_series",
            ["organisation_id", "our_gstin", "kind", "fiscal_year", "number", "received_from"],
        )
    op.execute("CREATE TABLE number_series_old AS SELECT * FROM number_series")
    op.drop_table("number_series")
    op.create_table(
        "number_series",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("gstin", sa.String(length=15), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("fiscal_year", sa.String(length=7), nullable=False),
        sa.Column("next_value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_number_series_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "gstin", "kind", "fiscal_year", name=op.f("pk_number_series")
        ),
    )
    op.execute(
        "INSERT INTO number_series (organisation_id, gstin, kind, fiscal_year, next_value) "
        "SELECT organisation_id, "
        + DEFAULT_GSTIN.format(table="number_series_old")
        + ", kind, fiscal_year, next_value FROM number_series_old"
    )
    op.drop_table("number_series_old")


def downgrade() -> None:
    op.execute("CREATE TABLE number_series_old AS SELECT * FROM number_series")
    op.drop_table("number_series")
    op.create_table(
        "number_series",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("fiscal_year", sa.String(length=7), nullable=False),
        sa.Column("next_value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_number_series_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "kind", "fiscal_year", name=op.f("pk_number_series")
        ),
    )
    op.execute(
        "INSERT INTO number_series (organisation_id, kind, fiscal_year, next_value) "
        "SELECT organisation_id, kind, fiscal_year, MAX(next_value) FROM number_series_old "
        "GROUP BY organisation_id, kind, fiscal_year"
    )
    op.drop_table("number_series_old")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint("uq_documents_number_per_series", type_="unique")
        batch_op.create_unique_constraint(
            "uq_documents_number_per_sender",
            ["organisation_id", "kind", "fiscal_year", "number", "received_from"],
        )
        batch_op.drop_column("our_gstin")
