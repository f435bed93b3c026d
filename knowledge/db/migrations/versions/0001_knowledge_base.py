"""knowledge base"""

import sqlalchemy as sa

from knowledge.db.migrations import ddl

revision, down_revision = "0001", None


def upgrade() -> None:
    ddl.create_table(
        "debunk",
        ddl.id_column(),
        ddl.string("slug", 80),
        ddl.string("verdict", 20),
        ddl.string("status", 20),
        ddl.json("titles"),
        ddl.json("disproofs"),
        ddl.json("tags"),
        sa.Column("published", sa.Date(), nullable=True),
        ddl.timestamp("created_at"),
        ddl.timestamp("updated_at"),
        ddl.integer("version"),
        indexes=("slug", "status"),
        unique=("slug",),
    )
    ddl.create_table(
        "textembedding",
        ddl.id_column(),
        ddl.string("model_id", 80),
        ddl.digest("text_sha256"),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.UniqueConstraint("model_id", "text_sha256"),
    )
    ddl.create_child_table("appearance", "debunk", ddl.string("url"))
    ddl.create_child_table("claimphrasing", "debunk", ddl.string("lang", 8), ddl.string("text"))
    ddl.create_child_table(
        "source", "debunk", ddl.string("url"), ddl.string("title"), ddl.string("publisher")
    )


def downgrade() -> None:
    ddl.drop_child_table("source", "debunk")
    ddl.drop_child_table("claimphrasing", "debunk")
    ddl.drop_child_table("appearance", "debunk")
    ddl.drop_table("textembedding")
    ddl.drop_table("debunk", indexes=("slug", "status"))
