"""The knowledge base as the bot and the command line use it: a database plus a live matcher."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from importlib import resources
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from knowledge.db.engines import create_engine_for, exclusive, migrate
from knowledge.debunks import storage
from knowledge.debunks.cards import DebunkCard
from knowledge.debunks.storage import ImportSummary
from knowledge.debunks.sync import (
    BULK_REFRESH,
    BaseVersion,
    base_version,
    notify_change,
    notify_reload,
)
from knowledge.formats.pack import PackDebunk, parse_pack
from knowledge.matching.matcher import Matcher, MatchResult

log = logging.getLogger(__name__)

SEED_PACK = "seed.json"
IMPORT_BATCH = 50  # debunks written per transaction by an import
BATCH_PAUSE_SECONDS = 0.02
T = TypeVar("T")


def in_batches(items: Sequence[T]) -> Iterator[Sequence[T]]:
    """`items`, IMPORT_BATCH at a time, with a pause between batches: it lets the threads
    waiting for the database connection (SQLite has one) take it before the next batch does."""
    for start in range(0, len(items), IMPORT_BATCH):
        if start:
            time.sleep(BATCH_PAUSE_SECONDS)
        yield items[start : start + IMPORT_BATCH]


def seed_pack() -> list[PackDebunk]:
    """The bundled seed pack's entries (validated; a broken bundled pack is a programming error)."""
    text = resources.files("knowledge").joinpath("packs", SEED_PACK).read_text(encoding="utf-8")
    parsed = parse_pack(json.loads(text))
    if parsed.problems:
        raise RuntimeError("bundled seed pack is invalid: " + "; ".join(parsed.problems[:3]))
    return parsed.debunks


class KnowledgeBase:
    """Owns the engine and the matcher, and keeps the matcher in step with every change."""

    def __init__(self, engine: Engine, matcher: Matcher) -> None:
        self.engine = engine
        self.matcher = matcher
        self._lock = threading.Lock()
        self.loaded = False  # the matcher is filled by reload(); until then changes skip it
        self.loaded_version: BaseVersion = ()  # the base's version the last reload started from

    @classmethod
    def open(cls, database_url: str, *, matcher: Matcher, load: bool = True) -> KnowledgeBase:
        """Connect, bring the schema up to date, and load the published debunks into the matcher."""
        engine = create_engine_for(database_url)
        migrate(engine)
        kb = cls(engine, matcher)
        if load:
            kb.reload()
        return kb

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def reload(self) -> None:
        """Rebuild the matcher from every published debunk. The base's version is read first, so
        a change that lands while the index is being built is caught up on later (see sync)."""
        version = base_version(self.engine)
        with self.session() as session:
            entries = storage.published_entries(session)
        with self._lock:
            self.matcher.load(entries)
            self.loaded = True
            self.loaded_version = version
        log.info("matcher loaded with %d debunks", len(entries))

    def refresh(self, slug: str, *, announce: bool = True) -> None:
        """Bring one debunk's state in the matcher in line with the database, and (unless
        `announce` is False, as when another worker told us) tell the other workers."""
        if self.loaded:
            with self.session() as session:
                entry = storage.matcher_entry(session, slug=slug)
            with self._lock:
                if entry is None:
                    self.matcher.remove(slug)
                else:
                    self.matcher.upsert(entry)
        if announce:
            notify_change(self.engine, slug)

    def check(self, text: str, *, top: int = 3) -> MatchResult:
        return self.matcher.match_message(text, top=top)

    def card(self, slug: str) -> DebunkCard | None:
        with self.session() as session:
            return storage.debunk_card(session, slug=slug)

    def published_count(self) -> int:
        with self.session() as session:
            return storage.count_debunks(session, status="published")

    def import_entries(
        self, entries: Sequence[PackDebunk], *, dry_run: bool = False
    ) -> ImportSummary:
        """Upsert entries by slug, `IMPORT_BATCH` to a transaction (between them other requests
        reach the database: a big import holds no reader up), then update the matcher for what
        changed. A failure keeps the batches written before it."""
        if dry_run:
            with self.session() as session:
                return storage.plan_import(session, entries=entries)
        summary = ImportSummary()
        for batch in in_batches(entries):
            with self.session() as session:
                part = storage.apply_import(session, entries=batch)
                session.commit()
            summary.created += part.created
            summary.updated += part.updated
            summary.unchanged += part.unchanged
        if len(summary.changed) > BULK_REFRESH:
            if self.loaded:
                self.reload()
            notify_reload(self.engine)
        else:
            for slug in summary.changed:
                self.refresh(slug)
        return summary

    def export_entries(self, *, statuses: Sequence[str] | None = None) -> list[dict[str, Any]]:
        with self.session() as session:
            return storage.export_entries(session, statuses=statuses)

    def seed_if_empty(self) -> int:
        """Import the bundled seed pack when the base has no debunks at all; returns how many.
        Workers starting together on one database seed it once."""
        with exclusive(self.engine, "seed"):
            with self.session() as session:
                if storage.count_debunks(session) > 0:
                    return 0
            return len(self.import_entries(seed_pack()).created)

    def close(self) -> None:
        self.engine.dispose()
