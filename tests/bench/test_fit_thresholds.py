"""The decision's fit (bench/fit_thresholds.py) learns from the answer the decision is asked
about, the candidate ranked first; the ranking's from the first five."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str, alias: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(alias, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def _fitting() -> ModuleType:
    # fit_thresholds imports its sibling as "datasets", a name another package may hold
    data = sys.modules.get("bench_datasets") or _load("datasets", "bench_datasets")
    held = sys.modules.get("datasets")
    sys.modules["datasets"] = data
    try:
        return _load("fit_thresholds", "bench_fit_thresholds")
    finally:
        if held is None:
            del sys.modules["datasets"]
        else:
            sys.modules["datasets"] = held


NAMES = ["semantic", "word_cov"]


def _queries(fitting: ModuleType) -> list:
    def features(cosine: float, cov: float) -> dict[str, float]:
        return {"semantic": cosine, "word_cov": cov, "confidence": 0.5}

    # a Kazakh message whose right debunk is ranked second, under a distractor: the decision is
    # asked about the distractor, and learns that such a candidate is wrong
    ranked_under = fitting.Query(
        "realistic",
        "kazakh",
        {"right"},
        [("distractor", features(0.91, 0.2)), ("right", features(0.90, 0.1))],
        group=0,
    )
    ranked_first = fitting.Query(
        "realistic",
        "cross-lingual",
        {"right"},
        [("right", features(0.89, 0.0)), ("other", features(0.86, 0.3))],
        group=1,
    )
    return [ranked_under, ranked_first]


def test_the_decision_is_fitted_on_the_candidate_ranked_first() -> None:
    fitting = _fitting()
    x, y, _ = fitting.design(_queries(fitting), NAMES)
    assert x.tolist() == [[0.91, 0.2], [0.89, 0.0]]
    assert y.tolist() == [0.0, 1.0]


def test_the_ranking_is_fitted_on_the_first_five() -> None:
    fitting = _fitting()
    _, y, _ = fitting.design(_queries(fitting), NAMES, fitting.RANKING_CANDIDATES)
    assert y.tolist() == [0.0, 1.0, 1.0, 0.0]


def test_a_true_statement_refuting_the_claim_does_not_count_as_a_wrong_answer() -> None:
    """A message denying the claim it is matched with is shown that debunk as agreeing with it
    (never "false"): the precision `match` is chosen for does not count it against the answers."""
    fitting = _fitting()
    calibration = fitting.Calibration(intercept=0.0, weights={"semantic": 1.0})

    def query(kind: str, relevant: set[str], cosine: float, refutes: float) -> object:
        features = {"semantic": cosine, "confidence": 0.5, "refutes": refutes}
        return fitting.Query("realistic", kind, relevant, [("nato", features)], group=0)

    # confidences are the logistic of the cosine: 0.9 -> 0.711, 0.95 -> 0.721
    right = [query("cross-lingual", {"nato"}, 0.9, 0.0) for _ in range(20)]
    denial = query("true-statement", set(), 0.95, 1.0)
    told_false = query("true-statement", set(), 0.95, 0.0)
    others = [query("chit-chat", set(), -3.0, 0.0) for _ in range(200)]
    refuted = fitting.choose_thresholds([*right, denial, *others], calibration)
    wrong = fitting.choose_thresholds([*right, told_false, *others], calibration)
    assert refuted.match <= 0.71 < wrong.match
