"""handled updates: update ids a bot handled, so a redelivered update is not answered twice"""

import sqlalchemy as sa
from alembic import op

from knowledge.db.migrations.ddl import create_indexes, drop_indexes

revision, down_revision = "0008", "0007"


def upgrade() -> None:
    op.create_table(
        "handledupdate",
        sa.Column("bot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bot_id", "update_id"),
    )
    create_indexes("handledupdate", "handled_at")


def downgrade() -> None:
    drop_indexes("handledupdate", "handled_at")
    op.drop_table("handledupdate")
