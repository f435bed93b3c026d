"""Link expansion: the article a message links to, read safely and remembered for an hour.

When a message is mostly one link (to an article that is not a known appearance of a debunk), its
title, description and first paragraphs are what the matcher should see (`expandable_link`).
:class:`LinkExpander` gives that article's preview: fetched under knowledge.links.fetch's rules,
remembered by knowledge.links.cache, one fetch per URL however many readers send it at once.
"""

from __future__ import annotations

import asyncio
import logging
import time

import httpx

from knowledge import metrics
from knowledge.links.cache import (
    LEASE_SECONDS,
    DatabasePreviewCache,
    MemoryPreviewCache,
    PreviewCache,
)
from knowledge.links.extract import LinkPreview, extract_preview
from knowledge.links.fetch import LinkFetcher
from knowledge.links.policy import AddressPolicy, is_public_address
from knowledge.matching.matcher import MatchResult
from knowledge.matching.normalise import extract_urls, normalise_url

__all__ = [  # what the bot, the handlers and the tests use, from one place
    "AddressPolicy",
    "DatabasePreviewCache",
    "LinkExpander",
    "LinkFetcher",
    "LinkPreview",
    "MemoryPreviewCache",
    "PreviewCache",
    "expandable_link",
    "extract_preview",
    "is_public_address",
]

log = logging.getLogger(__name__)

POLL_SECONDS = 0.1  # how often a waiting worker looks for another worker's fetch of a URL
MAX_OTHER_WORDS = 12  # words besides the link for a message to count as "mostly a link"


class LinkExpander:
    """Cached, coalesced link previews: concurrent requests for one URL share one fetch, in this
    process (a shared future) and across workers (the cache's claim)."""

    def __init__(
        self,
        *,
        fetcher: LinkFetcher | None = None,
        cache: PreviewCache | None = None,
        wait: float = LEASE_SECONDS,
        poll: float = POLL_SECONDS,
    ) -> None:
        self.fetcher = fetcher or LinkFetcher()
        self.cache: PreviewCache = cache if cache is not None else MemoryPreviewCache()
        self.wait = wait
        self.poll = poll
        self._inflight: dict[str, asyncio.Future[LinkPreview | None]] = {}

    async def preview(self, url: str) -> LinkPreview | None:
        key = _cache_key(url)
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[LinkPreview | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            result = await self._cached_or_fetched(key, url)
            future.set_result(result)
            return result
        finally:
            if not future.done():  # cancelled mid-fetch: waiters get None, nothing cached
                future.set_result(None)
            del self._inflight[key]

    async def _cached_or_fetched(self, key: str, url: str) -> LinkPreview | None:
        try:
            found, cached = await self.cache.get(key)
            if found:
                metrics.LINK_FETCHES.labels(outcome="cached").inc()
                return cached
            if not await self.cache.claim(key):
                return await self._fetched_elsewhere(key)
        except Exception as exc:  # a preview is optional: a cache failure never breaks an answer
            log.warning("link preview cache unavailable: %s", type(exc).__name__)
            return None
        result = await self.fetcher.fetch(url)
        metrics.LINK_FETCHES.labels(outcome="failed" if result is None else "ok").inc()
        try:
            await self.cache.put(key, result)
        except Exception as exc:
            log.warning("link preview not cached: %s", type(exc).__name__)
        return result

    async def _fetched_elsewhere(self, key: str) -> LinkPreview | None:
        """Another worker is fetching `key`: its result, or None if it does not come in time."""
        deadline = time.monotonic() + self.wait
        while time.monotonic() < deadline:
            await asyncio.sleep(self.poll)
            found, cached = await self.cache.get(key)
            if found:
                return cached
        return None


def _cache_key(url: str) -> str:
    try:
        return normalise_url(url)
    except ValueError:
        return url


def expandable_link(text: str, *, result: MatchResult | None = None) -> str | None:
    """The URL to fetch when `text` is mostly one link to an article, else None.

    Mostly one link: exactly one URL, with a path (not a bare site), and at most a few other
    words ("is this true?").  With the check's `result`, a URL already known as an appearance of
    a debunk is not fetched: the appearance answers it.
    """
    urls = extract_urls(text)
    if len(urls) != 1:
        return None
    url = urls[0]
    rest = text.replace(url, " ")
    if len(rest.split()) > MAX_OTHER_WORDS:
        return None
    if "://" not in url:
        url = "https://" + url
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        return None
    if parsed.scheme not in ("http", "https") or parsed.path.strip("/") == "":
        return None
    if result is not None and any("appearance" in m.evidence for m in result.matches):
        return None
    return url
