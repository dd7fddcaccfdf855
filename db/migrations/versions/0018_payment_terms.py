"""Payment terms: an organisation's default and a contact's own, in days

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 21:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(
            sa.Column(
                "default_payment_terms_days", sa.Integer(), nullable=False, server_default="30"
            )
        )
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("payment_terms_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("payment_terms_days")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("default_payment_terms_days")
