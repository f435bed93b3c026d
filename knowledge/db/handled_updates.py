"""The Telegram updates already handled, by bot and `update_id`, shared by every worker: an update
that Telegram delivers again (a process killed before confirming it, a webhook retried on another
worker) is not answered twice. Kept two days (Telegram keeps an update for at most one); an older
record never counts, as Telegram may start a bot's ids afresh after a quiet week."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Column, Engine, delete
from sqlmodel import Field, Session, SQLModel, col, select

from knowledge.db.upserts import upsert_many
from knowledge.debunks.tables import utcnow

HANDLED_KEPT = timedelta(days=2)


class HandledUpdate(SQLModel, table=True):
    """One update a bot has finished handling."""

    bot_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    handled_at: datetime = Field(default_factory=utcnow, index=True)


def handled_among(engine: Engine, bot_id: int, update_ids: Iterable[int]) -> set[int]:
    """Which of `update_ids` the bot handled already (in this process or any other)."""
    ids = list(update_ids)
    if not ids:
        return set()
    with Session(engine) as session:
        rows = session.exec(
            select(HandledUpdate.update_id).where(
                HandledUpdate.bot_id == bot_id,
                col(HandledUpdate.update_id).in_(ids),
                col(HandledUpdate.handled_at) >= utcnow() - HANDLED_KEPT,
            )
        )
        return {int(update_id) for update_id in rows}


def record_handled(engine: Engine, bot_id: int, update_ids: Iterable[int]) -> None:
    """Remember `update_ids` as handled by the bot (a record made before is renewed)."""
    now = utcnow()
    values = [
        {"bot_id": bot_id, "update_id": update_id, "handled_at": now}
        for update_id in set(update_ids)
    ]
    if not values:
        return
    with Session(engine) as session:
        upsert_many(session, HandledUpdate, rows=values, keys=["bot_id", "update_id"])
        session.commit()


def purge_expired(session: Session, *, now: datetime) -> int:
    """Forget updates handled more than two days before `now` (the daily clean-up)."""
    statement = delete(HandledUpdate).where(col(HandledUpdate.handled_at) < now - HANDLED_KEPT)
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]
