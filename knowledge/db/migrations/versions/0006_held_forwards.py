"""held forwards: forwarded messages waiting a few seconds for the reader's words, on any worker"""

from knowledge.db.migrations import ddl

revision, down_revision = "0006", "0005"


def upgrade() -> None:
    ddl.create_table(
        "heldforward",
        ddl.id_column(),
        ddl.telegram_id("chat_id"),
        ddl.json("message"),
        ddl.timestamp("release_at"),
        indexes=("chat_id", "release_at"),
    )


def downgrade() -> None:
    ddl.drop_table("heldforward", indexes=("chat_id", "release_at"))
