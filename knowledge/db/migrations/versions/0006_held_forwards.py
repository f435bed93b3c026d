"""held forwards: forwarded messages waiting a few seconds for the reader's words, on any worker

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "heldforward",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("release_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("heldforward", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_heldforward_chat_id"), ["chat_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_heldforward_release_at"), ["release_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("heldforward", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_heldforward_release_at"))
        batch_op.drop_index(batch_op.f("ix_heldforward_chat_id"))
    op.drop_table("heldforward")
