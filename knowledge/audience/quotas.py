"""How many checks each reader took in their current one-minute window, counted in the database
so that several workers share one count (two workers never both let the 21st check through)."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, Table, bindparam, case, delete
from sqlmodel import Field, Session, SQLModel, col

from knowledge.db.upserts import insert_for

QUOTA_KEPT = timedelta(hours=1)  # the daily clean-up removes windows started longer ago


class CheckQuota(SQLModel, table=True):
    """Per reader (keyed hash): the checks taken in their current one-minute window."""

    user_hash: str = Field(primary_key=True, max_length=64)
    window_start: float  # seconds since the epoch at the window's first check
    taken: int = 0


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
    return (
        insert_for(dialect, table)
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


def forget(session: Session, *, user_hash: str) -> int:
    """Delete the reader's check window; returns how many rows went."""
    statement = delete(CheckQuota).where(col(CheckQuota.user_hash) == user_hash)
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def purge_expired(session: Session, *, now: datetime) -> int:
    """Delete the windows that started more than an hour before `now`; returns how many."""
    before = (now - QUOTA_KEPT).timestamp()
    statement = delete(CheckQuota).where(col(CheckQuota.window_start) < before)
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]
