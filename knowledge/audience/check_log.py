"""A log of the checks readers asked for: what was decided and which debunk, never the text or
who asked; it ranks the debunks an empty inline query offers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert
from sqlmodel import Field, Session, SQLModel, col, delete, select

from knowledge.db.upserts import core_connection
from knowledge.debunks.tables import Debunk, utcnow


class CheckRecord(SQLModel, table=True):
    """One check a reader asked for: what was decided and which debunk, never the text or who."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    source: str = Field(max_length=20)  # private | edit | mention | command | auto | inline ...
    chat_type: str = Field(default="", max_length=20)
    lang: str = Field(default="", max_length=8)
    verdict: str = Field(max_length=10)  # match | possible | none | shown
    slug: str | None = Field(default=None, max_length=80, index=True)
    score: float = 0.0


@dataclass(frozen=True)
class CheckEntry:
    """One check for the log: what was decided and which debunk; never the text or the person."""

    source: str  # private | forward | edit | command | mention | auto | inline | deep-link ...
    verdict: str  # match | possible | none | shown
    slug: str | None = None
    score: float = 0.0
    chat_type: str = ""
    lang: str = ""


def log_check(session: Session, *, check: CheckEntry) -> None:
    log_checks(session, [check])


def log_checks(session: Session, checks: Sequence[CheckEntry]) -> None:
    """Log `checks` in one statement (Core: no ORM bookkeeping)."""
    now = utcnow()
    rows = [
        {
            "created_at": now,
            "source": check.source,
            "verdict": check.verdict,
            "slug": check.slug,
            "score": round(float(check.score), 4),
            "chat_type": check.chat_type,
            "lang": check.lang,
        }
        for check in checks
    ]
    if rows:
        core_connection(session).execute(insert(CheckRecord.__table__), rows)  # type: ignore[attr-defined]


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


def purge_before(session: Session, *, before: datetime) -> int:
    """Delete the records older than `before`; returns how many went."""
    statement = delete(CheckRecord).where(col(CheckRecord.created_at) < before)
    return int(session.exec(statement).rowcount or 0)
