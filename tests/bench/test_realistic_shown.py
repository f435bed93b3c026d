"""bench/realistic.py counts a right debunk the reader is shown, ranked first or not: the card of
a match, or one of the "did you mean" buttons, as the bot shows them."""

from __future__ import annotations

import sys
from types import ModuleType

from knowledge.matching.matcher import DebunkEntry, Matcher
from tests.bench.test_fit_thresholds import _load


def _realistic() -> tuple[ModuleType, ModuleType]:
    data = sys.modules.get("bench_datasets") or _load("datasets", "bench_datasets")
    fitting = sys.modules.get("bench_fit_thresholds")
    held = {name: sys.modules.get(name) for name in ("datasets", "fit_thresholds")}
    sys.modules["datasets"] = data
    try:
        if fitting is None:
            fitting = _load("fit_thresholds", "bench_fit_thresholds")
        sys.modules["fit_thresholds"] = fitting
        return data, _load("realistic", "bench_realistic")
    finally:
        for name, module in held.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def test_a_right_debunk_offered_second_counts_as_shown_not_as_first() -> None:
    data, realistic = _realistic()
    matcher = Matcher()
    matcher.load(
        [
            DebunkEntry("us-staged", "false", {"en": "The US staged the January unrest"}, ()),
            DebunkEntry("kyiv", "false", {"en": "The January unrest was staged from Kyiv"}, ()),
            DebunkEntry("biolabs", "false", {"en": "Pentagon moves biolabs to Kazakhstan"}, ()),
        ]
    )
    item = data.RealisticItem("Who staged the January unrest?", "kyiv", "en", "same-language", None)
    (outcome,) = realistic.run(matcher, {"messages": [item]}, "test")
    assert (
        outcome.verdict == "possible" and "kyiv" in outcome.shown and "biolabs" not in outcome.shown
    )
    assert outcome.right_shown
    missed = data.RealisticItem(
        "Who staged the January unrest?", "biolabs", "en", "same-language", None
    )
    (outcome,) = realistic.run(matcher, {"messages": [missed]}, "test")
    assert not outcome.right_shown
