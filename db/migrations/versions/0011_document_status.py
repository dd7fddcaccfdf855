"""Business statuses that tell the truth: our documents not delivered (never pushed, refused
by the network, rejected or returned) are DRAFT, not SENT or OPEN

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 11:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE documents SET status = 'DRAFT' WHERE direction = 'OUTGOING' "
        "AND status IN ('SENT', 'OPEN') "
        "AND push_status IN ('NOT_PUSHED', 'PUSH_FAILED', 'REJECTED')"
    )


def downgrade() -> None:
    """Nothing to undo: DRAFT was a valid status before too."""
