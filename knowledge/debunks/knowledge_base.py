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
from knowledge.debunks import storage, terms
from knowledge.debunks.cards import DebunkCard
from knowledge.debunks.seed_vectors import shipped_seed_vectors
from knowledge.debunks.storage import ImportSummary
from knowledge.debunks.sync import (
    BULK_REFRESH,
    GLOSSARY_CHANGED,
    BaseVersion,
    base_version,
    notify_change,
    notify_reload,
)
from knowledge.formats.pack import PackDebunk, parse_pack
from knowledge.matching.embedding import Progress, embed_passages_cached
from knowledge.matching.index_store import IndexStore
from knowledge.matching.matcher import Matcher, MatchResult
from knowledge.matching.vector_store import DatabaseVectorCache

log = logging.getLogger(__name__)

SEED_PACK = "seed.json"
IMPORT_BATCH = 50  # debunks written per transaction by an import
EMBEDDING_LOG_SECONDS = 60.0  # the background embedding logs its progress at most this often
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

    def __init__(
        self, engine: Engine, matcher: Matcher, *, index_store: IndexStore | None = None
    ) -> None:
        self.engine = engine
        self.matcher = matcher
        # the matcher's glossary as given (the shipped one); the moderators' groups join it
        self.shipped_glossary = matcher.glossary
        self.index_store = index_store  # built indexes kept on disk, read by reload()
        self._lock = threading.Lock()
        self.loaded = False  # the matcher is filled by reload(); until then changes skip it
        self.loaded_version: BaseVersion = ()  # the base's version the last reload started from
        # True (a service): the first reload() does not embed the wordings that lack stored
        # vectors; the matcher answers lexically meanwhile and a background thread embeds them.
        # Later reloads (a bulk import) embed what they add while the old index still answers.
        self.embed_in_background = False
        self._embedding: threading.Thread | None = None
        self._closing = threading.Event()

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

    def reload(
        self, *, progress: Progress | None = None, embed_missing: bool | None = None
    ) -> None:
        """Rebuild the matcher from every published debunk, or read it from the index store when
        it holds this version of the base. The base's version is read first, so a change that
        lands while the index is being built is caught up on later (see sync).

        Wordings without stored vectors are embedded here (``progress`` follows it), unless
        ``embed_in_background`` and this is the first load (or the thread is at work): then the
        matcher is lexical and a thread embeds them. ``embed_missing=False``: never here (the
        matcher stays lexical while any wording lacks its vector)."""
        version = base_version(self.engine)
        with self.session() as session:
            entries = storage.published_entries(session)
        self.reload_glossary(announce=False)
        embedding = self._embedding is not None and self._embedding.is_alive()
        if embed_missing is None:
            embed_missing = not (self.embed_in_background and (not self.loaded or embedding))
        store = self.index_store
        with self._lock:
            if store is None or not store.load(
                self.matcher, entries, embed_missing=embed_missing, progress=progress
            ):
                self.matcher.load(entries, embed_missing=embed_missing, progress=progress)
                if store is not None:
                    store.save(self.matcher, entries)
            self.loaded = True
            self.loaded_version = version
        log.info("matcher loaded with %d debunks", len(entries))
        if self.matcher.semantic_pending and self.embed_in_background:
            self._embed_in_background()

    def _embed_in_background(self) -> None:
        """Start the thread embedding the wordings that lack vectors (one at a time)."""
        if self._closing.is_set() or (self._embedding is not None and self._embedding.is_alive()):
            return
        log.warning(
            "semantic channel off until vectors are ready: %d wordings to embed; embedding them "
            "in the background (`tekser embed` does it before a start)",
            self.matcher.semantic_pending,
        )
        self._embedding = threading.Thread(
            target=self._embed_pending, name="tekser-embed", daemon=True
        )
        self._embedding.start()

    def _embed_pending(self) -> None:
        """Embed and store every wording without a vector, then reload: the matcher turns
        semantic. Stored batch by batch, so a restart resumes; workers sharing a PostgreSQL base
        take turns (the second finds the vectors stored by the first)."""
        embedder, cache = self.matcher.embedder, self.matcher.vector_cache
        if embedder is None:
            return
        last = [0.0]

        def log_progress(done: int, total: int) -> None:
            if self._closing.is_set():
                raise _Closing
            now = time.monotonic()
            if done == total or now - last[0] >= EMBEDDING_LOG_SECONDS:
                last[0] = now
                log.info("embedding the base: %d of %d wordings", done, total)

        try:
            with exclusive(self.engine, "embed"):
                embed_passages_cached(
                    embedder, cache, self.matcher.row_texts(), progress=log_progress
                )
            if self._closing.is_set():
                return
            self._embedding = None  # wordings added meanwhile: the reload starts another round
            self.reload()
        except _Closing:
            return
        except Exception:
            log.exception("embedding the base failed: matching stays lexical until a restart")
            return
        if not self.matcher.semantic_pending:
            log.info("semantic channel on: every wording has its vector")

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

    def reload_glossary(self, *, announce: bool = True) -> int:
        """Give the matcher the shipped glossary with the moderators' groups as stored now, and
        (unless `announce` is False) tell the other workers; returns how many groups joined.
        The glossary is read at query time, so no index is rebuilt."""
        with self.session() as session:
            groups = [row.words for row in terms.term_groups(session)]
        self.matcher.glossary = self.shipped_glossary.extended(groups)
        if announce:
            notify_change(self.engine, GLOSSARY_CHANGED)
        return len(groups)

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
            return len(self.import_seed().created)

    def import_seed(self) -> ImportSummary:
        """Import (or update) the bundled seed pack, its shipped vectors stored first (even by a
        lexical start: the workers' later semantic starts read them) so that its wordings are
        matched by meaning at once, not embedded first (seed_vectors.py)."""
        model_id, vectors = shipped_seed_vectors()
        DatabaseVectorCache(self.engine).put_many(model_id, vectors)
        return self.import_entries(seed_pack())

    def close(self) -> None:
        self._closing.set()
        if self._embedding is not None:
            self._embedding.join(timeout=30)
        self.engine.dispose()


class _Closing(Exception):
    """The knowledge base is closing: the background embedding stops between two batches."""
