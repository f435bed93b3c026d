"""api keys: newsroom API keys (hashed) and their per-minute request counts"""

from knowledge.db.migrations import ddl

revision, down_revision = "0003", "0002"


def upgrade() -> None:
    ddl.create_table(
        "apikey",
        ddl.id_column(),
        ddl.string("name", 64),
        ddl.digest("key_hash"),
        ddl.timestamp("created_at"),
        ddl.timestamp("revoked_at", nullable=True),
        indexes=("name", "key_hash"),
        unique=("name", "key_hash"),
    )
    ddl.create_table(
        "apikeyusage",
        ddl.reference("key_id", "apikey.id"),
        ddl.integer("minute", key=True),
        ddl.integer("count"),
        primary_key=("key_id", "minute"),
    )


def downgrade() -> None:
    ddl.drop_table("apikeyusage")
    ddl.drop_table("apikey", indexes=("name", "key_hash"))
