"""What several `tekser run` workers on one database must share, kept in the database rather than
in any process's memory (issue: scale-out on PostgreSQL):

- **check quotas**: how many checks a reader took in their current one-minute window
  (`take_check`, one atomic upsert per check, so two workers never both let the 21st through);
- **the link-preview cache**: one fetch of an article per URL an hour, whichever worker is asked
  (`cached_link`, `claim_link_fetch`, `store_link`; a worker that loses the claim waits for the
  one that won);
- **the update snapshot**: what handlers need to know about the sender and the chat before they
  run (the reader's /language choice, the group's /settings auto, the moderator's conversation
  step), read in one statement per update (`load_snapshot`);
- **conversation steps** ended by one worker are not resurrected, nor fresh ones removed, by a
  stale worker (`end_conversation` deletes only the row version the caller saw).

Each function takes a session and keyword arguments; the caller commits. Nothing here imports
telegram. Works on SQLite (≥ 3.35, for RETURNING) and PostgreSQL alike.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Float, Table, bindparam, case, delete, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from knowledge.audience.tables import ChatSettings, LanguagePreference
from knowledge.db.bot_state import BotState
from knowledge.debunks.tables import CheckQuota, LinkPreviewCache, utcnow

CONVERSATION_PREFIX = "conversation:"  # BotState.kind of a conversation's steps

LINK_OK, LINK_FAILED, LINK_FETCHING = "ok", "failed", "fetching"


def _insert(session: Session, table: Table) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# ------------------------------------------------------------------ check quotas


def take_check(session: Session, *, user_hash: str, now: float, window: float = 60.0) -> int:
    """Count one check of a reader; returns how many they took in the current window,
    this one included.

    A window starts at the reader's first check after the previous one ran out. One atomic
    INSERT … ON CONFLICT DO UPDATE … RETURNING, so concurrent workers never lose a count.
    """
    statement = _take_check_statement(session.get_bind().dialect.name)
    values = {"user_hash": user_hash, "now": now, "window": window}
    return int(session.execute(statement, values).scalar_one())


@functools.cache
def _take_check_statement(dialect: str) -> Any:
    """Built once per dialect, executed with parameters: building it costs ten times more than
    SQLite takes to run it, and it runs for every check."""
    table: Table = CheckQuota.__table__  # type: ignore[attr-defined]
    now, window = bindparam("now", type_=Float), bindparam("window", type_=Float)
    over = table.c.window_start <= now - window
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(table)
        .values(user_hash=bindparam("user_hash"), window_start=now, taken=1)
        .on_conflict_do_update(
            index_elements=[table.c.user_hash],
            set_={
                "window_start": case((over, now), else_=table.c.window_start),
                "taken": case((over, 1), else_=table.c.taken + 1),
            },
        )
        .returning(table.c.taken)
    )


# ------------------------------------------------------------------ the link-preview cache


def url_key(normalised_url: str) -> str:
    return hashlib.sha256(normalised_url.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CachedLink:
    state: str  # ok | failed | fetching
    fetched_at: datetime
    url: str = ""
    title: str = ""
    description: str = ""
    paragraphs: tuple[str, ...] = ()


def cached_link(session: Session, *, url_hash: str) -> CachedLink | None:
    row = session.get(LinkPreviewCache, url_hash)
    if row is None:
        return None
    return CachedLink(
        state=row.state,
        fetched_at=aware(row.fetched_at),
        url=row.url,
        title=row.title,
        description=row.description,
        paragraphs=tuple(row.paragraphs or ()),
    )


def claim_link_fetch(
    session: Session,
    *,
    url_hash: str,
    now: datetime,
    ttl: timedelta,
    failure_ttl: timedelta,
    lease: timedelta,
) -> bool:
    """Mark the URL as being fetched by the caller; False when a fresh result exists or another
    worker's fetch is under way (started less than `lease` ago). One atomic statement."""
    table: Table = LinkPreviewCache.__table__  # type: ignore[attr-defined]
    stale: ColumnElement[bool] = or_(
        (table.c.state == LINK_OK) & (table.c.fetched_at <= now - ttl),
        (table.c.state == LINK_FAILED) & (table.c.fetched_at <= now - failure_ttl),
        (table.c.state == LINK_FETCHING) & (table.c.fetched_at <= now - lease),
    )
    fetching = {"state": LINK_FETCHING, "fetched_at": now}
    statement = (
        _insert(session, table)
        .values(url_hash=url_hash, url="", title="", description="", paragraphs=[], **fetching)
        .on_conflict_do_update(index_elements=[table.c.url_hash], set_=fetching, where=stale)
        .returning(table.c.url_hash)
    )
    return session.execute(statement).first() is not None


def store_link(
    session: Session,
    *,
    url_hash: str,
    now: datetime,
    url: str = "",
    title: str = "",
    description: str = "",
    paragraphs: Sequence[str] = (),
    failed: bool = False,
) -> None:
    """The result of a fetch (or, with `failed`, that it gave nothing)."""
    table: Table = LinkPreviewCache.__table__  # type: ignore[attr-defined]
    values = {
        "state": LINK_FAILED if failed else LINK_OK,
        "url": url,
        "title": title,
        "description": description,
        "paragraphs": list(paragraphs),
        "fetched_at": now,
    }
    statement = (
        _insert(session, table)
        .values(url_hash=url_hash, **values)
        .on_conflict_do_update(index_elements=[table.c.url_hash], set_=values)
    )
    session.execute(statement)


# ------------------------------------------------------------------ the update snapshot


@dataclass(frozen=True)
class StoredStep:
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
        _insert(session, table)
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


# ------------------------------------------------------------------ clean-up


def purge(
    session: Session,
    *,
    quotas_before: float,
    links_before: datetime,
    conversations_before: datetime | None = None,
) -> int:
    """Delete quota windows started before `quotas_before` (epoch seconds), link previews
    fetched before `links_before` and, with `conversations_before`, conversation steps not
    touched since then (abandoned). Returns how many rows went."""
    removed = session.execute(
        delete(CheckQuota).where(col(CheckQuota.window_start) < quotas_before)
    ).rowcount  # type: ignore[attr-defined]
    removed += session.execute(
        delete(LinkPreviewCache).where(col(LinkPreviewCache.fetched_at) < links_before)
    ).rowcount  # type: ignore[attr-defined]
    if conversations_before is not None:
        removed += session.execute(
            delete(BotState).where(
                col(BotState.kind).startswith(CONVERSATION_PREFIX),
                col(BotState.updated_at) < conversations_before,
            )
        ).rowcount  # type: ignore[attr-defined]
    return int(removed)


def purge_expired(engine: Engine, *, now: datetime | None = None) -> int:
    """The daily clean-up: quota windows over for an hour, link previews fetched two hours ago
    (an hour past their use), conversation steps untouched for a day (timed out long ago)."""
    now = now or utcnow()
    with Session(engine) as session:
        removed = purge(
            session,
            quotas_before=now.timestamp() - 3600,
            links_before=now - timedelta(hours=2),
            conversations_before=now - timedelta(days=1),
        )
        session.commit()
    return removed


def load_steps(session: Session, *, kind: str) -> dict[str, StoredStep]:
    """Every stored step of one conversation (BotState kind), by key."""
    rows = session.execute(
        select(col(BotState.key), col(BotState.data), col(BotState.updated_at)).where(
            col(BotState.kind) == kind
        )
    )
    return {key: StoredStep(data, aware(at)) for key, data, at in rows if data is not None}
