"""The pictures attached to debunks: their perceptual hashes (never the pictures themselves)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from knowledge.debunks.tables import utcnow


class DebunkPicture(SQLModel, table=True):
    """A picture a debunked claim travels with: a copy of it matches the debunk."""

    id: int | None = Field(default=None, primary_key=True)
    debunk_id: int = Field(foreign_key="debunk.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=10)  # hashing algorithm: pdq | phash
    hash: str = Field(max_length=64)  # the whole picture, 256 bits in hex
    crops: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    name: str = Field(default="", max_length=200)  # how the answer names the picture
    url: str = ""  # where the picture can be seen, when known
    file_unique_id: str | None = Field(default=None, max_length=64, index=True)  # Telegram's
    added_at: datetime = Field(default_factory=utcnow)
