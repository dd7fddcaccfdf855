"""Documents: network id and push reason.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 20:38:13.694713
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base  # noqa: F401  (custom column types)

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("network_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("push_reason", sa.String(length=500), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_documents_network_id"), ["network_id"])


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_documents_network_id"), type_="unique")
        batch_op.drop_column("push_reason")
        batch_op.drop_column("network_id")
