"""Each language's offset in the sentence-vector space, taken off every vector before cosines.

A multilingual encoder places a sentence by its meaning *and* by its language: e5-small gave a
Kazakh message a higher cosine to a Kazakh or Russian text on another subject than to the English
wording of its own claim.  A language's offset is the mean of its vectors less the mean of
English ones over a parallel corpus (the same sentences in ru/kk/en, so that the subjects
cancel), and is subtracted from every vector of a text in that language (which is then
normalised again): Russian and Kazakh vectors are moved to where English ones of the same meaning
lie, English vectors stay as they are (an English base read in English, CLEF-2020, is matched
exactly as before; centring on the mean of the three moved English too and cost CLEF 0.03
MAP@5).  Queries and stored wordings are embedded with different prefixes (and engines), so each
side has its own offsets.  Fitted by ``bench/fit_language_offsets.py`` for one model; another
model's vectors are left as they are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from knowledge.matching.languages import text_language

__all__ = ["FITTED_OFFSETS", "LANGUAGES", "LanguageOffsets", "fitted_offsets"]

FITTED_OFFSETS = Path(__file__).with_name("language_offsets.npz")
LANGUAGES = ("ru", "kk", "en")
REFERENCE = "en"  # the language whose vectors are kept as they are


@dataclass(frozen=True)
class LanguageOffsets:
    """Per side ("query", "passage"), a (3, dim) matrix of offsets in :data:`LANGUAGES` order."""

    model_id: str
    query: np.ndarray
    passage: np.ndarray

    @property
    def id(self) -> str:
        """Names these offsets (a persisted index made with others is not reused)."""
        digest = hashlib.sha256(self.model_id.encode())
        digest.update(np.ascontiguousarray(self.query, dtype=np.float32).tobytes())
        digest.update(np.ascontiguousarray(self.passage, dtype=np.float32).tobytes())
        return digest.hexdigest()[:12]

    def queries(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Message vectors (rows of ``texts``) without their language's offset."""
        return _neutral(vectors, texts, self.query)

    def passages(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Stored wordings' vectors without their language's offset."""
        return _neutral(vectors, texts, self.passage)

    def save(self, path: Path = FITTED_OFFSETS) -> None:
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as f:
            np.savez(
                f,
                model_id=np.array(self.model_id),
                query=self.query.astype(np.float32),
                passage=self.passage.astype(np.float32),
            )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path = FITTED_OFFSETS) -> LanguageOffsets:
        with np.load(path) as data:
            return cls(
                model_id=str(data["model_id"]),
                query=np.asarray(data["query"], dtype=np.float32),
                passage=np.asarray(data["passage"], dtype=np.float32),
            )

    @classmethod
    def fit(
        cls, model_id: str, query: dict[str, np.ndarray], passage: dict[str, np.ndarray]
    ) -> LanguageOffsets:
        """From the vectors of one parallel corpus per language (row i of every language the
        same sentence), embedded as queries and as passages."""
        return cls(model_id=model_id, query=_offsets(query), passage=_offsets(passage))


def _offsets(by_language: dict[str, np.ndarray]) -> np.ndarray:
    means = np.stack([np.asarray(by_language[lang], np.float64).mean(axis=0) for lang in LANGUAGES])
    return (means - means[LANGUAGES.index(REFERENCE)]).astype(np.float32)


def _neutral(vectors: np.ndarray, texts: Sequence[str], offsets: np.ndarray) -> np.ndarray:
    if not len(texts):
        return vectors
    index = {lang: i for i, lang in enumerate(LANGUAGES)}
    # a text without letters has no language: no offset (a zero row)
    rows = np.array([index.get(text_language(t) or "", len(LANGUAGES)) for t in texts])
    table = np.vstack([offsets, np.zeros((1, offsets.shape[1]), np.float32)])
    shifted = np.asarray(vectors, dtype=np.float32) - table[rows]
    norms = np.linalg.norm(shifted, axis=1, keepdims=True)
    return (shifted / np.maximum(norms, 1e-12)).astype(np.float32)


@cache
def _shipped() -> LanguageOffsets | None:
    try:
        return LanguageOffsets.load()
    except (OSError, KeyError, ValueError):
        return None


def fitted_offsets(model_id: str) -> LanguageOffsets | None:
    """The shipped offsets when they were fitted for ``model_id``; None for any other model."""
    offsets = _shipped()
    return offsets if offsets is not None and offsets.model_id == model_id else None
