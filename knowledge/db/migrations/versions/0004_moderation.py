"""moderation: roles, audit log, drafts, queue decisions, blocks, deliveries, bot state

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:44:49.275089
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auditevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("actor_name", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auditevent_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_auditevent_slug"), ["slug"], unique=False)

    op.create_table(
        "blockedsubmitter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_hash", sa.String(length=64), nullable=False),
        sa.Column("sample", sa.String(length=200), nullable=False),
        sa.Column("blocked_by", sa.BigInteger(), nullable=False),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_hash"),
    )
    op.create_table(
        "botstate",
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key"),
    )
    op.create_table(
        "cardrecipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cardrecipient", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cardrecipient_sent_at"), ["sent_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cardrecipient_slug"), ["slug"], unique=False)

    op.create_table(
        "moderationmark",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "moderator",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("granted_by", sa.BigInteger(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "moderatordesk",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("draft", sa.JSON(), nullable=True),
        sa.Column("task", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "submissiondecision",
        sa.Column("submission_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("submission_id"),
    )
    with op.batch_alter_table("submissiondecision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submissiondecision_slug"), ["slug"], unique=False)

    op.create_table(
        "submittercontact",
        sa.Column("submission_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("submission_id"),
    )


def downgrade() -> None:
    op.drop_table("submittercontact")
    with op.batch_alter_table("submissiondecision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissiondecision_slug"))

    op.drop_table("submissiondecision")
    op.drop_table("moderatordesk")
    op.drop_table("moderator")
    op.drop_table("moderationmark")
    with op.batch_alter_table("cardrecipient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cardrecipient_slug"))
        batch_op.drop_index(batch_op.f("ix_cardrecipient_sent_at"))

    op.drop_table("cardrecipient")
    op.drop_table("botstate")
    op.drop_table("blockedsubmitter")
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auditevent_slug"))
        batch_op.drop_index(batch_op.f("ix_auditevent_at"))

    op.drop_table("auditevent")
