"""What workers share through the database (knowledge/db/shared_state.py), on SQLite and PostgreSQL:
the check limit, the link-preview cache, the per-update snapshot and conversation steps."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.persistence import DatabasePersistence
from handlers.public.limits import Allowance, CheckLimiter
from knowledge.audience.held_forwards import ForwardHolds
from knowledge.audience.storage import set_auto_check, set_language
from knowledge.db import shared_state
from knowledge.db.bot_state import BotState
from knowledge.debunks.tables import CheckQuota, LinkPreviewCache
from knowledge.links.preview import DatabasePreviewCache, LinkExpander, LinkPreview
from knowledge.matching.normalise import normalise_url
from tests.knowledge.links.test_preview import CountingFetcher

A, N, S = Allowance.ALLOWED, Allowance.NOTIFY, Allowance.SILENT


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    return migrated_engine


def limiter(engine: Engine, now: list[float], per_minute: int = 3) -> CheckLimiter:
    return CheckLimiter(engine, per_minute=per_minute, key=lambda i: f"h{i}", clock=lambda: now[0])


# ------------------------------------------------------------------ the check limit


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


# ------------------------------------------------------------------ the link-preview cache


ARTICLE = LinkPreview(
    url="https://news.example/a", title="T", description="D", paragraphs=("First.", "Second.")
)


def worker(engine: Engine, fetcher: CountingFetcher, now: list[float]) -> LinkExpander:
    cache = DatabasePreviewCache(engine, clock=lambda: now[0])
    return LinkExpander(fetcher=fetcher, cache=cache, poll=0.02)


async def test_two_workers_fetch_a_url_once(engine: Engine) -> None:
    fetcher = CountingFetcher(ARTICLE, delay=0.3)
    now = [1_700_000_000.0]
    one, two = worker(engine, fetcher, now), worker(engine, fetcher, now)
    url = "https://news.example/a?utm_source=tg"
    results = await asyncio.gather(one.preview(url), two.preview(url), two.preview(url))
    assert results == [ARTICLE] * 3
    assert len(fetcher.calls) == 1
    assert await worker(engine, fetcher, now).preview("https://www.news.example/a") == ARTICLE
    now[0] += 3599
    await two.preview(url)
    assert len(fetcher.calls) == 1
    now[0] += 2  # an hour later: fetched again
    await one.preview(url)
    assert len(fetcher.calls) == 2


async def test_a_failed_fetch_is_retried_after_five_minutes(engine: Engine) -> None:
    fetcher = CountingFetcher(None)
    now = [1_700_000_000.0]
    one, two = worker(engine, fetcher, now), worker(engine, fetcher, now)
    assert await one.preview("https://news.example/broken") is None
    assert await two.preview("https://news.example/broken") is None
    assert len(fetcher.calls) == 1
    now[0] += 301
    fetcher.result = ARTICLE
    assert await two.preview("https://news.example/broken") == ARTICLE
    assert len(fetcher.calls) == 2


async def test_a_worker_that_died_mid_fetch_holds_the_url_only_for_its_lease(
    engine: Engine,
) -> None:
    now = [1_700_000_000.0]
    dead = DatabasePreviewCache(engine, clock=lambda: now[0])
    assert await dead.claim(normalise_url("https://news.example/a"))  # ... and never puts
    fetcher = CountingFetcher(ARTICLE)
    waiting = LinkExpander(fetcher=fetcher, cache=dead, wait=0.1, poll=0.02)
    assert await waiting.preview("https://news.example/a") is None  # answered without the text
    assert fetcher.calls == []
    now[0] += 8  # the lease ran out
    assert await waiting.preview("https://news.example/a") == ARTICLE
    assert len(fetcher.calls) == 1


# ------------------------------------------------------------------ the per-update snapshot


def test_the_snapshot_reads_language_settings_and_steps_at_once(engine: Engine) -> None:
    with Session(engine) as session:
        set_language(session, user_hash="u1", lang="kk")
        set_auto_check(session, chat_id=-100, enabled=True, by="a")
        session.add(BotState(kind="conversation:m", key="[-100, 1]", data="add-title"))
        session.commit()
        wanted = [("conversation:m", "[-100, 1]"), ("conversation:m", "[-100, 2]")]
        found = shared_state.load_snapshot(
            session, user_hash="u1", chat_id=-100, conversations=wanted
        )
        nobody = shared_state.load_snapshot(session, user_hash="u2", chat_id=5)
        neither = shared_state.load_snapshot(session, user_hash=None, chat_id=None)
    assert (found.language, found.auto_check) == ("kk", True)
    assert list(found.steps) == [("conversation:m", "[-100, 1]")]
    assert found.steps[("conversation:m", "[-100, 1]")].state == "add-title"
    assert (nobody.language, nobody.auto_check, nobody.steps) == (None, False, {})
    assert neither == shared_state.Snapshot()


async def test_a_stale_worker_does_not_end_a_conversation_moved_on_elsewhere(
    engine: Engine,
) -> None:
    stale, fresh = DatabasePersistence(engine), DatabasePersistence(engine)
    await stale.update_conversation("moderation", (10, 10), "add-title")
    assert await fresh.get_conversations("moderation") == {(10, 10): "add-title"}
    await fresh.update_conversation("moderation", (10, 10), "add-disproof")
    await stale.update_conversation("moderation", (10, 10), None)  # e.g. its old timeout fired
    assert await DatabasePersistence(engine).get_conversations("moderation") == {
        (10, 10): "add-disproof"
    }
    await fresh.update_conversation("moderation", (10, 10), None)  # the current version ends
    assert await DatabasePersistence(engine).get_conversations("moderation") == {}


def test_the_daily_purge_removes_only_what_ran_out(engine: Engine) -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    with Session(engine) as session:
        shared_state.take_check(session, user_hash="old", now=now.timestamp() - 7200)
        shared_state.take_check(session, user_hash="new", now=now.timestamp() - 30)
        for key, age in (("old", timedelta(hours=3)), ("new", timedelta(minutes=10))):
            shared_state.store_link(session, url_hash=key, now=now - age, title=key)
        for key, age in (("[1, 1]", timedelta(days=2)), ("[2, 2]", timedelta(hours=1))):
            shared_state.store_step(
                session, kind="conversation:m", key=key, state="s", now=now - age
            )
        session.add(BotState(kind="user", key="1", data={}, updated_at=now - timedelta(days=9)))
        session.commit()
    assert shared_state.purge_expired(engine, now=now) == 3
    with Session(engine) as session:
        assert [q.user_hash for q in session.exec(select(CheckQuota))] == ["new"]
        assert [c.url_hash for c in session.exec(select(LinkPreviewCache))] == ["new"]
        assert sorted(s.key for s in session.exec(select(BotState))) == ["1", "[2, 2]"]
