"""Reading and writing the audience tables. Every function takes a session and keyword arguments;
the caller commits. Hashes come in already keyed (see `knowledge.audience.tables.keyed_hash`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col, delete, select

from knowledge.audience.tables import (
    VOTES,
    ChatSettings,
    CheckRecord,
    FeedbackVote,
    LanguagePreference,
    ReplyLink,
    Submission,
)
from knowledge.debunks.tables import Debunk, utcnow

DUPLICATE_SUBMISSION_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class VoteTally:
    up: int
    down: int


def _upsert(
    session: Session, model: type[SQLModel], *, values: dict[str, Any], keys: list[str]
) -> None:
    """INSERT, or UPDATE the row with the same `keys`, in one statement: safe when two requests
    of the same reader race (a double tap), on SQLite and on PostgreSQL."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    changes = {k: v for k, v in values.items() if k not in keys and k != "created_at"}
    statement = insert(model).values(**values)
    session.exec(statement.on_conflict_do_update(index_elements=keys, set_=changes))


def get_language(session: Session, *, user_hash: str) -> str | None:
    row = session.get(LanguagePreference, user_hash)
    return row.lang if row else None


def set_language(session: Session, *, user_hash: str, lang: str) -> None:
    values = {"user_hash": user_hash, "lang": lang, "updated_at": utcnow()}
    _upsert(session, LanguagePreference, values=values, keys=["user_hash"])


def add_submission(
    session: Session,
    *,
    user_hash: str,
    lang: str,
    text: str,
    origin_kind: str = "",
    origin_title: str = "",
    origin_url: str = "",
    now: datetime | None = None,
) -> tuple[Submission, bool]:
    """Queue a submission; the same text from the same reader within a day is not queued twice.
    Returns the submission and whether it is new."""
    now = now or utcnow()
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
        origin_kind=origin_kind,
        origin_title=origin_title,
        origin_url=origin_url,
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


def set_vote(session: Session, *, slug: str, user_hash: str, vote: int) -> None:
    """Record or change a reader's vote on a debunk: one per reader and debunk."""
    if vote not in VOTES:
        raise ValueError(f"a vote is +1 or -1, not {vote}")
    now = utcnow()
    values = {"slug": slug, "user_hash": user_hash, "vote": vote, "created_at": now}
    _upsert(session, FeedbackVote, values={**values, "updated_at": now}, keys=["slug", "user_hash"])


def vote_tally(session: Session, *, slug: str) -> VoteTally:
    rows = session.exec(
        select(FeedbackVote.vote, func.count())
        .where(FeedbackVote.slug == slug)
        .group_by(col(FeedbackVote.vote))
    )
    counts = dict(rows.all())
    return VoteTally(up=int(counts.get(1, 0)), down=int(counts.get(-1, 0)))


def get_auto_check(session: Session, *, chat_id: int) -> bool:
    row = session.get(ChatSettings, chat_id)
    return bool(row and row.auto_check)


def set_auto_check(session: Session, *, chat_id: int, enabled: bool, by: str) -> None:
    values = {"chat_id": chat_id, "auto_check": enabled, "updated_by": by, "updated_at": utcnow()}
    _upsert(session, ChatSettings, values=values, keys=["chat_id"])


def log_check(
    session: Session,
    *,
    source: str,
    verdict: str,
    slug: str | None = None,
    score: float = 0.0,
    chat_type: str = "",
    lang: str = "",
) -> None:
    values = {
        "created_at": utcnow(),
        "source": source,
        "verdict": verdict,
        "slug": slug,
        "score": round(float(score), 4),
        "chat_type": chat_type,
        "lang": lang,
    }
    table = CheckRecord.__table__  # type: ignore[attr-defined]
    session.execute(insert(table).values(**values))  # Core: no ORM bookkeeping


def popular_slugs(session: Session, *, limit: int, since: datetime | None = None) -> list[str]:
    """Published debunks, most checked first (counting checks since `since`), then the newest."""
    published = select(Debunk.slug).where(Debunk.status == "published")
    counted = (
        select(CheckRecord.slug, func.count().label("n"))
        .where(col(CheckRecord.slug).in_(published))
        .group_by(col(CheckRecord.slug))
        .order_by(func.count().desc(), col(CheckRecord.slug))
        .limit(limit)
    )
    if since is not None:
        counted = counted.where(CheckRecord.created_at >= since)
    slugs = [slug for slug, _ in session.exec(counted) if slug]
    if len(slugs) < limit:
        newest = (
            select(Debunk.slug)
            .where(Debunk.status == "published", col(Debunk.slug).not_in(slugs))
            .order_by(col(Debunk.created_at).desc(), col(Debunk.id).desc())
            .limit(limit - len(slugs))
        )
        slugs += list(session.exec(newest))
    return slugs


def remember_reply(
    session: Session, *, chat_key: str, message_id: int, reply_message_id: int
) -> None:
    values = {
        "chat_key": chat_key,
        "message_id": message_id,
        "reply_message_id": reply_message_id,
        "created_at": utcnow(),
    }
    _upsert(session, ReplyLink, values=values, keys=["chat_key", "message_id"])


def find_reply(session: Session, *, chat_key: str, message_id: int) -> int | None:
    row = session.exec(
        select(ReplyLink).where(ReplyLink.chat_key == chat_key, ReplyLink.message_id == message_id)
    ).first()
    return row.reply_message_id if row else None


def forget_reply(session: Session, *, chat_key: str, message_id: int) -> None:
    session.exec(
        delete(ReplyLink).where(
            col(ReplyLink.chat_key) == chat_key, col(ReplyLink.message_id) == message_id
        )
    )


def purge_before(session: Session, *, before: datetime) -> int:
    """Delete check records, reply links and submissions older than `before`."""
    removed = 0
    statements = (
        delete(CheckRecord).where(col(CheckRecord.created_at) < before),
        delete(ReplyLink).where(col(ReplyLink.created_at) < before),
        delete(Submission).where(col(Submission.created_at) < before),
    )
    for statement in statements:
        result = session.exec(statement)
        removed += int(result.rowcount or 0)
    return removed


def forget_user(session: Session, *, user_hash: str) -> int:
    """Delete what is stored under one reader's keyed hash: submissions (with the chat to answer),
    votes and the language choice. Returns how many rows went."""
    removed = 0
    for statement in (
        delete(Submission).where(col(Submission.user_hash) == user_hash),
        delete(FeedbackVote).where(col(FeedbackVote.user_hash) == user_hash),
        delete(LanguagePreference).where(col(LanguagePreference.user_hash) == user_hash),
    ):
        removed += int(session.exec(statement).rowcount or 0)
    return removed
