"""Statements that read or write the same way on SQLite and PostgreSQL: INSERT … ON CONFLICT in
the dialect at hand, and timestamps read back with their zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel


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
    """`upsert` of several rows in one statement; of rows with the same `keys` the last counts
    (PostgreSQL refuses a statement that would update one row twice)."""
    latest = list({tuple(row[k] for k in keys): row for row in rows}.values())
    if not latest:
        return
    statement = insert(session, model).values(latest)
    changes = [k for k in latest[0] if k not in keys and k != "created_at"]
    session.execute(
        statement.on_conflict_do_update(
            index_elements=keys, set_={k: statement.excluded[k] for k in changes}
        )
    )


def aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
