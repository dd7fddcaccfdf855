"""Outbox actions: what operators did to outbox messages (retried, dropped), who, when, why

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_actions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("at", db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["outbox.id"],
            name=op.f("fk_outbox_actions_message_id_outbox"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_actions")),
    )  # fmt: skip
    with op.batch_alter_table("outbox_actions") as batch:
        batch.create_index(batch.f("ix_outbox_actions_message_id"), ["message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_actions") as batch:
        batch.drop_index(batch.f("ix_outbox_actions_message_id"))
    op.drop_table("outbox_actions")
