"""The ru/kk/en glossary lets a message in one language share words with a debunk in another."""

from __future__ import annotations

import json

from knowledge.matching.glossary import GLOSSARY_PATH, Glossary
from knowledge.matching.lexical import word_terms
from knowledge.matching.matcher import ClaimText, DebunkEntry, Matcher

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
