"""State the Telegram framework keeps between updates (conversation steps, per-user and per-chat
data), stored as JSON rows so it survives a restart. `bot.persistence` is its only user."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel, col, delete, select

from knowledge.debunks.tables import utcnow


class BotState(SQLModel, table=True):
    """One stored value: `kind` is e.g. "user", "chat", "bot" or "conversation:add"."""

    kind: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=128)
    data: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow)


def load_kind(session: Session, *, kind: str) -> dict[str, Any]:
    rows = session.exec(select(BotState).where(BotState.kind == kind))
    return {row.key: row.data for row in rows}


def load_one(session: Session, *, kind: str, key: str) -> Any:
    row = session.get(BotState, (kind, key))
    return row.data if row is not None else None


def store(session: Session, *, kind: str, key: str, data: Any) -> None:
    row = session.get(BotState, (kind, key)) or BotState(kind=kind, key=key)
    row.data = data
    row.updated_at = utcnow()
    session.add(row)


def drop(session: Session, *, kind: str, key: str) -> None:
    session.exec(delete(BotState).where(col(BotState.kind) == kind, col(BotState.key) == key))
