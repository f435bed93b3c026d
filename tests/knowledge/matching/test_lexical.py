"""knowledge/matching/lexical.py SparseIndex and the matcher's per-debunk reductions: the
vectorised, cached forms give what the plain definitions give, also after rows come and go."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.matching.channels import SECOND_WORDING_WEIGHT as W
from knowledge.matching.channels import Groups
from knowledge.matching.lexical import SparseIndex

WORDS = ["nato", "base", "almaty", "shells", "bulgaria", "ukraine", "unrest", "january", "usa"]


def plain_bm25(
    rows: dict[int, list[str]], query: list[str], k1: float, b: float
) -> dict[int, float]:
    """BM25 by its definition over the rows alive."""
    n = len(rows)
    avgdl = sum(len(terms) for terms in rows.values()) / n
    df = Counter(term for terms in rows.values() for term in set(terms))
    out = {}
    for row, terms in rows.items():
        tf = Counter(terms)
        score = 0.0
        for term in set(query):
            if tf[term]:
                idf = math.log1p((n - df[term] + 0.5) / (df[term] + 0.5))
                score += (
                    idf * tf[term] * (k1 + 1) / (tf[term] + k1 * (1 - b + b * len(terms) / avgdl))
                )
        out[row] = score
    return out


row_terms = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(
    first=st.lists(row_terms, min_size=1, max_size=12),
    later=st.lists(row_terms, max_size=6),
    removed=st.lists(st.integers(min_value=0, max_value=20), max_size=4),
    queries=st.lists(
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=4), min_size=1, max_size=3
    ),
)
def test_scores_follow_bm25_while_rows_come_and_go(
    first: list[list[str]], later: list[list[str]], removed: list[int], queries: list[list[str]]
) -> None:
    index = SparseIndex()
    alive = dict(enumerate(first))
    index.add_many(first)

    def check() -> None:
        for query in queries:
            got = index.scores(index.query_ids(query))
            want = plain_bm25(alive, query, index.k1, index.b) if alive else {}
            for row in range(index.n_rows):
                assert got[row] == pytest.approx(want.get(row, 0.0), rel=1e-5, abs=1e-9)

    check()  # and again: what the first queries kept must still hold
    check()
    for terms in later:  # new rows change every IDF and the average length
        alive[index.add(terms)] = terms
        check()
    for row in removed:
        if row in alive and len(alive) > 1:
            index.remove(row)
            del alive[row]
            check()
    index.add_many([["nato", "base"]] * 3)  # a rebuild of the column matrix
    alive.update({index.n_rows - 3 + i: ["nato", "base"] for i in range(3)})
    check()


def test_coverages_of_several_rows_are_each_row_alone() -> None:
    index = SparseIndex()
    index.add_many([["nato", "base", "almaty"], ["shells", "bulgaria"], ["unrest"]])
    query = ["nato", "base", "almatyy", "bulgaria", "paris"]
    together = index.coverages(query, [0, 1, 2])
    alone = [index.coverages(query, [row])[0] for row in (0, 1, 2)]
    assert [pair for row in together for pair in row] == pytest.approx(
        [pair for row in alone for pair in row], abs=1e-12
    )
    assert 0.9 < together[0][0] < 1.0  # "almatyy": a typo of "almaty", credited by similarity
    assert together[2] == (0.0, 0.0)
    assert index.coverages([], [0]) == [(0.0, 0.0)]


@pytest.mark.parametrize(
    ("members", "values", "mask", "support", "best_at", "top3_mean"),
    [
        # one debunk, one row: its value alone
        ([[0]], [0.5], [True], [0.5], [0], [0.5]),
        # best plus a little of the second best; the first best row wins a tie
        ([[0, 1, 2]], [0.2, 0.8, 0.8], [True, True, True], [0.8 + W * 0.8], [1], [0.6]),
        # rows outside the mask do not count; a debunk without any counts 0 for support
        ([[0, 1], [2]], [0.9, 0.3, 0.4], [False, True, True], [0.3, 0.4], [1, 2], [0.3, 0.4]),
        ([[0], [1, 2]], [0.9, 0.3, 0.4], [False, True, True], [0.0, 0.4 + W * 0.3], None, None),
        # top three of four
        ([[0, 1, 2, 3]], [0.1, 0.4, 0.7, 1.0], [True] * 4, [1.0 + W * 0.7], [3], [0.7]),
    ],
)  # fmt: skip
def test_per_debunk_reductions(
    members: list[list[int]],
    values: list[float],
    mask: list[bool],
    support: list[float],
    best_at: list[int] | None,
    top3_mean: list[float] | None,
) -> None:
    groups = Groups(members)
    array, chosen = np.array(values), np.array(mask)
    assert groups.support(array, chosen).tolist() == pytest.approx(support)
    if best_at is not None and top3_mean is not None:
        at, _ = groups.best(array, chosen)
        assert at.tolist() == best_at
        assert groups.best(array, chosen, top=3)[1].tolist() == pytest.approx(top3_mean)


def test_key_coverage_counts_the_rows_key_terms_found_in_any_language() -> None:
    index = SparseIndex()
    index.add_many([["nato", "centre", "almaty"], ["shopping", "mall"], ["нато", "центр"]])
    keys = {"nato", "нато", "centre", "центр", "almaty"}
    same = {"nato": ["нато"], "нато": ["nato"], "centre": ["центр"], "центр": ["centre"]}
    query = ["new", "shopping", "centre", "almaty"]  # no NATO
    (covered,) = index.key_coverages(
        query, [0, 1, 2], (keys.__contains__,), lambda t: same.get(t, [])
    )
    assert 0.0 < covered[0] < 1.0
    assert covered[1] == 1.0  # no key term to miss
    assert covered[2] < covered[0]
    nato = ["нато", "centre", "almaty"]
    (both,) = index.key_coverages(nato, [0, 2], (keys.__contains__,), lambda t: same.get(t, []))
    assert both == [pytest.approx(1.0), pytest.approx(1.0)]  # found through its equivalent
    assert index.key_coverages([], [0, 1], (keys.__contains__,)) == [[0.0, 1.0]]
    # two kinds in one pass: each as it is alone
    names = {"nato", "нато"}.__contains__
    together = index.key_coverages(query, [0, 1, 2], (names, keys.__contains__))
    assert together == [
        index.key_coverages(query, [0, 1, 2], (names,))[0],
        index.key_coverages(query, [0, 1, 2], (keys.__contains__,))[0],
    ]
