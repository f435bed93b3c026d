"""Statements that read or write the same way on SQLite and PostgreSQL: INSERT … ON CONFLICT in
the dialect at hand, and timestamps read back with their zone."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel


def core_connection(session: Session) -> Connection:
    """The session's connection, for a Core statement that runs often (no ORM bookkeeping),
    after writing what the session holds, as `session.execute` would."""
    session.flush()
    return session.connection()


def insert_for(dialect: str, table: Table | type[SQLModel]) -> Any:
    """An INSERT that knows ON CONFLICT, for the dialect named (postgresql, else SQLite)."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def insert(session: Session, table: Table | type[SQLModel]) -> Any:
    """An INSERT that knows ON CONFLICT, for the session's database."""
    return insert_for(session.get_bind().dialect.name, table)


def upsert(
    session: Session, model: type[SQLModel], *, values: dict[str, Any], keys: list[str]
) -> None:
    """INSERT, or UPDATE the row with the same `keys`, in one statement: safe when two requests
    race (a double tap), on SQLite and on PostgreSQL. `created_at` keeps its first value."""
    upsert_many(session, model, rows=[values], keys=keys)


def upsert_many(
    session: Session, model: type[SQLModel], *, rows: list[dict[str, Any]], keys: list[str]
) -> None:
    """`upsert` of several rows (each with the same columns) in one round trip; of rows with the
    same `keys` the last counts (PostgreSQL refuses a statement that would update one row
    twice). The statement is built once per table and columns and run over the Core connection:
    it runs for every answer, and building it and the ORM's bookkeeping cost more than the
    write."""
    latest = list({tuple(row[k] for k in keys): row for row in rows}.values())
    if not latest:
        return
    dialect = session.get_bind().dialect.name
    statement = _upsert_statement(dialect, model, tuple(keys), tuple(latest[0]))
    core_connection(session).execute(statement, latest)


@functools.lru_cache(maxsize=128)
def _upsert_statement(
    dialect: str, model: type[SQLModel], keys: tuple[str, ...], columns: tuple[str, ...]
) -> Any:
    statement = insert_for(dialect, model.__table__)  # type: ignore[attr-defined]
    changes = [c for c in columns if c not in keys and c != "created_at"]
    if not changes:
        return statement.on_conflict_do_nothing(index_elements=list(keys))
    return statement.on_conflict_do_update(
        index_elements=list(keys), set_={c: statement.excluded[c] for c in changes}
    )


def aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
