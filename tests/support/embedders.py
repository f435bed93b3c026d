"""Test doubles' vectors: deterministic unit vectors from a text's hash, so that different texts
get unrelated vectors and the same text always the same one."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np


def hash_vectors(texts: Sequence[str], dimensions: int = 32) -> np.ndarray:
    out = []
    for text in texts:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        vector = np.random.default_rng(seed).standard_normal(dimensions)
        out.append(vector / np.linalg.norm(vector))
    return np.array(out, dtype=np.float32).reshape(len(texts), dimensions)
