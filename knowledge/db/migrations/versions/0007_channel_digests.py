"""channel digests: channels that get new and updated debunks daily or weekly"""

import sqlalchemy as sa
from alembic import op

from knowledge.db.migrations.ddl import create_indexes, drop_indexes

revision, down_revision = "0007", "0006"


def upgrade() -> None:
    op.create_table(
        "channeldigest",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
    )
    create_indexes("channeldigest", "due_at")


def downgrade() -> None:
    drop_indexes("channeldigest", "due_at")
    op.drop_table("channeldigest")
