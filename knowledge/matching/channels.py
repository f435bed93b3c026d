"""Evidence channels: each source of evidence about which debunks answer a passage.

A channel is asked about one passage (:class:`PassageQuery`) and answers with a
:class:`ChannelRetrieval`: the debunks it nominates, and, for any set of candidate debunks, its
:class:`Evidence` (a score per debunk for the ranking, the debunk's best row in this channel,
and the features it contributes to the calibrated decision).  The matcher takes the union of the
nominations, asks every channel to weigh the candidates and fuses what they say.  Text has three
channels (BM25 over stemmed words, BM25 over character trigrams, cosine of sentence vectors); a
new source of evidence (pictures, say) is one more channel beside them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import chain
from typing import Protocol

import numpy as np

from knowledge.matching.lexical import top_rows

__all__ = [
    "SECOND_WORDING_WEIGHT",
    "BaseSample",
    "ChannelRetrieval",
    "Evidence",
    "EvidenceChannel",
    "Groups",
    "LexicalChannel",
    "PassageQuery",
    "SemanticChannel",
    "runner_up",
]

SECOND_WORDING_WEIGHT = 0.05  # a debunk's second-best wording adds this share (a tie-break)
# In the semantic channel the second row only breaks ties: a larger share ranked debunks with
# many wordings above one-wording debunks that fit better.
SEMANTIC_SECOND_WEIGHT = 0.002
# A debunk ranks by its document (title + claims) or by its best single wording less this much,
# whichever is higher: a short wording's cosine runs high for the wrong debunks (CLEF), yet a
# document exists only in the claim's languages and scores below the best wording, so a document
# alone lost to one-title distractors (a debunk without a document ranks by its wording, less the
# same discount, so they compete evenly).
WORDING_DISCOUNT = 0.03


@dataclass(frozen=True)
class PassageQuery:
    """One passage of a message as the channels see it."""

    passage: str
    terms: list[str]  # stemmed content words
    word_scores: np.ndarray  # BM25 of every row over stemmed words
    gram_scores: np.ndarray  # ... over character trigrams
    bridge_scores: np.ndarray | None  # ... over the glossary's equivalents of its words
    vector: np.ndarray | None  # its sentence vectors, a row per reading (None: not embedded)


@dataclass(frozen=True)
class Evidence:
    """What one channel says about each candidate debunk (arrays in the candidates' order)."""

    support: np.ndarray  # the debunk's score in this channel: what the ranking reads
    best_at: np.ndarray  # position, in Groups.rows, of the debunk's best wording here
    best: np.ndarray  # that wording's score
    features: Mapping[str, np.ndarray] = field(default_factory=dict)  # for the calibration


class ChannelRetrieval(Protocol):
    """A channel's answer for one passage."""

    @property
    def slots(self) -> np.ndarray:
        """The debunks it nominates (their slot ids)."""
        ...

    def weigh(self, groups: Groups) -> Evidence:
        """Its evidence about the candidate debunks laid out in ``groups``."""
        ...


class EvidenceChannel(Protocol):
    """A source of evidence: nominates debunks for a passage and weighs candidates."""

    @property
    def name(self) -> str:
        """Names the channel in the evidence (words, grams, semantic, ...)."""
        ...

    def retrieve(self, query: PassageQuery, k: int) -> ChannelRetrieval | None:
        """Its ``k`` best rows' debunks and how to weigh any candidates; None when it has
        nothing to say about this passage (no vector, an empty index)."""
        ...


class Groups:
    """The rows of several debunks laid end to end, with per-debunk reductions over them (one
    vectorised pass instead of a loop over debunks). Every debunk has a wording row."""

    def __init__(self, members: list[list[int]]) -> None:
        lengths = np.fromiter(map(len, members), dtype=np.int64, count=len(members))
        self.n = len(members)
        self.rows = np.fromiter(
            chain.from_iterable(members), dtype=np.int64, count=int(lengths.sum())
        )
        self.ids = np.repeat(np.arange(self.n), lengths)

    def any(self, mask: np.ndarray) -> np.ndarray:
        """Per debunk: whether any of its rows is in `mask`."""
        return np.bincount(self.ids[mask], minlength=self.n) > 0

    def _sorted(
        self, values: np.ndarray, mask: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The masked rows ordered by debunk, then value, highest first (ties: row order); with
        each debunk's count and where its part starts."""
        position = np.arange(len(values)) if mask is None else np.flatnonzero(mask)
        ids, vals = self.ids[position], values[position]
        order = np.lexsort((position, -vals, ids))
        counts = np.bincount(ids, minlength=self.n)
        return position[order], vals[order], counts, np.cumsum(counts) - counts

    def support(
        self,
        values: np.ndarray,
        mask: np.ndarray | None = None,
        *,
        second: float = SECOND_WORDING_WEIGHT,
    ) -> np.ndarray:
        """A debunk's score in one channel: its best row, plus a little of its second best
        (0 for a debunk with no row in `mask`).

        The second wording breaks ties between debunks that share a wording (CLEF has many
        fact-check articles with the same title) by how well their other wordings fit.
        """
        _, ordered, counts, starts = self._sorted(values, mask)
        if not len(ordered):
            return np.zeros(self.n)
        first = ordered[np.minimum(starts, len(ordered) - 1)]
        summed = first + second * ordered[np.minimum(starts + 1, len(ordered) - 1)]
        out = np.where(counts >= 2, summed, first).astype(np.float64)
        out[counts == 0] = 0.0
        return out

    def best(
        self, values: np.ndarray, mask: np.ndarray, *, top: int = 1
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per debunk: the position of its first best row in `mask`, and the mean of its `top`
        best values there (numpy's mean of the ascending tail, value for value)."""
        position, ordered, counts, starts = self._sorted(values, mask)
        if top == 1:
            return position[starts], ordered[starts]
        means = ordered[starts].copy()  # a debunk with one row: its value
        for k in range(2, top + 1):
            chosen = np.flatnonzero(np.minimum(counts, top) == k)
            if len(chosen):
                tail = ordered[starts[chosen][:, None] + np.arange(k - 1, -1, -1)[None, :]]
                means[chosen] = tail.mean(axis=1)
        return position[starts], means


def runner_up(values: np.ndarray, ignored: np.ndarray | None = None) -> np.ndarray:
    """For each element, the largest of the other elements (0 when there is none); with
    ``ignored`` (a square boolean matrix), of those it does not ignore (row i: what i ignores)."""
    if len(values) < 2:
        return np.zeros_like(values)
    if ignored is not None:
        others = np.where(ignored | np.eye(len(values), dtype=bool), -np.inf, values[None, :])
        best = others.max(axis=1)
        return np.where(np.isfinite(best), best, 0.0).astype(values.dtype, copy=False)
    order = np.argsort(-values, kind="stable")
    out = np.full_like(values, values[order[0]])
    out[order[0]] = values[order[1]]
    return out


@dataclass(frozen=True)
class TextRows:
    """What the text channels read of the index: each row's debunk slot and whether the row is
    a document (title + claims joined: it ranks the debunk, never gives its features)."""

    slot: np.ndarray
    document: np.ndarray


@dataclass(frozen=True)
class _ScoredRows:
    rows: TextRows
    scores: np.ndarray  # one score per row id
    slots: np.ndarray

    def weigh(self, groups: Groups) -> Evidence:
        values = self.scores[groups.rows]
        wording = ~self.rows.document[groups.rows]
        best_at, best = groups.best(values, wording)
        return Evidence(support=groups.support(values), best_at=best_at, best=best)


@dataclass(frozen=True)
class LexicalChannel:
    """BM25 over one analysis of the text (stemmed words, character trigrams, or the glossary's
    equivalents of the words)."""

    name: str
    rows: TextRows
    scores_of: Callable[[PassageQuery], np.ndarray | None]

    def retrieve(self, query: PassageQuery, k: int) -> ChannelRetrieval | None:
        scores = self.scores_of(query)
        if scores is None:
            return None
        return _ScoredRows(self.rows, scores, self.rows.slot[top_rows(scores, k)])


Nearest = Callable[[np.ndarray, int], tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]]


@dataclass(frozen=True)
class BaseSample:
    """The rows a passage's cosines are compared with to tell how far a debunk stands out: every
    live row of a base scanned whole, an even sample of a large one."""

    rows: np.ndarray  # row ids
    member: np.ndarray  # by row id: whether the row is among them


@dataclass(frozen=True)
class _Cosines:
    rows: TextRows
    cosines: Callable[[np.ndarray], np.ndarray]
    slots: np.ndarray
    base: BaseSample

    def weigh(self, groups: Groups) -> Evidence:
        s = self.cosines(groups.rows)
        wording = ~self.rows.document[groups.rows]
        sem_at, sem_top3 = groups.best(s, wording, top=3)
        sem_best = s[sem_at].astype(np.float64)
        documents = groups.support(s, ~wording, second=SEMANTIC_SECOND_WEIGHT)
        wordings = groups.support(s, wording, second=SEMANTIC_SECOND_WEIGHT) - WORDING_DISCOUNT
        support = np.where(groups.any(~wording), np.maximum(documents, wordings), wordings)
        features = {
            "semantic": sem_best,
            "sem_margin": sem_best - runner_up(sem_best),
            "sem_mean": sem_top3.astype(np.float64),
            "sem_z": self._standing(groups, s, sem_best),
        }
        return Evidence(support=support, best_at=sem_at, best=sem_best, features=features)

    def _standing(self, groups: Groups, s: np.ndarray, best: np.ndarray) -> np.ndarray:
        """Per debunk: its best cosine as a z-score among the passage's cosines to the base
        without the debunk's own rows (CSLS-like local scaling: a message close to everything
        proves little; and how many wordings the debunk has does not move it)."""
        base = np.asarray(self.cosines(self.base.rows), dtype=np.float64)
        own = self.base.member[groups.rows]
        values = np.asarray(s, dtype=np.float64)[own]
        own_n = np.bincount(groups.ids[own], minlength=groups.n)
        own_sum = np.bincount(groups.ids[own], weights=values, minlength=groups.n)
        own_sq = np.bincount(groups.ids[own], weights=values * values, minlength=groups.n)
        n = np.maximum(len(base) - own_n, 1)
        mean = (float(base.sum()) - own_sum) / n
        var = (float((base * base).sum()) - own_sq) / n - mean * mean
        return (best - mean) / (np.sqrt(np.maximum(var, 0.0)) + 1e-3)


@dataclass(frozen=True)
class SemanticChannel:
    """Cosine of the passage's sentence vectors to every row's, the best of its readings
    (``nearest`` finds the closest)."""

    rows: TextRows
    nearest: Nearest
    base: BaseSample
    name: str = "semantic"

    def retrieve(self, query: PassageQuery, k: int) -> ChannelRetrieval | None:
        if query.vector is None:
            return None
        top, cosines = self.nearest(query.vector, k)
        return _Cosines(self.rows, cosines, self.rows.slot[top], self.base)
