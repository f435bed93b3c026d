"""API keys for the newsroom HTTP API, and their per-minute request counts.

A key is shown once, when it is created; only its SHA-256 is stored, so a copy of the database
does not let anyone call the API.  Revoking keeps the row (who had access, and until when).
Request counts live in the database so every worker process enforces one shared limit.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, Session, SQLModel, col, delete, select

from knowledge.db.transactions import Transactions
from knowledge.db.upserts import insert
from knowledge.debunks.tables import utcnow
from knowledge.moderation import audit
from knowledge.moderation.audit import Actor
from knowledge.moderation.roles import ADMIN, Roles

KEY_PREFIX = "tk_"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
WINDOW_SECONDS = 60


class ApiKeyError(Exception):
    """A key cannot be created or changed as asked; the message is one line for the user."""


class UnknownKey(ApiKeyError):
    """The key presented is not (or no longer) a valid one."""


class ApiKey(SQLModel, table=True):
    """A newsroom's access to the HTTP API, known by a name; the key itself is never stored."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True, index=True)
    key_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class ApiKeyUsage(SQLModel, table=True):
    """How many requests a key made in one minute (a fixed window)."""

    key_id: int = Field(foreign_key="apikey.id", primary_key=True, ondelete="CASCADE")
    minute: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    count: int = 0


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def create_api_key(session: Session, *, name: str) -> tuple[ApiKey, str]:
    """A new key named `name`; returns the row and the key (the only time it is visible)."""
    if not NAME_RE.match(name):
        raise ApiKeyError(
            f"{name!r} is not a usable name: 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if session.exec(select(ApiKey).where(ApiKey.name == name)).first() is not None:
        raise ApiKeyError(f"an API key named {name!r} exists already (names are never reused)")
    key = new_key()
    row = ApiKey(name=name, key_hash=hash_key(key))
    session.add(row)
    session.flush()
    return row, key


def list_api_keys(session: Session) -> Sequence[ApiKey]:
    return session.exec(select(ApiKey).order_by(col(ApiKey.created_at), col(ApiKey.id))).all()


def revoke_api_key(session: Session, *, name: str) -> ApiKey:
    """Revoke the key named `name` (revoking twice keeps the first time)."""
    row = session.exec(select(ApiKey).where(ApiKey.name == name)).first()
    if row is None:
        raise ApiKeyError(f"no API key is named {name!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.flush()
    return row


def active_key(session: Session, *, key: str) -> ApiKey | None:
    """The unrevoked key row for a presented key, or None."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).first()
    if row is None or row.revoked_at is not None:
        return None
    return row


def take_request(
    session: Session, *, key_id: int, limit: int, now: float | None = None
) -> float | None:
    """Count one request of a key; None if within `limit` this minute, else seconds to wait.

    One atomic upsert per request (PostgreSQL and SQLite), so concurrent workers never lose a
    count. The caller commits.
    """
    now = time.time() if now is None else now
    minute = int(now // WINDOW_SECONDS)
    table = ApiKeyUsage.__table__  # type: ignore[attr-defined]
    statement = (
        insert(session, table)
        .values(key_id=key_id, minute=minute, count=1)
        .on_conflict_do_update(
            index_elements=["key_id", "minute"], set_={"count": table.c.count + 1}
        )
        .returning(table.c.count)
    )
    count = int(session.execute(statement).scalar_one())
    if count == 1:  # a new window: forget the old ones of this key
        session.execute(
            delete(ApiKeyUsage).where(
                col(ApiKeyUsage.key_id) == key_id, col(ApiKeyUsage.minute) < minute
            )
        )
    if count <= limit:
        return None
    return max(1.0, (minute + 1) * WINDOW_SECONDS - now)


class ApiKeys:
    """The newsroom API's keys as a service: created and revoked by owners and admins (the
    `tekser` command line acts as an owner), each with an audit record, in one transaction;
    every request counted against its key's limit."""

    def __init__(self, tx: Transactions, roles: Roles) -> None:
        self.tx = tx
        self.roles = roles

    def create(self, actor: Actor, *, name: str) -> tuple[ApiKey, str]:
        """A new key: its row and the key itself, the only time it is visible."""

        def fn(session: Session) -> tuple[ApiKey, str]:
            self.roles.require(session, actor, ADMIN)
            row, key = create_api_key(session, name=name)
            audit.record(session, actor=actor, action="apikey-create", after={"name": name})
            return row, key

        return self.tx.write(fn)

    def revoke(self, actor: Actor, *, name: str) -> ApiKey:
        def fn(session: Session) -> ApiKey:
            self.roles.require(session, actor, ADMIN)
            row = revoke_api_key(session, name=name)
            audit.record(session, actor=actor, action="apikey-revoke", before={"name": name})
            return row

        return self.tx.write(fn)

    def all_keys(self) -> list[ApiKey]:
        """Every key ever created, oldest first (names and dates; the keys are not stored)."""
        return self.tx.read(lambda s: list(list_api_keys(s)))

    def take_request(self, key: str, *, limit: int) -> float | None:
        """Count one request made with `key`: None within `limit` a minute, else the seconds to
        wait; `UnknownKey` for a key that is not valid."""

        def fn(session: Session) -> float | None:
            row = active_key(session, key=key)
            if row is None or row.id is None:
                raise UnknownKey("the API key is not valid")
            return take_request(session, key_id=row.id, limit=limit)

        return self.tx.write(fn)
