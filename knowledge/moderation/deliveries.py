"""Who must get a card from the fact-checkers, and who got one lately.

Readers are stored by keyed hash everywhere else; these two tables hold raw chat ids only because
a message must be delivered to them:
- `SubmitterContact`: whoever sent a claim to the queue, until the answer is delivered (or the
  submission is dismissed, or purged with it);
- `CardRecipient`: whoever was sent a card, for `RECIPIENT_DAYS` days, so a corrected card can
  be sent to them again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Column, insert
from sqlmodel import Field, Session, SQLModel, col, delete, select

from knowledge.audience.submissions import submission_key
from knowledge.db.upserts import core_connection
from knowledge.debunks.tables import utcnow

RECIPIENT_DAYS = 30


class SubmitterContact(SQLModel, table=True):
    """The chat to answer when a queued submission is linked to a debunk."""

    submission_id: int = Field(sa_column=submission_key())
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class CardRecipient(SQLModel, table=True):
    """A card sent to a chat (kept `RECIPIENT_DAYS` days, for corrections)."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, index=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    lang: str = Field(default="", max_length=8)
    sent_at: datetime = Field(default_factory=utcnow, index=True)


@dataclass(frozen=True)
class Delivery:
    """One card to send to one chat, in a language, answering some submissions (maybe none)."""

    chat_id: int
    lang: str
    slug: str
    submission_ids: tuple[int, ...] = ()


def add_contact(session: Session, *, submission_id: int, chat_id: int) -> bool:
    if session.get(SubmitterContact, submission_id) is not None:
        return False
    session.add(SubmitterContact(submission_id=submission_id, chat_id=chat_id))
    return True


def contacts(session: Session, *, submission_ids: Sequence[int]) -> dict[int, int]:
    """submission id -> chat id, for those that still have one."""
    if not submission_ids:
        return {}
    rows = session.exec(
        select(SubmitterContact).where(col(SubmitterContact.submission_id).in_(submission_ids))
    )
    return {row.submission_id: row.chat_id for row in rows}


def forget_contacts(session: Session, *, submission_ids: Iterable[int]) -> None:
    ids = list(submission_ids)
    if ids:
        session.exec(delete(SubmitterContact).where(col(SubmitterContact.submission_id).in_(ids)))


def record_recipients(session: Session, *, chat_id: int, slugs: Iterable[str], lang: str) -> None:
    """Remember that `chat_id` was sent these cards (one statement; `purge_recipients`, run
    with the daily retention clean-up, forgets them after `RECIPIENT_DAYS`)."""
    now = utcnow()
    rows = [
        {"slug": slug, "chat_id": chat_id, "lang": lang, "sent_at": now}
        for slug in dict.fromkeys(slugs)
    ]
    if rows:
        table = CardRecipient.__table__  # type: ignore[attr-defined]
        core_connection(session).execute(insert(table), rows)  # Core: no ORM bookkeeping


def purge_recipients(session: Session, *, before: datetime | None = None) -> int:
    """Forget the cards sent before `before` (default: `RECIPIENT_DAYS` ago)."""
    before = before or utcnow() - timedelta(days=RECIPIENT_DAYS)
    result = session.exec(delete(CardRecipient).where(col(CardRecipient.sent_at) < before))
    return int(result.rowcount or 0)


def recent_recipients(
    session: Session, *, slug: str, days: int = RECIPIENT_DAYS, now: datetime | None = None
) -> list[Delivery]:
    """Every chat sent the card of `slug` in the last `days` days, once, in its latest language."""
    since = (now or utcnow()) - timedelta(days=days)
    rows = session.exec(
        select(CardRecipient)
        .where(CardRecipient.slug == slug, CardRecipient.sent_at >= since)
        .order_by(col(CardRecipient.sent_at))
    )
    latest = {row.chat_id: row.lang for row in rows}
    return [Delivery(chat_id, lang, slug) for chat_id, lang in latest.items()]


def forget_recipient(session: Session, *, chat_id: int) -> int:
    """Delete the record of cards sent to (and submissions to answer in) a private chat."""
    removed = 0
    for statement in (
        delete(CardRecipient).where(col(CardRecipient.chat_id) == chat_id),
        delete(SubmitterContact).where(col(SubmitterContact.chat_id) == chat_id),
    ):
        removed += int(session.exec(statement).rowcount or 0)
    return removed
