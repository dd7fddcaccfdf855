"""Trace context: outbox messages and organisation events keep the trace of what wrote them

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisation_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trace_context", sa.JSON(), nullable=True))

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trace_context", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("trace_context")

    with op.batch_alter_table("organisation_events", schema=None) as batch_op:
        batch_op.drop_column("trace_context")
