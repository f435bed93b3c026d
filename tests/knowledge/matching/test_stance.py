"""A message that denies a debunked claim is told it agrees with the fact-check, never "false"."""

from __future__ import annotations

import pytest

from knowledge.matching.matcher import ClaimText, DebunkEntry, Matcher
from knowledge.matching.stance import stance, without_denial

NATO = "В Алматы открылся миротворческий центр НАТО"


@pytest.mark.parametrize(
    "message",
    [
        "В Алматы НЕ открывали центр НАТО",
        "Фейк: никакого центра НАТО в Алматы нет",
        "«В Алматы открылся центр НАТО» — неправда. Это учебный центр Минобороны",
        "Алматыда НАТО орталығы ашылған жоқ, бұл жалған ақпарат",
        "Алматыда НАТО орталығы ашылмады",
        "NATO did not open a peacekeeping centre in Almaty",
        "Fake news: there is no NATO centre in Almaty",
    ],
)
def test_denials_refute_the_claim(message: str) -> None:
    assert stance(message, NATO) == "refutes"


@pytest.mark.parametrize(
    "message",
    [
        "В Алматы открыли центр НАТО!!! Совпадение? Не думаю",
        "Алматыда НАТО орталығы ашылды",
        "NATO opened a peacekeeping centre in Almaty",
        "Это не фейк: в Алматы открылся центр НАТО",
    ],
)
def test_repetitions_repeat_the_claim(message: str) -> None:
    assert stance(message, NATO) == "repeats"


def test_a_negation_the_claim_carries_is_no_denial() -> None:
    claim = "Казахстан не является суверенным государством"
    assert stance("Казахстан не суверенное государство", claim) == "repeats"
    assert stance("Казахстан никакое не суверенное государство, это фейк", claim) == "refutes"


def test_a_long_post_is_read_at_the_sentence_that_carries_the_claim() -> None:
    post = (
        "Никто не знает, когда кончится зима. Я не люблю холод. "
        "А тем временем в Алматы открылся миротворческий центр НАТО, пишут каналы."
    )
    assert stance(post, NATO) == "repeats"


def test_the_matcher_reports_the_stance_of_each_match() -> None:
    matcher = Matcher()
    matcher.load(
        [DebunkEntry("nato", "false", {"ru": NATO}, (ClaimText("ru", "В Алматы центр НАТО"),))]
    )
    repeated = matcher.match_message("В Алматы открылся миротворческий центр НАТО")
    denied = matcher.match_message("В Алматы не открывался миротворческий центр НАТО")
    assert repeated.matches[0].stance == "repeats"
    assert denied.matches[0].slug == "nato"
    assert denied.matches[0].stance == "refutes"


def test_a_candidate_not_taken_for_its_claim_has_no_stance_read() -> None:
    """A message that does not carry a claim neither repeats nor refutes it."""
    matcher = Matcher()
    matcher.load(
        [DebunkEntry("nato", "false", {"ru": NATO}, (ClaimText("ru", "В Алматы центр НАТО"),))]
    )
    unrelated = matcher.match_message("В Алматы открылся новый торговый центр, говорят, большой")
    assert unrelated.matches and unrelated.matches[0].decision == "none"
    assert unrelated.matches[0].stance == "unclear"


def test_a_denial_is_found_as_surely_as_the_claim_it_denies() -> None:
    """The denial's own words ("фейк", "никакого", "не ведитесь") are left out of the matching:
    the reader is shown the card and told their message agrees with it, not asked "did you
    mean…?"."""
    matcher = Matcher()
    matcher.load(
        [
            DebunkEntry(
                "nato",
                "false",
                {"ru": "В Алматы открыли миротворческий центр НАТО"},
                (ClaimText("kk", "Алматыда НАТО орталығы ашылды"),),
            ),
            DebunkEntry(
                "biolabs",
                "false",
                {"ru": "Биолаборатории Пентагона переносят с Украины в Казахстан"},
                (ClaimText("en", "Pentagon biolabs are being moved from Ukraine to Kazakhstan"),),
            ),
        ]
    )
    claim = matcher.match_message("В Алматы открыли миротворческий центр НАТО")
    denial = matcher.match_message(
        "Фейк: никакого миротворческого центра НАТО в Алматы нет, не ведитесь"
    )
    assert claim.verdict == denial.verdict == "match"
    assert denial.matches[0].slug == "nato"
    assert denial.matches[0].stance == "refutes"
    assert "не ведитесь" in denial.matches[0].passage  # shown as written


@pytest.mark.parametrize(
    ("message", "claim_part"),
    [
        ("В Алматы НЕ открывали центр НАТО", "В Алматы открывали центр НАТО"),
        ("Алматыда НАТО орталығы ашылған жоқ, бұл жалған", "Алматыда НАТО орталығы ашылған, бұл"),
        ("Kazakhstan doesn't supply shells to Ukraine", "Kazakhstan does supply shells to Ukraine"),
        ("Погода в Астане тёплая", "Погода в Астане тёплая"),  # nothing to leave out
        ("Фейк!", "Фейк!"),  # nothing would be left
    ],
)
def test_a_message_is_matched_by_the_claim_it_speaks_of(message: str, claim_part: str) -> None:
    assert without_denial(message) == claim_part
