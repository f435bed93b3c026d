"""From the matcher's decision to the cards shown, and the card cache's invalidation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from knowledge.debunks import storage
from knowledge.debunks.cards import DebunkCard
from knowledge.debunks.checking import CardCache, answer_from, answer_message
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.formats.pack import parse_pack
from knowledge.matching.matcher import Match, Matcher, MatchResult
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


def test_a_claim_held_twice_is_offered_once() -> None:
    """Two debunks of one claim (a base holding it twice) take one place among the three
    offered; the restatement stays when the debunk it restates is no longer published."""
    cards = {s: card(s) for s in ("a", "a-again", "b", "c")}
    restated = Match("a-again", 0.5, "possible", "wording", "passage", restates="a")
    result = MatchResult(
        "q",
        "possible",
        (match("a", "possible"), restated, match("b", "possible"), match("c", "possible")),
    )
    assert [f.card.slug for f in answer_from(result, cards.get).findings] == ["a", "b", "c"]
    cards["a"] = card("a", "retired")
    assert [f.card.slug for f in answer_from(result, cards.get).findings] == ["a-again", "b", "c"]


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


@pytest.fixture
def card_reads(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The slugs whose cards are read from the database (`kb.card`), in order."""
    reads: list[str] = []
    original = kb.card

    def counting(slug: str) -> DebunkCard | None:
        reads.append(slug)
        return original(slug)

    monkeypatch.setattr(kb, "card", counting)
    return reads


def correct_five_g(kb: KnowledgeBase) -> None:
    """A moderator corrects the 5G debunk's disproof."""
    edited = [dict(e) for e in ENTRIES if e["slug"] == FIVE_G]
    edited[0]["disproof"] = {"en": "A corrected disproof."}
    kb.import_entries(parse_pack({"format": "debunk-pack/1", "debunks": edited}).debunks)


def test_the_card_cache_serves_until_the_debunk_changes(
    kb: KnowledgeBase, card_reads: list[str]
) -> None:
    cache = CardCache(kb)
    reads = card_reads
    first = answer_message(kb, "Вышки 5G в Алматы распространяют коронавирус", cards=cache)
    again = answer_message(kb, "Вышки 5G в Алматы распространяют коронавирус", cards=cache)
    assert first == again and reads == [FIVE_G]

    correct_five_g(kb)
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


def test_a_primed_card_cache_serves_every_published_card_until_it_changes(
    kb: KnowledgeBase, card_reads: list[str]
) -> None:
    published = [e["slug"] for e in ENTRIES if e.get("status", "published") == "published"]
    expected = {slug: kb.card(slug) for slug in published}
    card_reads.clear()
    cache = CardCache.primed(kb)
    for slug in published:
        cached = cache.card(slug)
        assert cached is not None and cached == expected[slug]
    assert card_reads == []

    correct_five_g(kb)
    fresh = cache.card(FIVE_G)
    assert fresh is not None and fresh.disproof("en") == "A corrected disproof."
    assert card_reads == [FIVE_G]

    retired = [dict(e) for e in ENTRIES if e["slug"] == BIOLABS]
    retired[0]["status"] = "retired"
    kb.import_entries(parse_pack({"format": "debunk-pack/1", "debunks": retired}).debunks)
    gone = answer_message(
        kb, "Американские биолаборатории в Казахстане распространяют болезни", cards=cache
    )
    assert BIOLABS not in [f.card.slug for f in gone.findings]


def test_priming_keeps_the_newest_cards_that_fit(kb: KnowledgeBase) -> None:
    cache = CardCache(kb, size=2)
    assert cache.prime() == 2
    kb.matcher.load([])  # no entries: nothing may be served from the cache, nor primed
    assert CardCache(kb).prime() == 0


def test_a_card_changed_while_priming_is_read_again(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entries are taken before the cards are read: an edit landing in between leaves the
    cached card paired with the entry it replaced, so the fresh one is read when asked."""
    original = storage.published_cards

    def edit_first(session: Session, *, limit: int | None = None) -> list[DebunkCard]:
        correct_five_g(kb)
        return original(session, limit=limit)

    monkeypatch.setattr(storage, "published_cards", edit_first)
    cache = CardCache.primed(kb)
    fresh = cache.card(FIVE_G)
    assert fresh is not None and fresh.disproof("en") == "A corrected disproof."
