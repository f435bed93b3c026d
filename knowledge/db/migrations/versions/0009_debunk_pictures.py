"""debunk pictures: perceptual hashes of the pictures a debunked claim travels with"""

from knowledge.db.migrations import ddl

revision, down_revision = "0009", "0008"


def upgrade() -> None:
    ddl.create_child_table(
        "debunkpicture",
        "debunk",
        ddl.string("kind", 10),
        ddl.string("hash", 64),
        ddl.json("crops"),
        ddl.string("name", 200),
        ddl.string("url"),
        ddl.string("file_unique_id", 64, nullable=True),
        ddl.timestamp("added_at"),
        indexes=("file_unique_id",),
    )


def downgrade() -> None:
    ddl.drop_child_table("debunkpicture", "debunk", indexes=("file_unique_id",))
