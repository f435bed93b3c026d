"""From a candidate's features to a decision: ``match``, ``possible`` or ``none``.

A logistic calibration turns the features of a candidate (fused score, margin to the runner-up,
lexical coverage, fuzzy similarity, semantic similarity and its margin, query length) into a
confidence in 0..1, and :class:`Thresholds` cut that confidence.  Both the calibration weights and
the thresholds are fitted by ``bench/fit_thresholds.py`` on CLEF-2020 train and the project's
multilingual evaluation set; the values below are its output.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "FEATURES",
    "LEXICAL_CALIBRATION",
    "SEMANTIC_CALIBRATION",
    "Calibration",
    "Thresholds",
    "decide",
]

# Names of the features a calibration may weigh (Match.evidence carries them all).
FEATURES = (
    "fused",  # fused retrieval score, normalised per query (best candidate = 1)
    "margin",  # fused score minus the best other debunk's
    "word_cov",  # idf-weighted share of the matched wording's words present in the message
    "query_cov",  # idf-weighted share of the message's words present in the matched wording
    "fuzzy",  # character-level similarity of message and wording (rapidfuzz, 0..1)
    "semantic",  # cosine similarity of the embeddings (0 without the semantic extra)
    "sem_margin",  # cosine minus the best other debunk's cosine
    "sem_mean",  # mean cosine of the debunk's three closest wordings
    "sem_z",  # how far the cosine stands above the message's 30 nearest wordings (z-score)
    "qlen",  # log(1 + number of content words in the message)
)


@dataclass(frozen=True)
class Calibration:
    """Logistic model: confidence = sigmoid(intercept + Σ weight·feature)."""

    intercept: float
    weights: Mapping[str, float] = field(default_factory=dict)

    def confidence(self, features: Mapping[str, float]) -> float:
        z = self.intercept + sum(w * features.get(name, 0.0) for name, w in self.weights.items())
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))


# BEGIN FITTED (bench/fit_thresholds.py --write)
LEXICAL_CALIBRATION = Calibration(
    intercept=-6.0,
    weights={
        "fused": 1.0,
        "margin": 3.0,
        "word_cov": 4.0,
        "query_cov": 2.0,
        "fuzzy": 2.0,
        "qlen": 0.3,
    },
)
SEMANTIC_CALIBRATION = Calibration(
    intercept=-40.0,
    weights={
        "fused": 1.0,
        "margin": 2.0,
        "word_cov": 2.0,
        "query_cov": 1.0,
        "fuzzy": 1.0,
        "semantic": 40.0,
        "sem_margin": 20.0,
        "qlen": 0.2,
    },
)
FITTED_MATCH = 0.8
FITTED_POSSIBLE = 0.3
# END FITTED


@dataclass(frozen=True)
class Thresholds:
    """Confidence cut-offs of the reply decision (fitted; exposed as TEKSER_MATCH_* settings)."""

    match: float = FITTED_MATCH  # confidence from which a candidate is answered "match"
    possible: float = FITTED_POSSIBLE  # ... from which it is offered as "possible"


def decide(confidence: float, thresholds: Thresholds) -> str:
    if confidence >= thresholds.match:
        return "match"
    if confidence >= thresholds.possible:
        return "possible"
    return "none"
