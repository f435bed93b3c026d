"""From the matcher's decision to the cards shown, and the card cache's invalidation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.answers import CardCache, answer_from, answer_message
from knowledge.cards import DebunkCard
from knowledge.debunk_pack import parse_pack
from knowledge.matcher import Match, Matcher, MatchResult
from knowledge.service import KnowledgeBase
from tests.e2e.pack import BIOLABS, ENTRIES, FIVE_G, RUSSIAN_BAN, pack_entries


@pytest.fixture
def kb(tmp_path: Path) -> Iterator[KnowledgeBase]:
    base = KnowledgeBase.open(f"sqlite:///{tmp_path / 'a.db'}", matcher=Matcher())
    base.import_entries(pack_entries())
    yield base
    base.close()


def card(slug: str, status: str = "published") -> DebunkCard:
    return DebunkCard(slug, "false", status, {"en": slug}, {"en": "no"})


def match(slug: str, decision: str, score: float = 0.5) -> Match:
    return Match(slug, score, decision, "wording", "passage")


def test_a_match_shows_every_matched_debunk_and_skips_unpublished_ones() -> None:
    cards = {s: card(s) for s in ("a", "b", "c")} | {"gone": card("gone", "retired")}
    result = MatchResult(
        "q",
        "match",
        (match("a", "match"), match("gone", "match"), match("b", "match"), match("c", "none")),
    )
    answer = answer_from(result, cards.get)
    assert (answer.verdict, [f.card.slug for f in answer.findings]) == ("match", ["a", "b"])


def test_possible_offers_up_to_three_candidates() -> None:
    cards = {s: card(s) for s in "abcde"}
    result = MatchResult("q", "possible", tuple(match(s, "possible") for s in "abcde"))
    answer = answer_from(result, cards.get)
    assert [f.card.slug for f in answer.findings] == ["a", "b", "c"]


def test_nothing_left_to_show_is_none() -> None:
    result = MatchResult("q", "match", (match("gone", "match"),))
    assert answer_from(result, {"gone": card("gone", "retired")}.get).verdict == "none"
    assert answer_from(MatchResult("q", "none", ()), {}.get).verdict == "none"


def test_the_check_entry_names_the_best_debunk_only() -> None:
    answer = answer_from(
        MatchResult("q", "match", (match("a", "match", 0.91234),)), {"a": card("a")}.get
    )
    entry = answer.check_entry(source="private", chat_type="private", lang="kk")
    assert (entry.verdict, entry.slug, entry.score, entry.lang) == ("match", "a", 0.9123, "kk")


def test_the_card_cache_serves_until_the_debunk_changes(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = CardCache(kb)
    reads: list[str] = []
    original = kb.card

    def counting(slug: str) -> DebunkCard | None:
        reads.append(slug)
        return original(slug)

    monkeypatch.setattr(kb, "card", counting)
    first = answer_message(kb, "Вышки 5G в Алматы распространяют коронавирус", cards=cache)
    again = answer_message(kb, "Вышки 5G в Алматы распространяют коронавирус", cards=cache)
    assert first == again and reads == [FIVE_G]

    edited = [dict(e) for e in ENTRIES if e["slug"] == FIVE_G]
    edited[0]["disproof"] = {"en": "A corrected disproof."}
    kb.import_entries(parse_pack({"format": "debunk-pack/1", "debunks": edited}).debunks)
    fresh = cache.card(FIVE_G)
    assert fresh is not None and fresh.disproof("en") == "A corrected disproof."
    assert reads == [FIVE_G, FIVE_G]

    retired = [dict(e) for e in ENTRIES if e["slug"] == BIOLABS]
    retired[0]["status"] = "retired"
    assert cache.card(BIOLABS) is not None
    kb.import_entries(parse_pack({"format": "debunk-pack/1", "debunks": retired}).debunks)
    gone = answer_message(
        kb, "Американские биолаборатории в Казахстане распространяют болезни", cards=cache
    )
    assert BIOLABS not in [f.card.slug for f in gone.findings]
    assert cache.card(RUSSIAN_BAN) is not None
