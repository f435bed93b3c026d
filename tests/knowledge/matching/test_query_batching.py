"""Query embeddings asked for at the same time by several threads share one model call."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from knowledge.matching.query_batching import BatchingEmbedder, RecentQueries


class SlowModel:
    """A fake embedder: one vector per text (its length), 50 ms per call whatever the batch."""

    model_id = "fake/1"

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.lock = threading.Lock()

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        with self.lock:
            self.batches.append(len(texts))
            time.sleep(0.05)
            if any(t == "boom" for t in texts):
                raise RuntimeError("model failure")
            return np.array([[float(len(t)), 1.0] for t in texts], dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_queries(texts)


def test_concurrent_queries_are_batched_and_each_caller_gets_its_own_vectors() -> None:
    model = SlowModel()
    batching = BatchingEmbedder(model)
    texts = [["x" * n, "y" * (n + 100)] for n in range(1, 25)]
    with ThreadPoolExecutor(24) as pool:
        results = list(pool.map(batching.embed_queries, texts))
    for asked, vectors in zip(texts, results, strict=True):
        assert vectors[:, 0].tolist() == [len(t) for t in asked]
    assert sum(model.batches) == 48
    assert len(model.batches) < 24 / 2  # far fewer model calls than requests


def test_batches_respect_the_size_limit() -> None:
    model = SlowModel()
    batching = BatchingEmbedder(model, max_batch=4)
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(batching.embed_queries, [["a"]] * 16))
    assert max(model.batches) <= 4 and sum(model.batches) == 16


def test_a_model_failure_reaches_the_callers_and_the_batcher_keeps_working() -> None:
    batching = BatchingEmbedder(SlowModel())
    with pytest.raises(RuntimeError, match="model failure"):
        batching.embed_queries(["boom"])
    assert batching.embed_queries(["abc"])[0, 0] == 3.0
    assert batching.model_id == "fake/1"
    assert batching.embed_passages(["ab"])[0, 0] == 2.0


@pytest.mark.parametrize(
    ("calls", "model_sees"),
    [
        ([["post"], ["post"], ["post"]], [1]),  # a forwarded post is embedded once
        ([["a", "b"], ["b", "c"]], [2, 1]),  # only what was not seen before
        ([["a", "a", "b"]], [2]),  # repeats within one call too
        ([["a"], ["b"], ["c"], ["a"]], [1, 1, 1, 1]),  # forgotten beyond its size (2)
    ],
)
def test_recent_queries_embed_only_unseen_texts(
    calls: list[list[str]], model_sees: list[int]
) -> None:
    model = SlowModel()
    recent = RecentQueries(model, size=2)
    for texts in calls:
        vectors = recent.embed_queries(texts)
        assert vectors[:, 0].tolist() == [len(t) for t in texts]  # each text its own vector
    assert model.batches == model_sees


class WindowedModel(SlowModel):
    def query_windows(self, text: str) -> list[str]:
        return text.split(". ") if len(text) > 20 else []


def test_the_bots_wrappers_pass_on_where_a_long_post_is_cut() -> None:
    """The bot's matcher embeds through these wrappers: without the model's windows a long
    post's claim past its first 64 tokens would never be embedded."""
    from knowledge.matching.embedding import query_windows

    wrapped = RecentQueries(BatchingEmbedder(WindowedModel()))
    assert query_windows(wrapped, "Good morning all. NATO opened a centre") == [
        "Good morning all",
        "NATO opened a centre",
    ]
    assert query_windows(wrapped, "short") == []
    assert query_windows(RecentQueries(SlowModel()), "Good morning all. NATO opened") == []
