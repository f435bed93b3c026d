"""Fit each language's offset in e5's vector space (knowledge/matching/language_offsets.py) on the
hand-written parallel corpus bench/data/language_offset_corpus.json, and show what taking it off
does to finding a sentence's translation.

    .venv/bin/python bench/fit_language_offsets.py            # table: held-out halves
    .venv/bin/python bench/fit_language_offsets.py --write    # fit on the whole corpus, write

The table fits on one half of the corpus and reports on the other: for each pair of languages, how
often a message (query side) finds its own translation first among the other half's stored
sentences (passage side) of the other language, mixed with the same sentences in the message's
own language (the case the offset is for: a same-language sentence on another subject must not
outrank the translation), before and after.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datasets as data

from knowledge.matching.embedding import embed_passages_cached
from knowledge.matching.language_offsets import FITTED_OFFSETS, LANGUAGES, LanguageOffsets
from knowledge.matching.normalise import normalise

CORPUS = data.REPO / "bench" / "data" / "language_offset_corpus.json"


def corpus() -> dict[str, list[str]]:
    """The corpus's sentences by language, normalised as the matcher stores and reads them."""
    items = json.loads(CORPUS.read_text(encoding="utf-8"))["items"]
    return {lang: [normalise(item[lang]) for item in items] for lang in LANGUAGES}


Vectors = dict[str, np.ndarray]  # by language, a row per sentence of the corpus


def embedded(texts: dict[str, list[str]]) -> tuple[str, Vectors, Vectors]:
    embedder = data.query_embedder()
    cache = data.passage_cache()
    queries = {lang: embedder.embed_queries(t) for lang, t in texts.items()}
    passages = {lang: embed_passages_cached(embedder, cache, t) for lang, t in texts.items()}
    embedder.cache.save()
    return embedder.model_id, queries, passages


def translation_found(
    queries: dict[str, np.ndarray],
    passages: dict[str, np.ndarray],
    rows: np.ndarray,
    offsets: LanguageOffsets | None,
    texts: dict[str, list[str]],
) -> dict[tuple[str, str], float]:
    """Per (message language, stored language): share of messages whose translation ranks first
    among the held-out sentences of both languages (the message's own sentence excluded)."""
    out = {}
    for source in LANGUAGES:
        q = queries[source][rows]
        if offsets is not None:
            q = offsets.queries(q, [texts[source][i] for i in rows])
        for target in LANGUAGES:
            if target == source:
                continue
            stored = []
            for lang in (target, source):
                p = passages[lang][rows]
                if offsets is not None:
                    p = offsets.passages(p, [texts[lang][i] for i in rows])
                stored.append(p)
            cos = q @ np.vstack(stored).T
            n = len(rows)
            cos[np.arange(n), n + np.arange(n)] = -np.inf  # not the message itself
            out[(source, target)] = float((cos.argmax(axis=1) == np.arange(n)).mean())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"write {FITTED_OFFSETS.name}")
    args = parser.parse_args()
    texts = corpus()
    n = len(texts["ru"])
    print(f"parallel corpus: {n} sentences in each of {', '.join(LANGUAGES)} ({CORPUS.name})")
    model_id, queries, passages = embedded(texts)
    rows = np.arange(n)
    halves = (rows[rows % 2 == 0], rows[rows % 2 == 1])
    print("\ntranslation ranked first among the other half's sentences of both languages")
    print(f"{'message → stored':18} {'as embedded':>12} {'offsets off':>12}")
    before: dict[tuple[str, str], list[float]] = {}
    after: dict[tuple[str, str], list[float]] = {}
    for fit_rows, test_rows in (halves, halves[::-1]):
        offsets = LanguageOffsets.fit(
            model_id,
            {lang: v[fit_rows] for lang, v in queries.items()},
            {lang: v[fit_rows] for lang, v in passages.items()},
        )
        for pair, share in translation_found(queries, passages, test_rows, None, texts).items():
            before.setdefault(pair, []).append(share)
        for pair, share in translation_found(queries, passages, test_rows, offsets, texts).items():
            after.setdefault(pair, []).append(share)
    for pair in before:
        label = f"{pair[0]} → {pair[1]}"
        print(f"{label:18} {np.mean(before[pair]):12.3f} {np.mean(after[pair]):12.3f}")
    mean_before = np.mean([np.mean(v) for v in before.values()])
    mean_after = np.mean([np.mean(v) for v in after.values()])
    print(f"{'all pairs':18} {mean_before:12.3f} {mean_after:12.3f}")
    if args.write:
        fitted = LanguageOffsets.fit(model_id, queries, passages)
        fitted.save()
        print(f"\nwrote {FITTED_OFFSETS.relative_to(data.REPO)} ({model_id}, offsets {fitted.id})")


if __name__ == "__main__":
    main()
