"""shared state: per-reader check quotas and the link-preview cache, shared by every worker"""

import sqlalchemy as sa

from knowledge.db.migrations import ddl

revision, down_revision = "0005", "0004"


def upgrade() -> None:
    ddl.create_table(
        "checkquota",
        ddl.digest("user_hash"),
        sa.Column("window_start", sa.Float(), nullable=False),
        ddl.integer("taken"),
        primary_key=("user_hash",),
    )
    ddl.create_table(
        "linkpreviewcache",
        ddl.digest("url_hash"),
        ddl.string("state", 10),
        ddl.string("url"),
        ddl.string("title"),
        ddl.string("description"),
        ddl.json("paragraphs"),
        ddl.timestamp("fetched_at"),
        primary_key=("url_hash",),
        indexes=("fetched_at",),
    )


def downgrade() -> None:
    ddl.drop_table("linkpreviewcache", indexes=("fetched_at",))
    ddl.drop_table("checkquota")
