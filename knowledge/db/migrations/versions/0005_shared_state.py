"""shared state: per-reader check quotas and the link-preview cache, shared by every worker

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkquota",
        sa.Column("user_hash", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.Float(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_hash"),
    )
    op.create_table(
        "linkpreviewcache",
        sa.Column("url_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("paragraphs", sa.JSON(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("url_hash"),
    )
    with op.batch_alter_table("linkpreviewcache", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_linkpreviewcache_fetched_at"), ["fetched_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("linkpreviewcache", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_linkpreviewcache_fetched_at"))
    op.drop_table("linkpreviewcache")
    op.drop_table("checkquota")
