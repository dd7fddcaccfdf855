"""A contact's GSTIN status as last looked up on the GSTN portal, and when

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("gstin_status", sa.String(length=12), nullable=True))
        batch.add_column(
            sa.Column("gstin_checked_at", db.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("gstin_checked_at")
        batch.drop_column("gstin_status")
