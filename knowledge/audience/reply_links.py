"""Which of Tekser's messages answers which incoming message (chats by keyed hash), so that an
edited message gets its answer edited, or withdrawn."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import BigInteger, Column, UniqueConstraint
from sqlalchemy.sql import ColumnElement
from sqlmodel import Field, Session, SQLModel, col, delete, select

from knowledge.db.upserts import upsert_many
from knowledge.debunks.tables import utcnow


class ReplyLink(SQLModel, table=True):
    """Which of Tekser's messages answers which incoming message, so an edit edits the answer."""

    __table_args__ = (UniqueConstraint("chat_key", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_key: str = Field(max_length=64)  # keyed hash of the chat id
    message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    reply_message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)


def remember_reply(
    session: Session, *, chat_key: str, message_id: int, reply_message_id: int
) -> None:
    remember_replies(session, [(chat_key, message_id, reply_message_id)])


def remember_replies(session: Session, links: Sequence[tuple[str, int, int]]) -> None:
    """Remember which of our messages answers which (chat key, message id, our reply), in one
    statement; a later answer to a message replaces the earlier."""
    now = utcnow()
    rows = [
        {"chat_key": k, "message_id": m, "reply_message_id": r, "created_at": now}
        for k, m, r in links
    ]
    upsert_many(session, ReplyLink, rows=rows, keys=["chat_key", "message_id"])


def _the_link(chat_key: str, message_id: int) -> ColumnElement[bool]:
    return (col(ReplyLink.chat_key) == chat_key) & (col(ReplyLink.message_id) == message_id)


def find_reply(session: Session, *, chat_key: str, message_id: int) -> int | None:
    row = session.exec(select(ReplyLink).where(_the_link(chat_key, message_id))).first()
    return row.reply_message_id if row else None


def forget_reply(session: Session, *, chat_key: str, message_id: int) -> None:
    session.exec(delete(ReplyLink).where(_the_link(chat_key, message_id)))


def forget(session: Session, *, user_hash: str) -> int:
    """Delete the links of the reader's private chat (its key is the reader's: the private chat's
    id is the user id); returns how many went."""
    statement = delete(ReplyLink).where(col(ReplyLink.chat_key) == user_hash)
    return int(session.exec(statement).rowcount or 0)


def purge_before(session: Session, *, before: datetime) -> int:
    """Delete the links older than `before`; returns how many went."""
    statement = delete(ReplyLink).where(col(ReplyLink.created_at) < before)
    return int(session.exec(statement).rowcount or 0)
