"""Numbers for /stats, from the check log, the votes and the queue (no texts, no people)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from knowledge.audience.check_log import CheckRecord
from knowledge.audience.votes import FeedbackVote
from knowledge.db.transactions import Transactions
from knowledge.debunks.cards import DebunkCard
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.debunks.tables import utcnow
from knowledge.moderation.review import pending_count

CHECK_VERDICTS = ("match", "possible", "none")  # "shown" (a card opened directly) is not a check
HIT_VERDICTS = ("match", "shown")
DAYS = 30
TOP = 5


@dataclass(frozen=True)
class DayCount:
    day: date
    match: int = 0
    possible: int = 0
    none: int = 0

    @property
    def total(self) -> int:
        return self.match + self.possible + self.none


@dataclass(frozen=True)
class Feedback:
    slug: str
    up: int
    down: int

    @property
    def share_up(self) -> float:
        return self.up / (self.up + self.down) if self.up + self.down else 0.0


@dataclass(frozen=True)
class Stats:
    today: int
    week: int
    month: int
    verdicts: dict[str, int]  # checks of the last 30 days by answer
    top: list[tuple[str, int]]  # debunks by hits (matched or opened), last 30 days
    pending: int
    feedback: list[Feedback]  # most voted debunks
    languages: list[tuple[str, int]]  # checks by interface language, last 30 days
    daily: list[DayCount]  # oldest first, DAYS days ending today

    def share(self, verdict: str) -> float:
        total = sum(self.verdicts.values())
        return self.verdicts.get(verdict, 0) / total if total else 0.0


def _count_checks(session: Session, since: datetime) -> int:
    query = (
        select(func.count())
        .select_from(CheckRecord)
        .where(CheckRecord.created_at >= since, col(CheckRecord.verdict).in_(CHECK_VERDICTS))
    )
    return int(session.exec(query).one())


def _daily(session: Session, *, start: date, days: int) -> list[DayCount]:
    since = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    day = func.date(CheckRecord.created_at)
    rows = session.exec(
        select(day, CheckRecord.verdict, func.count())
        .where(CheckRecord.created_at >= since, col(CheckRecord.verdict).in_(CHECK_VERDICTS))
        .group_by(day, col(CheckRecord.verdict))
    )
    counts: dict[date, Counter[str]] = {}
    for when, verdict, n in rows:
        key = when if isinstance(when, date) else date.fromisoformat(str(when)[:10])
        counts.setdefault(key, Counter())[verdict] += int(n)
    result = []
    for offset in range(days):
        current = start + timedelta(days=offset)
        c = counts.get(current, Counter())
        result.append(DayCount(current, c["match"], c["possible"], c["none"]))
    return result


def collect(session: Session, *, now: datetime | None = None, days: int = DAYS) -> Stats:
    now = now or utcnow()
    today = now.date()
    midnight = datetime.combine(today, datetime.min.time(), tzinfo=UTC)
    month = now - timedelta(days=days)
    verdicts = Counter(
        {
            verdict: int(n)
            for verdict, n in session.exec(
                select(CheckRecord.verdict, func.count())
                .where(
                    CheckRecord.created_at >= month, col(CheckRecord.verdict).in_(CHECK_VERDICTS)
                )
                .group_by(col(CheckRecord.verdict))
            )
        }
    )
    hits = func.count().label("hits")
    top = session.exec(
        select(CheckRecord.slug, hits)
        .where(
            CheckRecord.created_at >= month,
            col(CheckRecord.verdict).in_(HIT_VERDICTS),
            col(CheckRecord.slug).is_not(None),
        )
        .group_by(col(CheckRecord.slug))
        .order_by(hits.desc(), col(CheckRecord.slug))
        .limit(TOP)
    )
    languages = session.exec(
        select(CheckRecord.lang, func.count())
        .where(CheckRecord.created_at >= month, col(CheckRecord.verdict).in_(CHECK_VERDICTS))
        .group_by(col(CheckRecord.lang))
        .order_by(func.count().desc())
    )
    return Stats(
        today=_count_checks(session, midnight),
        week=_count_checks(session, now - timedelta(days=7)),
        month=_count_checks(session, month),
        verdicts=dict(verdicts),
        top=[(slug, int(n)) for slug, n in top if slug],
        pending=pending_count(session),
        feedback=_feedback(session),
        languages=[(lang or "?", int(n)) for lang, n in languages],
        daily=_daily(session, start=today - timedelta(days=days - 1), days=days),
    )


def _feedback(session: Session) -> list[Feedback]:
    rows = session.exec(
        select(FeedbackVote.slug, FeedbackVote.vote, func.count()).group_by(
            col(FeedbackVote.slug), col(FeedbackVote.vote)
        )
    )
    votes: dict[str, list[int]] = {}
    for slug, vote, n in rows:
        votes.setdefault(slug, [0, 0])[0 if vote > 0 else 1] += int(n)
    ranked = sorted(votes.items(), key=lambda item: (-(item[1][0] + item[1][1]), item[0]))
    return [Feedback(slug, up, down) for slug, (up, down) in ranked[:TOP]]


class Statistics:
    """/stats: the numbers, and the titles of the debunks they name."""

    def __init__(self, tx: Transactions, kb: KnowledgeBase) -> None:
        self.tx = tx
        self.kb = kb

    def stats(self) -> Stats:
        return self.tx.read(lambda s: collect(s))

    def titles(self, slugs: Sequence[str]) -> dict[str, DebunkCard]:
        cards = {slug: self.kb.card(slug) for slug in dict.fromkeys(slugs)}
        return {slug: card for slug, card in cards.items() if card is not None}
