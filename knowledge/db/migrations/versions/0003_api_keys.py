"""api keys: newsroom API keys (hashed) and their per-minute request counts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "apikey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("apikey", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_apikey_name"), ["name"], unique=True)
        batch_op.create_index(batch_op.f("ix_apikey_key_hash"), ["key_hash"], unique=True)

    op.create_table(
        "apikeyusage",
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["apikey.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key_id", "minute"),
    )


def downgrade() -> None:
    op.drop_table("apikeyusage")
    with op.batch_alter_table("apikey", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apikey_key_hash"))
        batch_op.drop_index(batch_op.f("ix_apikey_name"))
    op.drop_table("apikey")
