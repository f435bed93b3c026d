"""knowledge base

Revision ID: 0001
Revises:
Create Date: 2026-11-23 10:16:53.361670
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "debunk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("disproofs", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("debunk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_debunk_slug"), ["slug"], unique=True)
        batch_op.create_index(batch_op.f("ix_debunk_status"), ["status"], unique=False)

    op.create_table(
        "textembedding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.String(length=80), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("model_id", "text_sha256"),
    )
    op.create_table(
        "appearance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debunk_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["debunk_id"], ["debunk.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("appearance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appearance_debunk_id"), ["debunk_id"], unique=False)

    op.create_table(
        "claimphrasing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debunk_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["debunk_id"], ["debunk.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("claimphrasing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claimphrasing_debunk_id"), ["debunk_id"], unique=False)

    op.create_table(
        "source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debunk_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("publisher", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["debunk_id"], ["debunk.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_debunk_id"), ["debunk_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_debunk_id"))

    op.drop_table("source")
    with op.batch_alter_table("claimphrasing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claimphrasing_debunk_id"))

    op.drop_table("claimphrasing")
    with op.batch_alter_table("appearance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appearance_debunk_id"))

    op.drop_table("appearance")
    op.drop_table("textembedding")
    with op.batch_alter_table("debunk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_debunk_status"))
        batch_op.drop_index(batch_op.f("ix_debunk_slug"))

    op.drop_table("debunk")
