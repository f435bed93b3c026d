"""Channel digests: a newsroom's channel gets the new and updated debunks daily or weekly, as one
message in the channel's language.

A digest covers the debunks published and changed after its `since` mark, up to the moment it
is cut. A worker claims a due digest with one conditional UPDATE (several workers run the job;
only one wins), posts it, then moves `since` to the cut: a post that failed leaves `since` where
it was, so the next attempt carries the same debunks again, and a post made is never repeated.
Retired debunks are never listed (only published ones are read, when the digest is cut).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Column, DateTime, or_, update
from sqlmodel import Field, Session, SQLModel, col, select

from knowledge.db.upserts import aware
from knowledge.debunks import storage
from knowledge.debunks.cards import DebunkCard
from knowledge.debunks.tables import utcnow

PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
FIRST_RETRY = timedelta(minutes=5)
LONGEST_RETRY = timedelta(hours=6)
CLAIM_EXPIRES = timedelta(minutes=15)  # a worker that died mid-post frees its claim after this
MOST_LISTED = 20  # debunks in one message (the rest are counted, the site lists them all)


class ChannelDigest(SQLModel, table=True):
    """One channel's digest subscription and where its next digest starts."""

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    title: str = Field(default="", max_length=256)
    frequency: str = Field(max_length=10)  # daily | weekly
    lang: str = Field(max_length=8)
    since: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    due_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    claimed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    failures: int = 0
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


@dataclass(frozen=True)
class Digest:
    """A cut digest: what to post to one channel, and the moment it runs up to."""

    chat_id: int
    lang: str
    until: datetime
    cards: tuple[DebunkCard, ...]
    more: int  # changed debunks left out of the message


def subscribe(
    session: Session, *, chat_id: int, title: str, frequency: str, lang: str, now: datetime
) -> ChannelDigest:
    """Start (or change) a channel's digest. A new one lists what changes from now on; a changed
    one keeps its mark, so nothing waiting for it is lost."""
    if frequency not in PERIODS:
        raise ValueError(f"unknown frequency {frequency!r}")
    row = session.get(ChannelDigest, chat_id)
    if row is None:
        row = ChannelDigest(chat_id=chat_id, frequency=frequency, lang=lang, since=now, due_at=now)
    row.title, row.frequency, row.lang = title[:256], frequency, lang
    row.due_at = now + PERIODS[frequency]
    row.failures = 0
    session.add(row)
    return row


def unsubscribe(session: Session, *, chat_id: int) -> bool:
    row = session.get(ChannelDigest, chat_id)
    if row is None:
        return False
    session.delete(row)
    return True


def subscription(session: Session, *, chat_id: int) -> ChannelDigest | None:
    return session.get(ChannelDigest, chat_id)


def due(session: Session, *, now: datetime) -> list[int]:
    """Channels whose digest is due and not being posted by some worker right now."""
    query = select(ChannelDigest.chat_id).where(
        col(ChannelDigest.due_at) <= now,
        or_(
            col(ChannelDigest.claimed_at).is_(None),
            col(ChannelDigest.claimed_at) < now - CLAIM_EXPIRES,
        ),
    )
    return list(session.exec(query.order_by(col(ChannelDigest.due_at))))


def claim(session: Session, *, chat_id: int, now: datetime) -> Digest | None:
    """Take a due digest for this worker (None when another took it, or it is not due), cut
    at `now`. The caller commits, then posts, then calls `posted` or `failed`."""
    taken = session.execute(
        update(ChannelDigest)
        .where(
            col(ChannelDigest.chat_id) == chat_id,
            col(ChannelDigest.due_at) <= now,
            or_(
                col(ChannelDigest.claimed_at).is_(None),
                col(ChannelDigest.claimed_at) < now - CLAIM_EXPIRES,
            ),
        )
        .values(claimed_at=now)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    row = session.get(ChannelDigest, chat_id)
    if row is None:
        return None
    session.refresh(row)
    since = aware(row.since)
    cards = storage.recently_updated_cards(session, limit=MOST_LISTED, since=since, until=now)
    total = storage.count_changed(session, since=since, until=now)
    return Digest(chat_id, row.lang, now, tuple(cards), more=max(0, total - len(cards)))


def posted(session: Session, *, digest: Digest, now: datetime) -> None:
    """The digest went out (or had nothing to say): the next one starts where it ended."""
    row = session.get(ChannelDigest, digest.chat_id)
    if row is None:  # unsubscribed meanwhile
        return
    row.since = digest.until
    row.due_at = now + PERIODS.get(row.frequency, PERIODS["daily"])
    row.claimed_at = None
    row.failures = 0
    session.add(row)


def failed(session: Session, *, chat_id: int, now: datetime) -> timedelta | None:
    """The post failed: try again later (sooner after the first failures); returns the wait."""
    row = session.get(ChannelDigest, chat_id)
    if row is None:
        return None
    row.failures += 1
    wait = min(FIRST_RETRY * 2 ** (row.failures - 1), LONGEST_RETRY)
    row.due_at = now + wait
    row.claimed_at = None
    session.add(row)
    return wait


def subscriptions(session: Session) -> Sequence[ChannelDigest]:
    return session.exec(select(ChannelDigest).order_by(col(ChannelDigest.chat_id))).all()
