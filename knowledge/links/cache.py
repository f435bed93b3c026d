"""Link previews remembered for a while: one fetch per URL an hour, failures retried after five
minutes; in one process (:class:`MemoryPreviewCache`) or shared by every worker through the
database (:class:`DatabasePreviewCache`: a worker *claims* a URL before fetching it)."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine
from sqlmodel import Session

from knowledge.db import link_cache
from knowledge.links.extract import LinkPreview
from knowledge.links.fetch import TOTAL_TIMEOUT

CACHE_SECONDS = 3600.0  # one fetch per URL per hour
FAILURE_CACHE_SECONDS = 300.0  # a failed fetch is tried again after five minutes
LEASE_SECONDS = TOTAL_TIMEOUT + 2.0  # how long others wait for a worker's fetch of a URL


class PreviewCache(Protocol):
    """Remembers fetch results (None for a failure) for a while."""

    async def get(self, key: str) -> tuple[bool, LinkPreview | None]:
        """(True, result) when `key` was fetched recently; (False, None) otherwise."""
        ...

    async def claim(self, key: str) -> bool:
        """Whether the caller should fetch `key` now (False: someone else is fetching it)."""
        ...

    async def put(self, key: str, preview: LinkPreview | None) -> None: ...


class MemoryPreviewCache:
    """An in-process TTL cache of fetch results, oldest entries evicted beyond `max_entries`
    (one process; tests)."""

    def __init__(
        self,
        *,
        ttl: float = CACHE_SECONDS,
        failure_ttl: float = FAILURE_CACHE_SECONDS,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.failure_ttl = failure_ttl
        self.max_entries = max_entries
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, LinkPreview | None]] = OrderedDict()

    async def get(self, key: str) -> tuple[bool, LinkPreview | None]:
        item = self._items.get(key)
        if item is None:
            return False, None
        stored_at, preview = item
        if self._clock() - stored_at >= (self.ttl if preview is not None else self.failure_ttl):
            del self._items[key]
            return False, None
        return True, preview

    async def claim(self, key: str) -> bool:
        return True  # one process: LinkExpander already shares one fetch between its callers

    async def put(self, key: str, preview: LinkPreview | None) -> None:
        self._items[key] = (self._clock(), preview)
        self._items.move_to_end(key)
        while len(self._items) > self.max_entries:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class DatabasePreviewCache:
    """The cache every worker shares: a `linkpreviewcache` row per normalised URL (its hash),
    holding the article's text, a failure, or a claim by the worker fetching it right now.
    Each method is one short transaction in a worker thread."""

    def __init__(
        self,
        engine: Engine,
        *,
        ttl: float = CACHE_SECONDS,
        failure_ttl: float = FAILURE_CACHE_SECONDS,
        lease: float = LEASE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.ttl = timedelta(seconds=ttl)
        self.failure_ttl = timedelta(seconds=failure_ttl)
        self.lease = timedelta(seconds=lease)
        self._clock = clock

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def _get(self, key: str) -> tuple[bool, LinkPreview | None]:
        with Session(self.engine) as session:
            row = link_cache.cached_link(session, url_hash=link_cache.url_key(key))
        if row is None or row.state == link_cache.LINK_FETCHING:
            return False, None
        age = self._now() - row.fetched_at
        if row.state == link_cache.LINK_FAILED:
            return (True, None) if age < self.failure_ttl else (False, None)
        if age >= self.ttl:
            return False, None
        preview = LinkPreview(row.url, row.title, row.description, row.paragraphs)
        return True, preview

    def _claim(self, key: str) -> bool:
        with Session(self.engine) as session:
            claimed = link_cache.claim_link_fetch(
                session,
                url_hash=link_cache.url_key(key),
                now=self._now(),
                ttl=self.ttl,
                failure_ttl=self.failure_ttl,
                lease=self.lease,
            )
            session.commit()
        return claimed

    def _put(self, key: str, preview: LinkPreview | None) -> None:
        with Session(self.engine) as session:
            fields = (
                {"failed": True}
                if preview is None
                else {
                    "url": preview.url,
                    "title": preview.title,
                    "description": preview.description,
                    "paragraphs": preview.paragraphs,
                }
            )
            link_cache.store_link(
                session, url_hash=link_cache.url_key(key), now=self._now(), **fields
            )
            session.commit()

    async def get(self, key: str) -> tuple[bool, LinkPreview | None]:
        return await asyncio.to_thread(self._get, key)

    async def claim(self, key: str) -> bool:
        return await asyncio.to_thread(self._claim, key)

    async def put(self, key: str, preview: LinkPreview | None) -> None:
        await asyncio.to_thread(self._put, key, preview)
