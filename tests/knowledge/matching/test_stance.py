"""A message that denies a debunked claim is told it agrees with the fact-check, never "false"."""

from __future__ import annotations

import pytest

from knowledge.matching.matcher import ClaimText, DebunkEntry, Matcher
from knowledge.matching.stance import claim_readings, stance, without_denial

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


@pytest.mark.parametrize(
    ("message", "claim"),
    [
        (
            "«Беспорядки в Казахстане устроил Госдеп» — это ложь, протесты начались из-за цен"
            " на газ",
            "Беспорядки в Казахстане устроил Госдеп",
        ),
        (
            "Вашингтон Қазақстанда хаос тудырды деген сөз жалған",
            "Вашингтон Қазақстанда хаос тудырды",
        ),
        ("Неправда, что русских в Казахстане избивают", "русских в Казахстане избивают"),
        ("There is zero evidence that the CIA was behind Qantar", "the CIA was behind Qantar"),
        (
            "Claim: the West staged a Maidan in Kazakhstan. Reality: the protests began over gas",
            "the West staged a Maidan in Kazakhstan",
        ),
        (
            "Biolabs moved to Kazakhstan from Ukraine - a hoax, nothing more",
            "Biolabs moved to Kazakhstan from Ukraine",
        ),
    ],
)
def test_the_claim_a_denial_frames_is_read_apart(message: str, claim: str) -> None:
    assert claim in claim_readings(message)


@pytest.mark.parametrize(
    "message",
    [
        "Протесты в Казахстане начались из-за цен на газ",  # denies nothing
        "«Пояс и путь» — не фейк, а китайский проект",  # a quoted name is no claim
    ],
)
def test_no_claim_is_read_where_none_is_framed(message: str) -> None:
    assert all(reading.split()[0] != "Пояс" for reading in claim_readings(message))
    if "не" not in message.split():
        assert claim_readings(message) == ()


def test_a_quoted_claim_followed_by_a_correction_is_answered_as_its_denial() -> None:
    """The correction's own words ("протесты", "цены на газ", "США") dilute the quoted claim;
    the quote alone is the claim the reader speaks of, so the card is shown outright."""
    matcher = Matcher()
    matcher.load(
        [
            DebunkEntry(
                "us-staged",
                "false",
                {"ru": "Январские беспорядки в Казахстане устроил Госдеп США"},
                (),
            ),
            DebunkEntry(
                "gas-imf",
                "false",
                {"ru": "Цены на газ в Казахстане подняли по требованию МВФ, отсюда и протесты"},
                (),
            ),
        ]
    )
    result = matcher.match_message(
        "«Беспорядки в Казахстане устроил Госдеп» — это ложь, протесты начались из-за цен на газ"
        " и никакого отношения к США не имеют"
    )
    assert result.verdict == "match"
    assert result.matches[0].slug == "us-staged"
    assert result.matches[0].stance == "refutes"


def test_a_labelled_claim_is_refuted_by_its_label() -> None:
    """The fact-checkers' format "Claim: … Reality: …" presents a claim in order to refute it."""
    message = (
        "Claim: Pentagon biolabs are being moved to Kazakhstan. Reality: the labs belong to the"
        " health ministry and nothing was moved"
    )
    assert stance(message, "Pentagon biolabs are being moved from Ukraine to Kazakhstan") == (
        "refutes"
    )
    assert stance("Утверждение: НАТО уже в Казахстане", "НАТО уже в Казахстане") == "refutes"


@pytest.mark.parametrize(
    "claim",
    [
        "Никто так не заинтересован в дестабилизации Казахстана, как США",
        "No country is more interested in destabilising Kazakhstan than the United States",
    ],
)
def test_a_comparative_claim_carries_no_negation(claim: str) -> None:
    """ "Никто так не …, как США" asserts; a denial of it is still a denial, and repeating it is
    not "unclear"."""
    assert stance("АҚШ Қазақстанда толқу ұйымдастырған жоқ", claim) == "refutes"
    assert stance(claim, claim) == "repeats"


def test_that_as_a_pronoun_frames_no_claim() -> None:
    """Only a "that" / "что" right after a denial or a report opens the claim it denies."""
    readings = claim_readings("No clue who is inside that cheap looking halloween costume")
    assert "cheap looking halloween costume" not in readings
    reported = claim_readings("Слухи, что русских избивают, не подтвердились")
    assert any(reading.startswith("русских избивают") for reading in reported)


@pytest.mark.parametrize(
    "message",
    [
        "АҚШ Ресейді Қазақстан арқылы қақтығысқа тартпақ болды деген сөз негізсіз",
        "Утверждения, что США втягивают Россию в конфликт через Казахстан, беспочвенны",
        "Claims that the US drags Russia into a conflict through Kazakhstan are unfounded",
    ],
)
def test_calling_a_claim_groundless_refutes_it(message: str) -> None:
    claim = "The US is dragging Russia into a new conflict through Kazakhstan"
    assert stance(message, claim) == "refutes"
