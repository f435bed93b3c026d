"""State the Telegram framework keeps between updates (conversation steps, per-user and per-chat
data), stored as JSON rows so it survives a restart and reaches every worker. `bot.persistence`
is its only user.

Before handlers run, one statement reads what they need about the update's sender and chat (the
reader's /language choice, the group's /settings auto, the moderator's conversation step):
`load_snapshot`. A conversation step ended by one worker is not resurrected, nor a fresh one
removed, by a stale worker: `end_conversation` deletes only the row version the caller saw.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import JSON, Column, Table, bindparam, literal
from sqlmodel import Field, Session, SQLModel, col, delete, select

from knowledge.audience.chat_settings import ChatSettings
from knowledge.audience.languages import LanguagePreference
from knowledge.db.upserts import aware, insert
from knowledge.debunks.tables import utcnow

CONVERSATION_PREFIX = "conversation:"  # BotState.kind of a conversation's steps
STEPS_KEPT = timedelta(days=1)  # a step untouched this long was abandoned (it timed out long ago)


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


class StoredStep(NamedTuple):
    """A conversation's stored step and when it was written."""

    state: Any
    updated_at: datetime


@dataclass(frozen=True)
class Snapshot:
    """What the database says about one update's sender and chat."""

    language: str | None = None
    auto_check: bool = False
    steps: dict[tuple[str, str], StoredStep] = field(default_factory=dict)  # (kind, key) -> step


def load_snapshot(
    session: Session,
    *,
    user_hash: str | None,
    chat_id: int | None,
    conversations: Sequence[tuple[str, str]] = (),
) -> Snapshot:
    """The reader's language choice, the chat's automatic checks and the stored steps of the
    given conversations (BotState kind, key), in one SELECT of primary-key lookups."""
    statement = _snapshot_statement(user_hash is not None, chat_id is not None, len(conversations))
    values: dict[str, Any] = {"user_hash": user_hash, "chat_id": chat_id}
    for i, (kind, key) in enumerate(conversations):
        values[f"kind{i}"], values[f"key{i}"] = kind, key
    row = list(session.execute(statement, values).one())[1:]
    language = row.pop(0) if user_hash is not None else None
    auto = bool(row.pop(0)) if chat_id is not None else False
    steps: dict[tuple[str, str], StoredStep] = {}
    for kind, key in conversations:
        state, updated_at = row.pop(0), row.pop(0)
        if updated_at is not None and state is not None:
            steps[(kind, key)] = StoredStep(state, aware(updated_at))
    return Snapshot(language=language, auto_check=auto, steps=steps)


@functools.lru_cache(maxsize=32)
def _snapshot_statement(user: bool, chat: bool, conversations: int) -> Any:
    """Built once per shape, executed with parameters (it runs for every update)."""
    columns: list[Any] = [literal(1)]
    if user:
        language = col(LanguagePreference.user_hash) == bindparam("user_hash")
        columns.append(select(col(LanguagePreference.lang)).where(language).scalar_subquery())
    if chat:
        settings = col(ChatSettings.chat_id) == bindparam("chat_id")
        columns.append(select(col(ChatSettings.auto_check)).where(settings).scalar_subquery())
    for i in range(conversations):
        found = (col(BotState.kind) == bindparam(f"kind{i}")) & (
            col(BotState.key) == bindparam(f"key{i}")
        )
        columns.append(select(col(BotState.data)).where(found).scalar_subquery())
        columns.append(select(col(BotState.updated_at)).where(found).scalar_subquery())
    return select(*columns)


def store_step(session: Session, *, kind: str, key: str, state: Any, now: datetime) -> None:
    """Write a conversation's step (one upsert)."""
    table: Table = BotState.__table__  # type: ignore[attr-defined]
    values = {"data": state, "updated_at": now}
    statement = (
        insert(session, table)
        .values(kind=kind, key=key, **values)
        .on_conflict_do_update(index_elements=[table.c.kind, table.c.key], set_=values)
    )
    session.execute(statement)


def end_conversation(
    session: Session, *, kind: str, key: str, seen: datetime | None = None
) -> bool:
    """Forget a conversation's step. With `seen` (the step's `updated_at` as the caller last
    read or wrote it), only that version: a step another worker wrote since stays. Returns
    whether a row went."""
    statement = delete(BotState).where(col(BotState.kind) == kind, col(BotState.key) == key)
    if seen is not None:
        statement = statement.where(col(BotState.updated_at) == seen)
    return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def load_steps(session: Session, *, kind: str) -> dict[str, StoredStep]:
    """Every stored step of one conversation (BotState kind), by key."""
    rows = session.execute(
        select(col(BotState.key), col(BotState.data), col(BotState.updated_at)).where(
            col(BotState.kind) == kind
        )
    )
    return {key: StoredStep(data, aware(at)) for key, data, at in rows if data is not None}


def purge_expired(session: Session, *, now: datetime) -> int:
    """Delete conversation steps untouched for a day before `now`; returns how many."""
    statement = delete(BotState).where(
        col(BotState.kind).startswith(CONVERSATION_PREFIX),
        col(BotState.updated_at) < now - STEPS_KEPT,
    )
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]
