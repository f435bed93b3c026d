"""The matcher as a reader meets it: plain tables of messages and the debunk (and decision) they
must get.  Pure: a small in-test debunk list, lexical-only or with a fake deterministic embedder."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import pytest

from knowledge.matching.embedding import InMemoryVectorCache
from knowledge.matching.glossary import Glossary
from knowledge.matching.matcher import ClaimText, DebunkEntry, Matcher, Thresholds


def entry(slug: str, titles: dict[str, str], *claims: tuple[str, str], urls: Sequence[str] = ()):
    return DebunkEntry(
        slug=slug,
        verdict="false",
        titles=titles,
        claims=tuple(ClaimText(lang, text) for lang, text in claims),
        appearances=tuple(urls),
    )


DEBUNKS = [
    entry(
        "nato-centre-almaty",
        {
            "ru": "В Алматы открыли миротворческий центр НАТО",
            "en": "NATO opened a peacekeeping centre in Almaty",
            "kk": "Алматыда НАТО-ның бітімгершілік орталығы ашылды",
        },
        (
            "ru",
            "В Алматы открылся учебный центр НАТО, казахстанских военных будут готовить"
            " по стандартам НАТО",
        ),
        ("kk", "Алматыда НАТО орталығы ашылды"),
        urls=["https://t.me/rusvesna_su/22222"],
    ),
    entry(
        "pentagon-biolabs",
        {
            "ru": "Биолаборатории Пентагона переносят с Украины в Казахстан",
            "en": "Pentagon biolabs are being moved from Ukraine to Kazakhstan",
        },
        ("ru", "В Казахстане работают секретные американские военные биолаборатории"),
        ("kk", "Пентагонның биозертханалары Украинадан Қазақстанға көшірілуде"),
    ),
    entry(
        "tokayev-gave-north",
        {"ru": "Токаев на встрече с Путиным согласился отдать России северные области Казахстана"},
        ("en", "Tokayev agreed to hand northern Kazakhstan over to Russia at a meeting with Putin"),
    ),
    entry(
        "vaccine-microchips",
        {"en": "COVID-19 vaccines contain microchips for tracking people"},
        ("ru", "В вакцине от коронавируса есть микрочипы для слежки"),
    ),
    entry(
        "russians-persecuted",
        {"ru": "Русских в Казахстане массово преследуют и избивают"},
        ("en", "Russians in Kazakhstan face systematic persecution and attacks"),
    ),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    m = Matcher()
    m.load(DEBUNKS)
    return m


# ---------------------------------------------------------------- ranking: who answers a message

FINDS = [
    # (message, debunk that must rank first)
    ("В Алматы открыли центр НАТО", "nato-centre-almaty"),
    ("V Almaty otkryli centr NATO", "nato-centre-almaty"),  # Latin-script Russian
    ("В Aлмaты oткрыли цeнтp HATO", "nato-centre-almaty"),  # Latin look-alikes inside words
    ("В А\u200bлматы откры\u200dли центр НАТ0", "nato-centre-almaty"),  # zero-width, digit 0
    ("Алматыда НАТО орталығы ашылды", "nato-centre-almaty"),  # Kazakh
    ("Алматыда НАТО орталыгы ашылды ма?", "nato-centre-almaty"),  # Kazakh, Russian keyboard
    ("Is it true that NATO opened a centre in Almaty?", "nato-centre-almaty"),
    (
        "Forwarded from Военкор\n🔥🔥 СРОЧНО!!! В Алматы открылся центр НАТО 👉 https://t.co/xx\n"
        "Подписывайтесь на наш канал @voenkor",
        "nato-centre-almaty",
    ),
    ("амереканские биолабаратории в казахстане", "pentagon-biolabs"),  # typos
    ("Пентагон перевозит биолаборатории из Украины в Казахстан", "pentagon-biolabs"),
    ("Pentagon moves its biolabs to Kazakhstan", "pentagon-biolabs"),
    ("Токаев отдал северные области России!", "tokayev-gave-north"),
    ("В вакцине микрочипы!!! #чипирование", "vaccine-microchips"),
    ("vaccines contain microchips", "vaccine-microchips"),
    ("Русских в Казахстане преследуют", "russians-persecuted"),
]


@pytest.mark.parametrize(("message", "slug"), FINDS)
def test_message_finds_its_debunk(matcher: Matcher, message: str, slug: str) -> None:
    result = matcher.match_message(message)
    assert result.matches, message
    assert result.matches[0].slug == slug
    assert result.verdict in ("match", "possible")


CONFIDENT = [
    "В Алматы открыли миротворческий центр НАТО",
    "V Almaty otkryli centr NATO",
    "В Aлмaты oткрыли цeнтp HATO",
    "Правда ли, что Пентагон переносит биолаборатории с Украины в Казахстан?",
    "Токаев на встрече с Путиным согласился отдать северные области Казахстана",
]


@pytest.mark.parametrize("message", CONFIDENT)
def test_close_wording_is_a_match(matcher: Matcher, message: str) -> None:
    assert matcher.match_message(message).verdict == "match"


# ---------------------------------------------------------------- precision: never "fake" on these

NOT_MATCH = [
    # true statements about the same people and places
    "Токаев встретился с Путиным в Москве",
    "В Алматы открылся новый торговый центр",
    "Tokayev met Putin in Moscow to discuss trade",
    "NATO held a summit in Brussels",
    "В Казахстане открыли новую лабораторию по контролю качества воды",
    # other news
    "Курс доллара вырос до 470 тенге",
    "В Астане прошёл марафон",
]


@pytest.mark.parametrize("message", NOT_MATCH)
def test_true_or_unrelated_is_not_a_match(matcher: Matcher, message: str) -> None:
    assert matcher.match_message(message).verdict != "match"


@pytest.mark.parametrize(
    "message", ["привет", "Привет! Как дела?", "thanks", "спасибо 👍", "👍", "ok", "", "   "]
)
def test_chit_chat_is_none(matcher: Matcher, message: str) -> None:
    assert matcher.match_message(message).verdict == "none"


# ---------------------------------------------------------------- appearances


@pytest.mark.parametrize(
    "message",
    [
        "https://t.me/rusvesna_su/22222",
        "смотри t.me/s/rusvesna_su/22222/ 😱",
        "http://www.t.me/rusvesna_su/22222?single — what is this",
    ],
)
def test_appearance_url_matches_whatever_the_text(matcher: Matcher, message: str) -> None:
    result = matcher.match_message(message)
    assert result.verdict == "match"
    assert result.matches[0].slug == "nato-centre-almaty"
    assert result.matches[0].evidence.get("appearance") == 1.0


def test_other_url_of_the_channel_is_not_an_appearance(matcher: Matcher) -> None:
    assert matcher.match_message("https://t.me/rusvesna_su/22223").verdict == "none"


# ---------------------------------------------------------------- live updates


def test_upsert_and_remove_change_results_without_reload() -> None:
    m = Matcher()
    m.load(DEBUNKS)
    message = "Говорят, в Акмолинской области нашли золото инопланетян"
    assert m.match_message(message).verdict != "match"

    m.upsert(entry("alien-gold", {"ru": "В Акмолинской области нашли золото инопланетян"}))
    assert len(m) == len(DEBUNKS) + 1
    found = m.match_message(message)
    assert found.matches[0].slug == "alien-gold"
    assert found.verdict == "match"

    # an edit replaces the wordings: the old wording no longer matches, the new one does
    m.upsert(entry("alien-gold", {"ru": "Под Карагандой приземлилась летающая тарелка"}))
    assert len(m) == len(DEBUNKS) + 1
    assert all(
        x.decision == "none" for x in m.match_message(message).matches if x.slug == "alien-gold"
    )
    assert m.match_message("под Карагандой приземлилась тарелка").matches[0].slug == "alien-gold"

    m.remove("alien-gold")
    assert len(m) == len(DEBUNKS)
    assert all(
        x.slug != "alien-gold"
        for x in m.match_message("под Карагандой приземлилась тарелка").matches
    )
    m.remove("alien-gold")  # removing twice is harmless


def test_removing_a_debunk_drops_its_appearances() -> None:
    m = Matcher()
    m.load(DEBUNKS)
    m.remove("nato-centre-almaty")
    assert m.match_message("https://t.me/rusvesna_su/22222").verdict == "none"


def test_many_upserts_keep_results_consistent() -> None:
    """Live additions past the delta segment's size merge into the main index correctly."""
    m = Matcher()
    m.load(DEBUNKS)
    for i in range(700):
        m.upsert(entry(f"filler-{i}", {"en": f"Filler claim number {i} about topic{i}"}))
    assert len(m) == len(DEBUNKS) + 700
    assert m.match_message("filler claim about topic613").matches[0].slug == "filler-613"
    assert m.match_message("V Almaty otkryli centr NATO").matches[0].slug == "nato-centre-almaty"


# ---------------------------------------------------------------- long texts

LONG_POST = (
    "Друзья, рассказываем главное за неделю. Погода в Астане была прекрасной, в парках гуляли "
    "семьи с детьми, а в театрах шли премьеры. Цены на бензин не изменились, а курс тенге был "
    "стабилен всю неделю, что радует предпринимателей. "
    "Но есть и тревожные новости. В Алматы открылся учебный центр НАТО, и казахстанских военных "
    "теперь будут готовить по стандартам альянса. "
    "Кроме того, из Украины в Казахстан тайно перевозят биолаборатории Пентагона, об этом молчат "
    "все официальные СМИ. "
    "В выходные ожидается тёплая погода, синоптики обещают до плюс двадцати градусов. "
    "Не забудьте поздравить близких с праздником и провести время с семьёй на природе."
)


def test_long_text_reports_several_debunks_with_their_passages(matcher: Matcher) -> None:
    result = matcher.match_message(LONG_POST)
    found = {m.slug: m for m in result.matches if m.decision != "none"}
    assert {"nato-centre-almaty", "pentagon-biolabs"} <= set(found)
    assert "НАТО" in found["nato-centre-almaty"].passage
    assert "биолаборатории" in found["pentagon-biolabs"].passage
    assert found["nato-centre-almaty"].passage != LONG_POST
    assert len(result.matches) <= 3


def test_short_post_with_two_claims_answers_both(matcher: Matcher) -> None:
    post = (
        "Срочно! Токаев на встрече с Путиным согласился отдать северные области Казахстана. "
        "А ещё в вакцине от коронавируса есть микрочипы для слежки!"
    )
    result = matcher.match_message(post)
    found = {m.slug: m for m in result.matches if m.decision == "match"}
    assert {"tokayev-gave-north", "vaccine-microchips"} <= set(found)
    assert "микрочипы" in found["vaccine-microchips"].passage
    assert "микрочипы" not in found["tokayev-gave-north"].passage


def test_top_limits_the_candidates(matcher: Matcher) -> None:
    assert len(matcher.match_message("Казахстан НАТО биолаборатории", top=1).matches) == 1


# ---------------------------------------------------------------- evidence and thresholds


def test_match_carries_evidence(matcher: Matcher) -> None:
    best = matcher.match_message("V Almaty otkryli centr NATO").matches[0]
    assert 0.0 <= best.score <= 1.0
    assert set(best.evidence) >= {"fused", "margin", "word_cov", "query_cov", "fuzzy", "qlen"}
    assert best.matched in {*DEBUNKS[0].titles.values(), *(c.text for c in DEBUNKS[0].claims)}


@pytest.mark.parametrize(
    ("thresholds", "verdict"),
    [
        (Thresholds(), "match"),
        (Thresholds(match=1.01, possible=0.0), "possible"),
        (Thresholds(match=1.01, possible=1.01), "none"),
    ],
)
def test_thresholds_decide(thresholds: Thresholds, verdict: str) -> None:
    m = Matcher(thresholds=thresholds)
    m.load(DEBUNKS)
    assert m.match_message("В Алматы открыли миротворческий центр НАТО").verdict == verdict


def test_two_equally_confident_debunks_ask_instead_of_answering() -> None:
    """The message does not say which of two claims it makes (a debunk restating the same claim
    is no rival: tests/knowledge/matching/test_decision.py)."""
    m = Matcher()
    m.load(
        [
            *DEBUNKS,
            entry("nato-centre-astana", {"ru": "В Астане открыли миротворческий центр НАТО"}),
        ]
    )
    result = m.match_message("Открыли миротворческий центр НАТО")
    assert result.verdict == "possible"
    assert {x.slug for x in result.matches[:2]} == {"nato-centre-almaty", "nato-centre-astana"}


# ---------------------------------------------------------------- semantic channel (fake embedder)


class ConceptEmbedder:
    """Deterministic stand-in for a sentence encoder: a bag of word 'concepts', where words
    listed in CONCEPTS share a concept across languages (so a message with no word in common
    with a claim can still be close), every other word is its own concept."""

    CONCEPTS: ClassVar[dict[str, str]] = {
        "инопланет": "ALIEN",
        "alien": "ALIEN",
        "пришелец": "ALIEN",
        "пришельц": "ALIEN",
        "золот": "GOLD",
        "gold": "GOLD",
        "акмол": "AKMOLA",
        "akmol": "AKMOLA",
    }
    model_id = "fake-concepts/1"

    def __init__(self) -> None:
        self.passages_embedded = 0

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(64)
        for word in re.findall(r"\w{3,}", text.casefold()):
            key = next((c for p, c in self.CONCEPTS.items() if word.startswith(p)), word[:6])
            v += np.random.default_rng(zlib.crc32(key.encode())).standard_normal(64)
        v += 0.01
        return (v / np.linalg.norm(v)).astype(np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passages_embedded += len(texts)
        return np.stack([self._vector(t) for t in texts])


def test_semantic_channel_finds_a_paraphrase_without_shared_words() -> None:
    debunks = [
        *DEBUNKS,
        entry("alien-gold", {"ru": "В Акмолинской области нашли золото инопланетян"}),
    ]
    lexical = Matcher()
    lexical.load(debunks)
    semantic = Matcher(embedder=ConceptEmbedder())
    semantic.load(debunks)
    message = "Akmola: alien gold discovered"
    assert semantic.match_message(message).matches[0].slug == "alien-gold"
    assert semantic.match_message(message).matches[0].evidence["semantic"] > 0.5
    assert all(m.slug != "alien-gold" for m in lexical.match_message("пришельцы").matches)
    assert semantic.match_message("пришельцы").matches[0].slug == "alien-gold"


def test_vector_cache_spares_re_embedding_on_restart() -> None:
    cache = InMemoryVectorCache()
    first = ConceptEmbedder()
    Matcher(embedder=first, vectors=cache).load(DEBUNKS)
    assert first.passages_embedded > 0
    assert len(cache) == first.passages_embedded

    second = ConceptEmbedder()
    restarted = Matcher(embedder=second, vectors=cache)
    restarted.load(DEBUNKS)
    assert second.passages_embedded == 0
    assert restarted.match_message("V Almaty otkryli centr NATO").matches[0].slug == (
        "nato-centre-almaty"
    )

    # a new debunk embeds only its own wordings
    restarted.upsert(entry("alien-gold", {"ru": "В Акмолинской области нашли золото инопланетян"}))
    assert second.passages_embedded == 1


@pytest.mark.parametrize(("message", "slug"), FINDS[:8])
def test_fake_semantic_keeps_lexical_ranking(message: str, slug: str) -> None:
    m = Matcher(embedder=ConceptEmbedder())
    m.load(DEBUNKS)
    assert m.match_message(message).matches[0].slug == slug


class CountingConcepts(ConceptEmbedder):
    """ConceptEmbedder that records the texts embedded as queries.  (The matchers below have no
    glossary: with one, a passage is also embedded as rendered in the base's other languages.)"""

    def __init__(self) -> None:
        super().__init__()
        self.queries: list[str] = []

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.queries += texts
        return super().embed_queries(texts)


@pytest.mark.parametrize(
    ("message", "embedded"),
    [
        ("В Алматы открыли центр НАТО", 1),  # short: one passage, embedded
        (LONG_POST, 2),  # long: of its passages, only the SEMANTIC_PASSAGES strongest
    ],
)
def test_only_the_strongest_passages_are_embedded(message: str, embedded: int) -> None:
    embedder = CountingConcepts()
    m = Matcher(embedder=embedder, lexical_gate=None, glossary=Glossary([]))
    m.load(DEBUNKS)
    m.match_message(message)
    assert len(embedder.queries) == embedded


@pytest.mark.parametrize(
    ("message", "embedded", "verdict"),
    [
        # the claim word for word: the lexical channels are sure, no embedding needed
        ("В Алматы открыли центр НАТО", 0, "match"),
        # unsure lexically (few shared words): the semantic channel is asked
        ("Альянс строит свою базу в южной столице", 1, None),
        ("Погода в Астане на выходных будет тёплой", 1, "none"),
    ],
)
def test_a_passage_decided_lexically_is_not_embedded(
    message: str, embedded: int, verdict: str | None
) -> None:
    embedder = CountingConcepts()
    m = Matcher(embedder=embedder, glossary=Glossary([]))
    m.load(DEBUNKS)
    result = m.match_message(message)
    assert len(embedder.queries) == embedded
    if verdict is not None:
        assert result.verdict == verdict
    if embedded == 0:  # the lexical answer is the one the semantic channel gives too
        ungated = Matcher(embedder=ConceptEmbedder(), lexical_gate=None)
        ungated.load(DEBUNKS)
        assert result.matches[0].slug == ungated.match_message(message).matches[0].slug


def _graph_matcher(monkeypatch: pytest.MonkeyPatch, graph: bool) -> Matcher:
    import knowledge.matching.matcher as matcher_module

    pytest.importorskip("usearch", reason="the semantic extra (usearch) is not installed")
    monkeypatch.setattr(matcher_module, "GRAPH_MIN_ROWS", 1 if graph else 10**9)
    m = Matcher(embedder=ConceptEmbedder())
    m.load(DEBUNKS)
    assert (m._graph is not None) == graph
    return m


@pytest.mark.parametrize(("message", "slug"), FINDS[:8])
def test_graph_search_gives_what_the_scan_gives(
    monkeypatch: pytest.MonkeyPatch, message: str, slug: str
) -> None:
    scanned = _graph_matcher(monkeypatch, graph=False).match_message(message)
    searched = _graph_matcher(monkeypatch, graph=True).match_message(message)
    assert searched.matches[0].slug == slug
    assert [(x.slug, x.score) for x in searched.matches] == [
        (x.slug, x.score) for x in scanned.matches
    ]


@pytest.mark.parametrize("graph", [False, True])
def test_upsert_and_remove_reach_the_semantic_search(
    monkeypatch: pytest.MonkeyPatch, graph: bool
) -> None:
    m = _graph_matcher(monkeypatch, graph)
    assert all(x.slug != "alien-gold" for x in m.match_message("пришельцы").matches)
    m.upsert(entry("alien-gold", {"ru": "В Акмолинской области нашли золото инопланетян"}))
    assert m.match_message("пришельцы").matches[0].slug == "alien-gold"
    m.remove("alien-gold")
    assert all(x.slug != "alien-gold" for x in m.match_message("пришельцы").matches)


def test_a_title_and_claim_are_searched_together_but_shown_as_written() -> None:
    # the message fits the title and the claim joined best; the reply still quotes one of them
    m = Matcher()
    m.load(
        [
            entry(
                "eastwood",
                {"en": "Clint Eastwood's son"},
                ("en", "posing as my dad on social media"),
            ),
            entry("other-son", {"en": "A famous actor's son"}, ("en", "posing as my dad online")),
        ]
    )
    result = m.match_message("Clint Eastwood's son: stop posing as my dad on social media")
    assert result.matches[0].slug == "eastwood"
    shown = {m.matched for m in result.matches}
    assert shown <= {
        "Clint Eastwood's son",
        "posing as my dad on social media",
        "A famous actor's son",
        "posing as my dad online",
    }


def test_documents_leave_with_their_debunk() -> None:
    m = Matcher()
    m.load(DEBUNKS)
    m.remove("nato-centre-almaty")
    result = m.match_message(
        "В Алматы открыли миротворческий центр НАТО, военных готовят по стандартам"
    )
    assert all(x.slug != "nato-centre-almaty" for x in result.matches)
    m.upsert(DEBUNKS[0])
    result = m.match_message(
        "В Алматы открыли миротворческий центр НАТО, военных готовят по стандартам"
    )
    assert result.matches[0].slug == "nato-centre-almaty"


def test_a_change_to_the_base_while_a_message_is_embedded_is_respected() -> None:
    # the lexical retrieval done before embedding is not reused against a changed index
    m = Matcher(embedder=None)

    class Meanwhile(ConceptEmbedder):
        def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
            m.remove("pentagon-biolabs")  # a moderator retires it on another thread
            m.upsert(entry("new-one", {"en": "Aliens built a secret base near Baikonur"}))
            return super().embed_queries(texts)

    m.embedder = Meanwhile()
    m.load(DEBUNKS)
    result = m.match_message("Американские военные биолаборатории работают в нашей стране")
    assert all(x.slug != "pentagon-biolabs" for x in result.matches)


def test_a_claim_that_repeats_its_title_adds_no_document() -> None:
    m = Matcher()
    m.load([entry("same", {"en": "Aliens built a base"}, ("en", "Aliens built a base"))])
    assert m._row_document.sum() == 0
    m.load(DEBUNKS[:1])
    assert m._row_document.sum() == 2  # ru and kk: title + claim; en has no claim


def _held(
    entries: list[DebunkEntry],
    held: list[tuple[float, float, float]],
    confidences: list[float] | None = None,
    thresholds: Thresholds | None = None,
) -> Matcher:
    """A matcher whose candidates for any message are ``held``: per debunk, in load order, the
    (fused score, rival, standing) its strongest passage or reading gave it; its decision's
    confidence is the standing unless ``confidences`` says otherwise."""
    from knowledge.matching.matcher import _Candidate

    class Held(Matcher):
        def _collect(self, passages, best, **_):  # type: ignore[no-untyped-def]
            for slot, (fused, rival, standing) in enumerate(held):
                features = {"fused": fused, "rival": rival}
                confidence = confidences[slot] if confidences else standing
                cand = _Candidate(
                    slot, self._slot_rows[slot][0], features, confidence, standing, rival
                )
                best[slot] = (cand, passages[0])

    matcher = Held(thresholds=thresholds)
    matcher.load(entries)
    return matcher


def test_a_debunk_the_decision_answers_is_ranked_before_one_it_does_not() -> None:
    """Fused scores of two readings of a message do not compare: a reading decided lexically has
    no semantic share.  Seen on a Kazakh denial: its claim reading matched the biolabs debunk with
    0.998, an unrelated debunk topped the reading as written with 0.001 and a higher fused score,
    and the reader was answered "none"."""
    matcher = _held(
        [
            DebunkEntry("nato", "false", {"ru": "В Алматы открыли центр НАТО"}, ()),
            DebunkEntry("labs", "false", {"en": "Pentagon biolabs are moved to Kazakhstan"}, ()),
        ],
        [(0.787, 0.998, 0.001), (0.751, 0.001, 0.998)],
    )
    result = matcher.match_message("Украинадан Қазақстанға 30 биозертхана көшіріледі деген хабар")
    assert [m.slug for m in result.matches] == ["labs", "nato"]
    assert result.verdict == "match"


# Two NATO debunks whose fused scores are 0.0001 apart for a Latin-script Kazakh message, the
# second standing higher (fused, rival, standing)
NEAR_TIE_DEBUNKS = [
    DebunkEntry("exercise", "false", {"en": "NATO exercise BALTOPS is anti-Russian"}, ()),
    DebunkEntry("centre", "false", {"en": "NATO peacekeeping centre opened in Almaty"}, ()),
]
NEAR_TIE = [(0.8701, 0.2, 0.12), (0.8700, 0.1, 0.22)]
NEAR_TIE_MESSAGE = "Almatyda NATO-nyn bitimgershilik ortalygy ashylypty"


def test_a_near_tie_of_fused_scores_is_ranked_by_confidence() -> None:
    """Fused scores 0.0001 apart say nothing about which debunk is meant; the calibrated
    features do, as the ranking's standing (seen on "Almatyda NATO-nyn bitimgershilik ortalygy
    ashylypty", whose debunk came second to a NATO exercise's by 0.0001)."""
    matcher = _held(NEAR_TIE_DEBUNKS, NEAR_TIE)
    result = matcher.match_message(NEAR_TIE_MESSAGE)
    assert [m.slug for m in result.matches] == ["centre", "exercise"]


def test_the_ranking_orders_the_debunks_and_the_decision_answers_the_reader() -> None:
    """Two calibrations of the same features: the ranking's standing orders the candidates (it
    learnt the right debunk against the distractors under it), the decision's confidence is
    what the reader is answered and shown about each (it learnt whether the debunk ranked first
    answers the message)."""
    matcher = _held(
        NEAR_TIE_DEBUNKS,
        NEAR_TIE,
        confidences=[0.7, 0.6],
        thresholds=Thresholds(match=0.95, possible=0.5),
    )
    result = matcher.match_message(NEAR_TIE_MESSAGE)
    assert [m.slug for m in result.matches] == ["centre", "exercise"]
    assert [m.score for m in result.matches] == [0.6, 0.7]
    assert result.verdict == "possible"
