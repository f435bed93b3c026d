"""term groups: glossary terms moderators add (/term), ru/kk/en equivalents"""

from knowledge.db.migrations import ddl

revision, down_revision = "0011", "0010"


def upgrade() -> None:
    ddl.create_table(
        "termgroup",
        ddl.id_column(),
        ddl.json("words"),
        ddl.telegram_id("added_by"),
        ddl.timestamp("added_at"),
    )


def downgrade() -> None:
    ddl.drop_table("termgroup")
