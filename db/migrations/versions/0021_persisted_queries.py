"""Persisted queries: documents registered under their SHA-256 hash, shared by every worker

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "persisted_queries",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", db.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_persisted_queries")),
    )
    with op.batch_alter_table("persisted_queries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_persisted_queries_last_used_at"), ["last_used_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("persisted_queries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_persisted_queries_last_used_at"))
    op.drop_table("persisted_queries")
