"""Sentence vectors kept in the database (table TextEmbedding), so a restart does not re-embed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from knowledge.debunks.tables import TextEmbedding
from knowledge.matching.embedding import text_sha256, vector_from_bytes, vector_to_bytes

LOOKUP_CHUNK = 500


class DatabaseVectorCache:
    """A VectorCache over the TextEmbedding table, keyed by model id and text hash."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get_many(self, model_id: str, texts: Sequence[str]) -> Mapping[str, np.ndarray]:
        by_hash: dict[str, list[str]] = {}
        for text in texts:
            by_hash.setdefault(text_sha256(text), []).append(text)
        hashes = list(by_hash)
        found: dict[str, np.ndarray] = {}
        with Session(self.engine) as session:
            for start in range(0, len(hashes), LOOKUP_CHUNK):
                chunk = hashes[start : start + LOOKUP_CHUNK]
                rows = session.exec(
                    select(TextEmbedding.text_sha256, TextEmbedding.vector).where(
                        TextEmbedding.model_id == model_id,
                        col(TextEmbedding.text_sha256).in_(chunk),
                    )
                )
                for digest, blob in rows:
                    vector = vector_from_bytes(blob)
                    for text in by_hash[digest]:
                        found[text] = vector
        return found

    def put_many(self, model_id: str, vectors: Mapping[str, np.ndarray]) -> None:
        """Store vectors; one already stored (by another worker embedding the same text at the
        same time, say) is left as it is."""
        rows = [
            {"model_id": model_id, "text_sha256": text_sha256(t), "vector": vector_to_bytes(v)}
            for t, v in vectors.items()
        ]
        if not rows:
            return
        insert = postgresql_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        statement = insert(TextEmbedding).on_conflict_do_nothing(
            index_elements=["model_id", "text_sha256"]
        )
        with self.engine.begin() as connection:
            for start in range(0, len(rows), LOOKUP_CHUNK):
                connection.execute(statement, rows[start : start + LOOKUP_CHUNK])
