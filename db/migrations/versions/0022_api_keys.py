"""API keys: accounts of kind API_KEY, and the keys with their organisation, scopes and use

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=16), server_default="PERSON", nullable=False)
        )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("created_by_account_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scopes", sa.String(length=100), nullable=False),
        sa.Column("hint", sa.String(length=16), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(), nullable=False),
        sa.Column("rotated_at", db.base.UTCDateTime(), nullable=True),
        sa.Column("last_used_at", db.base.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", db.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"],
            name=op.f("fk_api_keys_account_id_accounts"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_account_id"], ["accounts.id"],
            name=op.f("fk_api_keys_created_by_account_id_accounts"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"],
            name=op.f("fk_api_keys_organisation_id_organisations"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("account_id", name=op.f("uq_api_keys_account_id")),
    )  # fmt: skip
    with op.batch_alter_table("api_keys") as batch:
        batch.create_index(
            batch.f("ix_api_keys_created_by_account_id"), ["created_by_account_id"], unique=False
        )
        batch.create_index(
            batch.f("ix_api_keys_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_index(batch.f("ix_api_keys_organisation_id"))
        batch.drop_index(batch.f("ix_api_keys_created_by_account_id"))
    op.drop_table("api_keys")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("kind")
