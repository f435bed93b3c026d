"""The link-preview cache every worker shares (knowledge/db/link_cache.py behind
knowledge/links/cache.py), on SQLite and PostgreSQL: one fetch of a URL, whichever worker asks."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Engine

from knowledge.links.preview import DatabasePreviewCache, LinkExpander, LinkPreview
from knowledge.matching.normalise import normalise_url
from tests.knowledge.links.test_preview import CountingFetcher


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    return migrated_engine


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
