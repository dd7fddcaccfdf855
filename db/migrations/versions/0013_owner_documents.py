"""Owners' documents: a KYC document may belong to an owner (their proof of identity)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 12:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("kyc_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_kyc_documents_owner_id"), ["owner_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_kyc_documents_owner_id_kyc_owners"),
            "kyc_owners",
            ["owner_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("kyc_documents", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_kyc_documents_owner_id_kyc_owners"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_kyc_documents_owner_id"))
        batch_op.drop_column("owner_id")
