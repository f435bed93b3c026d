"""audience: submissions, feedback votes, language preferences, chat settings, checks, reply links

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_hash", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("origin_kind", sa.String(length=20), nullable=False),
        sa.Column("origin_title", sa.String(length=256), nullable=False),
        sa.Column("origin_url", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submission_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_submission_user_hash"), ["user_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_submission_status"), ["status"], unique=False)

    op.create_table(
        "feedbackvote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("user_hash", sa.String(length=64), nullable=False),
        sa.Column("vote", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug", "user_hash"),
    )
    with op.batch_alter_table("feedbackvote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedbackvote_slug"), ["slug"], unique=False)

    op.create_table(
        "languagepreference",
        sa.Column("user_hash", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_hash"),
    )
    op.create_table(
        "chatsettings",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("auto_check", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
    )
    op.create_table(
        "checkrecord",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("chat_type", sa.String(length=20), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("checkrecord", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkrecord_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_checkrecord_slug"), ["slug"], unique=False)

    op.create_table(
        "replylink",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_key", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("reply_message_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_key", "message_id"),
    )
    with op.batch_alter_table("replylink", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_replylink_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("replylink", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_replylink_created_at"))
    op.drop_table("replylink")
    with op.batch_alter_table("checkrecord", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkrecord_slug"))
        batch_op.drop_index(batch_op.f("ix_checkrecord_created_at"))
    op.drop_table("checkrecord")
    op.drop_table("chatsettings")
    op.drop_table("languagepreference")
    with op.batch_alter_table("feedbackvote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedbackvote_slug"))
    op.drop_table("feedbackvote")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_status"))
        batch_op.drop_index(batch_op.f("ix_submission_user_hash"))
        batch_op.drop_index(batch_op.f("ix_submission_created_at"))
    op.drop_table("submission")
