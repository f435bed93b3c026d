"""The interface language each reader chose with /language (by keyed hash)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, Session, SQLModel, col, delete

from knowledge.db.upserts import upsert
from knowledge.debunks.tables import utcnow


class LanguagePreference(SQLModel, table=True):
    """The interface language a reader chose with /language."""

    user_hash: str = Field(primary_key=True, max_length=64)
    lang: str = Field(max_length=8)
    updated_at: datetime = Field(default_factory=utcnow)


def get_language(session: Session, *, user_hash: str) -> str | None:
    row = session.get(LanguagePreference, user_hash)
    return row.lang if row else None


def set_language(session: Session, *, user_hash: str, lang: str) -> None:
    values = {"user_hash": user_hash, "lang": lang, "updated_at": utcnow()}
    upsert(session, LanguagePreference, values=values, keys=["user_hash"])


def forget(session: Session, *, user_hash: str) -> int:
    """Delete the reader's choice; returns how many rows went."""
    statement = delete(LanguagePreference).where(col(LanguagePreference.user_hash) == user_hash)
    return int(session.exec(statement).rowcount or 0)
