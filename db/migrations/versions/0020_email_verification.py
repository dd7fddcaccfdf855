"""E-mail verification: when an account proved its address, and the pending code's digest

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            sa.Column("email_verified_at", db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("email_code_digest", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("email_code_sent_at", db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("email_code_attempts", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("email_code_attempts")
        batch.drop_column("email_code_sent_at")
        batch.drop_column("email_code_digest")
        batch.drop_column("email_verified_at")
