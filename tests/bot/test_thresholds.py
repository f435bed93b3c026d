"""The reply thresholds: set in the environment, or the ones fitted for the matching mode (lexical
only, one calibration ranks and decides, cut where the ranking cuts it)."""

from __future__ import annotations

import pytest

from bot.bootstrap import configured_thresholds
from knowledge.matching.decision import RANKING_THRESHOLDS, Thresholds
from knowledge.settings import Settings


def test_unset_thresholds_are_the_ones_fitted_for_the_mode() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert configured_thresholds(settings, semantic=True) == Thresholds()
    assert configured_thresholds(settings, semantic=False) == RANKING_THRESHOLDS
    assert Thresholds() != RANKING_THRESHOLDS  # two scales: a semantic cut-off would lose typos


def test_a_threshold_set_in_the_environment_is_kept_in_either_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEKSER_MATCH_THRESHOLD", "0.99")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    for semantic in (True, False):
        chosen = configured_thresholds(settings, semantic=semantic)
        assert chosen.match == 0.99
    assert configured_thresholds(settings, semantic=False).possible == RANKING_THRESHOLDS.possible
