"""The per-reader check quota (knowledge/audience/quotas.py), counted in the database so that
workers count together, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from handlers.public.limits import Allowance, CheckLimiter
from knowledge.audience.held_forwards import ForwardHolds
from knowledge.audience.quotas import CheckQuota

A, N, S = Allowance.ALLOWED, Allowance.NOTIFY, Allowance.SILENT


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    return migrated_engine


def limiter(engine: Engine, now: list[float], per_minute: int = 3) -> CheckLimiter:
    return CheckLimiter(engine, per_minute=per_minute, key=lambda i: f"h{i}", clock=lambda: now[0])


def test_the_limit_allows_n_a_minute_and_tells_once(engine: Engine) -> None:
    now = [1000.0]
    limit = limiter(engine, now)
    assert [limit.take_blocking(1) for _ in range(6)] == [A, A, A, N, S, S]
    assert limit.take_blocking(2) is A  # others are not affected
    now[0] += 59.9
    assert limit.take_blocking(1) is S  # still the same window
    now[0] += 0.1
    assert [limit.take_blocking(1) for _ in range(5)] == [A, A, A, N, S]  # a new window


def test_two_workers_count_together(engine: Engine) -> None:
    now = [1000.0]
    workers = [limiter(engine, now), limiter(engine, now)]
    assert [workers[i % 2].take_blocking(7) for i in range(6)] == [A, A, A, N, S, S]


def test_concurrent_checks_never_let_one_too_many_through(engine: Engine) -> None:
    now = [1000.0]
    workers = [limiter(engine, now, per_minute=5) for _ in range(4)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: workers[i % 4].take_blocking(9), range(24)))
    assert results.count(A) == 5 and results.count(N) == 1 and results.count(S) == 18


async def test_the_limiter_is_awaitable(engine: Engine) -> None:
    limit = CheckLimiter(engine, per_minute=1, key=str)
    assert [await limit.take(5), await limit.take(5)] == [A, N]
    with Session(engine) as session:
        rows = session.exec(select(CheckQuota)).all()
    assert [(r.user_hash, r.taken) for r in rows] == [("5", 2)]  # only the keyed hash is kept


def test_a_readers_words_take_their_held_forwards_or_count_in_one_transaction(
    engine: Engine,
) -> None:
    """Held forwards are taken and not counted (the merged request is counted later); with
    none waiting, the words' own check is counted in the same transaction."""
    now = [1000.0]
    limit = limiter(engine, now, per_minute=1)
    holds = ForwardHolds(engine)
    holds.hold(chat_id=5, message={"text": "post"}, grace=30.0)
    assert limit.take_after_forwards_blocking(5, chat_id=5) == ([{"text": "post"}], None)
    assert limit.take_after_forwards_blocking(5, chat_id=5) == ([], A)
    assert limit.take_after_forwards_blocking(5, chat_id=5) == ([], N)
    assert limit.take_blocking(5) is S  # one window, however the checks were counted
