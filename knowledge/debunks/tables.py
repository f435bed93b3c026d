"""The knowledge base's tables: debunks, the wordings of their claims, sources, appearances."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import JSON, Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

VERDICTS = ("false", "misleading", "unproven", "missing-context")
STATUSES = ("published", "draft", "retired")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Debunk(SQLModel, table=True):
    """A debunked claim: what circulates (title), what is true (disproof), in several languages."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(index=True, unique=True, max_length=80)
    verdict: str = Field(max_length=20)
    status: str = Field(default="published", max_length=20, index=True)
    titles: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    disproofs: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    published: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class ClaimPhrasing(SQLModel, table=True):
    """One wording of a debunk's false claim, as it circulates; what matching compares against."""

    id: int | None = Field(default=None, primary_key=True)
    debunk_id: int = Field(foreign_key="debunk.id", index=True, ondelete="CASCADE")
    lang: str = Field(max_length=8)
    text: str


class Source(SQLModel, table=True):
    """A source that supports the disproof."""

    id: int | None = Field(default=None, primary_key=True)
    debunk_id: int = Field(foreign_key="debunk.id", index=True, ondelete="CASCADE")
    url: str  # "" when the source is cited without a link (no URL known to be right)
    title: str = ""
    publisher: str = ""
    published: date | None = None


class Appearance(SQLModel, table=True):
    """A URL where the false claim circulated: a message linking it matches the debunk."""

    id: int | None = Field(default=None, primary_key=True)
    debunk_id: int = Field(foreign_key="debunk.id", index=True, ondelete="CASCADE")
    url: str


class TextEmbedding(SQLModel, table=True):
    """A cached sentence vector, keyed by model and text hash, so restarts do not re-embed."""

    __table_args__ = (UniqueConstraint("model_id", "text_sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    model_id: str = Field(max_length=80)
    text_sha256: str = Field(max_length=64)
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
