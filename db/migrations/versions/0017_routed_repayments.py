"""Routed repayments: what of a payment received went to a financier, and the network's
revision of a financing request's repayments

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.add_column(
            sa.Column("routed_paise", sa.BigInteger(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("financing_requests") as batch:
        batch.add_column(
            sa.Column("network_revision", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("financing_requests") as batch:
        batch.drop_column("network_revision")
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("routed_paise")
