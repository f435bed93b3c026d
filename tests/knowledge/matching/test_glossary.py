"""The ru/kk/en glossary lets a message in one language share words with a debunk in another."""

from __future__ import annotations

import json

import pytest

from knowledge.matching.glossary import GLOSSARY_PATH, Glossary, default_glossary
from knowledge.matching.lexical import word_terms
from knowledge.matching.matcher import ClaimText, DebunkEntry, Matcher
from tests.support.embedders import hash_vectors

ENTRIES = [
    DebunkEntry(
        "biolabs",
        "false",
        {"ru": "Пентагон переносит биолаборатории из Украины в Казахстан"},
        (ClaimText("ru", "Американские биолаборатории переезжают в Казахстан"),),
    ),
    DebunkEntry(
        "shells",
        "false",
        {"ru": "Казахстан поставляет снаряды Украине через Болгарию"},
        (),
    ),
]
ENGLISH = "The Pentagon is moving its biolabs to Kazakhstan"


def test_an_english_message_finds_the_russian_debunk_through_the_glossary() -> None:
    bridged = Matcher()
    bridged.load(ENTRIES)
    alone = Matcher(glossary=Glossary([]))
    alone.load(ENTRIES)
    assert alone.match_message(ENGLISH).matches == ()
    assert bridged.match_message(ENGLISH).matches[0].slug == "biolabs"


def test_equivalents_are_added_once_after_the_message_terms() -> None:
    glossary = Glossary([{"ru": ["биолаборатория"], "kk": ["биозертхана"], "en": ["biolab"]}])
    terms = word_terms("биозертхана biolab")
    expanded = glossary.expand(terms)
    assert expanded[: len(terms)] == terms
    assert len(expanded) == len(set(expanded))
    assert set(word_terms("биолаборатория")) <= set(expanded)


def test_the_shipped_glossary_holds_single_words_in_three_languages() -> None:
    groups = json.loads(GLOSSARY_PATH.read_text(encoding="utf-8"))["terms"]
    assert groups
    for group in groups:
        assert set(group) == {"ru", "kk", "en"}, group
        for words in group.values():
            assert all(" " not in word for word in words), group


def test_a_message_is_rendered_word_for_word_into_another_language() -> None:
    glossary = Glossary(
        [
            {"ru": ["центр"], "kk": ["орталық"], "en": ["centre", "center"]},
            {"ru": ["НАТО"], "kk": ["НАТО"], "en": ["NATO"]},
        ]
    )
    assert glossary.render("Алматыда НАТО орталығы ашылды", "ru") == "Алматыда НАТО центр ашылды"
    assert glossary.render("Алматыда НАТО орталығы ашылды", "en") == "Алматыда NATO centre ашылды"
    assert glossary.render("a new center", "ru") == "a new центр"
    assert glossary.render("nothing to render", "ru") == "nothing to render"


class RecordingHashEmbedder:
    """Unit vectors from the text's hash (only equal texts are close), recording what it embeds."""

    model_id = "hash/recording"

    def __init__(self) -> None:
        self.queries: list[str] = []

    def embed_queries(self, texts):
        self.queries.extend(texts)
        return hash_vectors(texts, 64)

    def embed_passages(self, texts):
        return hash_vectors(texts, 64)


def test_a_kazakh_message_is_also_embedded_in_the_words_of_a_russian_base() -> None:
    # the stored wording is what the message says with its terms in Russian: only the rendering
    # can reach it (the stub's vectors of different texts are unrelated)
    embedder = RecordingHashEmbedder()
    glossary = Glossary(
        [
            {"ru": ["миротворческий"], "kk": ["бітімгершілік"], "en": ["peacekeeping"]},
            {"ru": ["центр"], "kk": ["орталық"], "en": ["centre"]},
            {"ru": ["НАТО"], "kk": ["НАТО"], "en": ["NATO"]},
        ]
    )
    matcher = Matcher(embedder=embedder, lexical_gate=None, glossary=glossary)
    matcher.load(
        [
            DebunkEntry(
                "nato-centre",
                "false",
                {"ru": "Миротворческий центр НАТО в Алматы"},
                (ClaimText("ru", "миротворческий центр НАТО ашылды"),),
            ),
            *ENTRIES,
        ]
    )
    message = "Бітімгершілік орталық НАТО ашылды"
    found = matcher.match_message(message).matches[0]
    assert found.slug == "nato-centre"
    assert found.evidence["semantic"] == pytest.approx(1.0, abs=1e-6)
    assert embedder.queries == [message, "миротворческий центр НАТО ашылды"]


def test_a_message_in_the_base_language_is_embedded_once() -> None:
    embedder = RecordingHashEmbedder()
    matcher = Matcher(embedder=embedder, lexical_gate=None)
    matcher.load(ENTRIES)
    matcher.match_message("Пентагон везёт биолаборатории в Казахстан")
    assert embedder.queries == ["Пентагон везёт биолаборатории в Казахстан"]


def test_a_long_passage_is_embedded_as_written_only() -> None:
    # rendered, a post's filler reaches debunks the post does not speak of
    embedder = RecordingHashEmbedder()
    matcher = Matcher(embedder=embedder, lexical_gate=None)
    matcher.load(ENTRIES)
    post = " ".join(["Бітімгершілік орталық НАТО ашылды."] * 8)  # 32 words, one passage
    matcher.match_message(post)
    assert embedder.queries == [post]


def test_the_claims_verbs_bridge_languages_too() -> None:
    """Two claims on the same nouns differ by what is done: a Kazakh message that says "supplies"
    is answered with the Russian debunk that says so, not with the one that says "buys"."""
    matcher = Matcher()
    matcher.load(
        [
            DebunkEntry(
                "supplies", "false", {"ru": "Казахстан тайно поставляет снаряды Украине"}, ()
            ),
            DebunkEntry("buys", "false", {"ru": "Казахстан закупает у Украины снаряды"}, ()),
        ]
    )
    result = matcher.match_message("Қазақстан Украинаға жасырын снаряд жеткізуде")
    assert result.matches[0].slug == "supplies"
    assert result.matches[0].score > result.matches[1].score


def test_names_are_the_groups_written_with_a_capital_places_apart() -> None:
    glossary = Glossary(
        [
            {"ru": ["НАТО"], "kk": ["НАТО"], "en": ["NATO"]},
            {"ru": ["Алматы"], "kk": ["Алматы"], "en": ["Almaty"]},
            {"ru": ["центр"], "kk": ["орталық"], "en": ["centre"]},
        ],
        places=["Алматы"],
    )
    assert all(glossary.is_name(t) for t in word_terms("НАТО NATO"))
    assert not any(glossary.is_name(t) for t in word_terms("Алматы Almaty центр centre"))
    shipped = default_glossary()
    assert all(shipped.is_name(t) for t in word_terms("Pentagon ЦРУ Қазақстан"))
    assert not any(shipped.is_name(t) for t in word_terms("Алматы Astana"))
