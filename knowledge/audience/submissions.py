"""Messages readers send to the fact-checkers' queue because no debunk matched them (the sender
as a keyed hash; where a forward came from, only as far as it is public)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, Session, SQLModel, col, delete, select

from knowledge.debunks.tables import utcnow

SUBMISSION_STATUSES = ("new", "reviewed", "dismissed")
DUPLICATE_SUBMISSION_WINDOW = timedelta(days=1)


class Submission(SQLModel, table=True):
    """A message a reader sent to the fact-checkers' queue because no debunk matched it."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    user_hash: str = Field(max_length=64, index=True)
    lang: str = Field(max_length=8)
    text: str
    origin_kind: str = Field(default="", max_length=20)  # "", user, hidden_user, chat, channel
    origin_title: str = Field(default="", max_length=256)  # public chats only, never a person
    origin_url: str = Field(default="")  # t.me link of a public channel post
    status: str = Field(default="new", max_length=20, index=True)


def submission_key() -> Column[int]:
    """A primary key that is a submission's id, for a table that says more about submissions
    (a row goes with its submission)."""
    return Column(
        Integer,
        ForeignKey("submission.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )


@dataclass(frozen=True)
class Origin:
    """Where a forwarded message came from, as much of it as may be stored."""

    kind: str = ""  # "", user, hidden_user, chat, channel
    title: str = ""  # public chat or channel title; empty for people
    url: str = ""  # t.me link of a public channel post


def add_submission(
    session: Session,
    *,
    user_hash: str,
    lang: str,
    text: str,
    origin: Origin | None = None,
    now: datetime | None = None,
) -> tuple[Submission, bool]:
    """Queue a submission; the same text from the same reader within a day is not queued twice.
    Returns the submission and whether it is new."""
    now, origin = now or utcnow(), origin or Origin()
    existing = session.exec(
        select(Submission).where(
            Submission.user_hash == user_hash,
            Submission.text == text,
            Submission.created_at >= now - DUPLICATE_SUBMISSION_WINDOW,
        )
    ).first()
    if existing is not None:
        return existing, False
    submission = Submission(
        created_at=now,
        user_hash=user_hash,
        lang=lang,
        text=text,
        origin_kind=origin.kind,
        origin_title=origin.title,
        origin_url=origin.url,
    )
    session.add(submission)
    session.flush()
    return submission, True


def list_submissions(session: Session, *, status: str = "new", limit: int = 50) -> list[Submission]:
    query = (
        select(Submission)
        .where(Submission.status == status)
        .order_by(col(Submission.created_at))
        .limit(limit)
    )
    return list(session.exec(query))


def purge_before(session: Session, *, before: datetime) -> int:
    """Delete the submissions older than `before`; returns how many went."""
    statement = delete(Submission).where(col(Submission.created_at) < before)
    return int(session.exec(statement).rowcount or 0)


def forget(session: Session, *, user_hash: str) -> int:
    """Delete the reader's submissions (with the chat to answer); returns how many went."""
    statement = delete(Submission).where(col(Submission.user_hash) == user_hash)
    return int(session.exec(statement).rowcount or 0)
