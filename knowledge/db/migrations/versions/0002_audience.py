"""audience: submissions, votes, language preferences, chat settings, checks, reply links"""

import sqlalchemy as sa

from knowledge.db.migrations import ddl

revision, down_revision = "0002", "0001"


def upgrade() -> None:
    ddl.create_table(
        "submission",
        ddl.id_column(),
        ddl.timestamp("created_at"),
        ddl.digest("user_hash"),
        ddl.string("lang", 8),
        ddl.string("text"),
        ddl.string("origin_kind", 20),
        ddl.string("origin_title", 256),
        ddl.string("origin_url"),
        ddl.string("status", 20),
        indexes=("created_at", "user_hash", "status"),
    )
    ddl.create_table(
        "feedbackvote",
        ddl.id_column(),
        ddl.string("slug", 80),
        ddl.digest("user_hash"),
        ddl.integer("vote"),
        ddl.timestamp("created_at"),
        ddl.timestamp("updated_at"),
        sa.UniqueConstraint("slug", "user_hash"),
        indexes=("slug",),
    )
    ddl.create_table(
        "languagepreference",
        ddl.digest("user_hash"),
        ddl.string("lang", 8),
        ddl.timestamp("updated_at"),
        primary_key=("user_hash",),
    )
    ddl.create_table(
        "chatsettings",
        ddl.telegram_id("chat_id", key=True),
        sa.Column("auto_check", sa.Boolean(), nullable=False),
        ddl.digest("updated_by"),
        ddl.timestamp("updated_at"),
        primary_key=("chat_id",),
    )
    ddl.create_table(
        "checkrecord",
        ddl.id_column(),
        ddl.timestamp("created_at"),
        ddl.string("source", 20),
        ddl.string("chat_type", 20),
        ddl.string("lang", 8),
        ddl.string("verdict", 10),
        ddl.string("slug", 80, nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        indexes=("created_at", "slug"),
    )
    ddl.create_table(
        "replylink",
        ddl.id_column(),
        ddl.digest("chat_key"),
        ddl.telegram_id("message_id"),
        ddl.telegram_id("reply_message_id"),
        ddl.timestamp("created_at"),
        sa.UniqueConstraint("chat_key", "message_id"),
        indexes=("created_at",),
    )


def downgrade() -> None:
    ddl.drop_table("replylink", indexes=("created_at",))
    ddl.drop_table("checkrecord", indexes=("created_at", "slug"))
    ddl.drop_table("chatsettings")
    ddl.drop_table("languagepreference")
    ddl.drop_table("feedbackvote", indexes=("slug",))
    ddl.drop_table("submission", indexes=("created_at", "user_hash", "status"))
