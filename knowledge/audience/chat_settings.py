"""Per group: whether Tekser answers confident matches on its own (/settings auto)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, Session, SQLModel

from knowledge.db.upserts import upsert
from knowledge.debunks.tables import utcnow


class ChatSettings(SQLModel, table=True):
    """Per group: whether Tekser answers confident matches on its own (/settings auto)."""

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    auto_check: bool = False
    updated_by: str = Field(default="", max_length=64)  # keyed hash of the admin
    updated_at: datetime = Field(default_factory=utcnow)


def get_auto_check(session: Session, *, chat_id: int) -> bool:
    row = session.get(ChatSettings, chat_id)
    return bool(row and row.auto_check)


def set_auto_check(session: Session, *, chat_id: int, enabled: bool, by: str) -> None:
    values = {"chat_id": chat_id, "auto_check": enabled, "updated_by": by, "updated_at": utcnow()}
    upsert(session, ChatSettings, values=values, keys=["chat_id"])
