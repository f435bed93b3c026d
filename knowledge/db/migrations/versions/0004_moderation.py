"""moderation: roles, audit log, drafts, queue decisions, blocks, deliveries, bot state"""

import sqlalchemy as sa

from knowledge.db.migrations import ddl

revision, down_revision = "0004", "0003"


def upgrade() -> None:
    ddl.create_table(
        "auditevent",
        ddl.id_column(),
        ddl.timestamp("at"),
        ddl.telegram_id("actor_id"),
        ddl.string("actor_name", 128),
        ddl.string("action", 32),
        ddl.string("slug", 80, nullable=True),
        ddl.integer("version", nullable=True),
        ddl.json("before", nullable=True),
        ddl.json("after", nullable=True),
        indexes=("at", "slug"),
    )
    ddl.create_table(
        "blockedsubmitter",
        ddl.id_column(),
        ddl.digest("user_hash"),
        ddl.string("sample", 200),
        ddl.telegram_id("blocked_by"),
        ddl.timestamp("blocked_at"),
        sa.UniqueConstraint("user_hash"),
    )
    ddl.create_table(
        "botstate",
        ddl.string("kind", 64),
        ddl.string("key", 128),
        ddl.json("data", nullable=True),
        ddl.timestamp("updated_at"),
        primary_key=("kind", "key"),
    )
    ddl.create_table(
        "cardrecipient",
        ddl.id_column(),
        ddl.string("slug", 80),
        ddl.telegram_id("chat_id"),
        ddl.string("lang", 8),
        ddl.timestamp("sent_at"),
        indexes=("sent_at", "slug"),
    )
    ddl.create_table(
        "moderationmark",
        ddl.string("name", 40),
        ddl.integer("value"),
        primary_key=("name",),
    )
    ddl.create_table(
        "moderator",
        ddl.telegram_id("user_id", key=True),
        ddl.string("role", 10),
        ddl.string("name", 128),
        ddl.telegram_id("granted_by", nullable=True),
        ddl.timestamp("granted_at"),
        primary_key=("user_id",),
    )
    ddl.create_table(
        "moderatordesk",
        ddl.telegram_id("user_id", key=True),
        ddl.json("draft", nullable=True),
        ddl.json("task", nullable=True),
        ddl.timestamp("updated_at"),
        primary_key=("user_id",),
    )
    ddl.create_table(
        "submissiondecision",
        ddl.reference("submission_id", "submission.id", key=True),
        ddl.string("decision", 20),
        ddl.string("slug", 80, nullable=True),
        ddl.string("reason", 20),
        ddl.telegram_id("decided_by"),
        ddl.timestamp("decided_at"),
        ddl.timestamp("delivered_at", nullable=True),
        primary_key=("submission_id",),
        indexes=("slug",),
    )
    ddl.create_table(
        "submittercontact",
        ddl.reference("submission_id", "submission.id", key=True),
        ddl.telegram_id("chat_id"),
        ddl.timestamp("created_at"),
        primary_key=("submission_id",),
    )


def downgrade() -> None:
    ddl.drop_table("submittercontact")
    ddl.drop_table("submissiondecision", indexes=("slug",))
    ddl.drop_table("moderatordesk")
    ddl.drop_table("moderator")
    ddl.drop_table("moderationmark")
    ddl.drop_table("cardrecipient", indexes=("sent_at", "slug"))
    ddl.drop_table("botstate")
    ddl.drop_table("blockedsubmitter")
    ddl.drop_table("auditevent", indexes=("at", "slug"))
