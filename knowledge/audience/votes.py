"""Readers' 👍 and 👎 on debunk cards: one vote per reader (keyed hash) and debunk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import UniqueConstraint, func
from sqlmodel import Field, Session, SQLModel, col, delete, select

from knowledge.db.upserts import upsert
from knowledge.debunks.tables import utcnow

VOTES = (1, -1)


class FeedbackVote(SQLModel, table=True):
    """One reader's 👍 (+1) or 👎 (-1) on one debunk card; changing it overwrites it."""

    __table_args__ = (UniqueConstraint("slug", "user_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, index=True)
    user_hash: str = Field(max_length=64)
    vote: int
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class VoteTally:
    up: int
    down: int


def set_vote(session: Session, *, slug: str, user_hash: str, vote: int) -> None:
    """Record or change a reader's vote on a debunk: one per reader and debunk."""
    if vote not in VOTES:
        raise ValueError(f"a vote is +1 or -1, not {vote}")
    now = utcnow()
    values = {"slug": slug, "user_hash": user_hash, "vote": vote, "created_at": now}
    upsert(session, FeedbackVote, values={**values, "updated_at": now}, keys=["slug", "user_hash"])


def vote_tally(session: Session, *, slug: str) -> VoteTally:
    rows = session.exec(
        select(FeedbackVote.vote, func.count())
        .where(FeedbackVote.slug == slug)
        .group_by(col(FeedbackVote.vote))
    )
    counts = dict(rows.all())
    return VoteTally(up=int(counts.get(1, 0)), down=int(counts.get(-1, 0)))


def forget(session: Session, *, user_hash: str) -> int:
    """Delete the reader's votes; returns how many rows went."""
    statement = delete(FeedbackVote).where(col(FeedbackVote.user_hash) == user_hash)
    return int(session.exec(statement).rowcount or 0)
