"""What Tekser answers to one message: the matcher's decision turned into published cards.

These functions block (matching is CPU work, cards are database reads): the bot calls them with
`asyncio.to_thread`.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from knowledge.audience.service import Audience, CheckEntry
from knowledge.debunks import storage
from knowledge.debunks.cards import DebunkCard, pick_language
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.matching.matcher import MatchResult

MAX_MATCHES_SHOWN = 5  # a long post can repeat several debunked claims
MAX_POSSIBLE_SHOWN = 3
CANDIDATES = 8  # asked from the matcher, to have enough distinct debunks to show


@dataclass(frozen=True)
class Finding:
    """One debunk to show, with how close the message came to it."""

    card: DebunkCard
    score: float
    decision: str  # match | possible
    passage: str = ""
    stance: str = "repeats"  # repeats | refutes | unclear: a refuting message agrees with the card


@dataclass(frozen=True)
class Answer:
    verdict: str  # match | possible | none
    findings: tuple[Finding, ...] = ()

    @property
    def best(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    def check_entry(self, *, source: str, chat_type: str, lang: str) -> CheckEntry:
        """The check log's line for this answer."""
        best = self.best
        return CheckEntry(
            source=source,
            verdict=self.verdict,
            slug=best.card.slug if best else None,
            score=round(best.score, 4) if best else 0.0,
            chat_type=chat_type,
            lang=lang,
        )


def answer_from(result: MatchResult, card_for: Callable[[str], DebunkCard | None]) -> Answer:
    """Published cards for the matches worth showing: every "match" of a long post (several
    debunks), else up to three "possible" candidates, else nothing.  A debunk restating the
    claim of a more confident one that is shown too is left out: one claim, one card."""
    if result.verdict == "match":
        wanted, limit = [m for m in result.matches if m.decision == "match"], MAX_MATCHES_SHOWN
    elif result.verdict == "possible":
        wanted, limit = [m for m in result.matches if m.decision != "none"], MAX_POSSIBLE_SHOWN
    else:
        wanted, limit = [], 0
    slugs = {m.slug for m in wanted}

    @functools.cache  # a restatement's check reads the card of the debunk it restates
    def published(slug: str) -> DebunkCard | None:
        card = card_for(slug)
        return card if card is not None and card.status == "published" else None

    findings: list[Finding] = []
    for match in wanted:
        if len(findings) == limit:
            break
        card = published(match.slug)
        if card is None:
            continue  # retired since the matcher was built
        if any(f.card.slug == card.slug for f in findings):
            continue
        if match.restates in slugs and published(match.restates) is not None:
            continue
        findings.append(Finding(card, match.score, match.decision, match.passage, match.stance))
    if not findings:
        return Answer("none")
    return Answer(result.verdict, tuple(findings))


class CardCache:
    """Cards of published debunks, kept while the matcher holds the same entry for them.

    The knowledge service hands the matcher a new entry after every change to a debunk
    (`KnowledgeBase.refresh`, `reload`), so a cached card is served only while
    `matcher.entry(slug)` is the very object it was cached with; an edited, retired or reloaded
    debunk is read from the database again (two statements). `prime` fills the cache at start-up
    with every published card (two statements for the whole base): 16384 cards, ~2 kB each,
    hold a 10k base in ~20-40 MB and save a database read on every first match of a debunk."""

    def __init__(self, kb: KnowledgeBase, *, size: int = 16384) -> None:
        self.kb = kb
        self.size = size
        self._cards: OrderedDict[str, tuple[object, DebunkCard]] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def primed(cls, kb: KnowledgeBase, *, size: int = 16384) -> CardCache:
        cache = cls(kb, size=size)
        cache.prime()
        return cache

    def prime(self) -> int:
        """Cache the newest `size` published cards; returns how many were cached. Each card is
        paired with the matcher's entry as it was before the card was read, as `card` does: a
        debunk changed meanwhile gets a new entry, and its card is read again when asked."""
        with self.kb.session() as session:
            slugs = storage.published_slugs(session, limit=self.size)
        entries = {slug: self.kb.matcher.entry(slug) for slug in slugs}
        with self.kb.session() as session:  # a fresh snapshot, taken after the entries
            cards = storage.published_cards(session, limit=self.size)
        with self._lock:
            for card in reversed(cards):  # newest last: the first to go when the cache is full
                entry = entries.get(card.slug)
                if entry is not None and card.slug not in self._cards:
                    self._cards[card.slug] = (entry, card)
            while len(self._cards) > self.size:
                self._cards.popitem(last=False)
            return len(self._cards)

    def cached(self, slug: str) -> DebunkCard | None:
        """The card when it is cached and current, else None; never reads the database (so an
        event loop may ask it directly)."""
        entry = self.kb.matcher.entry(slug)
        with self._lock:
            hit = self._cards.get(slug)
            if hit is not None and entry is not None and hit[0] is entry:
                self._cards.move_to_end(slug)
                return hit[1]
        return None

    def card(self, slug: str) -> DebunkCard | None:
        entry = self.kb.matcher.entry(slug)
        hit = self.cached(slug)
        if hit is not None:
            return hit
        card = self.kb.card(slug)
        if card is not None and entry is not None:
            with self._lock:
                self._cards[slug] = (entry, card)
                self._cards.move_to_end(slug)
                while len(self._cards) > self.size:
                    self._cards.popitem(last=False)
        return card


def answer_message(kb: KnowledgeBase, text: str, *, cards: CardCache | None = None) -> Answer:
    """Check `text` and load the cards to show."""
    return answer_from(kb.check(text, top=CANDIDATES), cards.card if cards else kb.card)


def check_payload(result: MatchResult, kb: KnowledgeBase, lang: str = "en") -> dict[str, Any]:
    """A check as JSON: what `tekser check --json` prints and `POST /api/v1/check` answers."""
    matches = []
    for match in result.matches:
        entry = kb.matcher.entry(match.slug)
        matches.append(
            {
                "slug": match.slug,
                "score": round(match.score, 4),
                "verdict": entry.verdict if entry is not None else None,
                "decision": match.decision,
                "stance": match.stance,
                "restates": match.restates,
                "title": pick_language(entry.titles, lang) if entry is not None else "",
                "matched": match.matched,
            }
        )
    return {"query": result.query, "verdict": result.verdict, "matches": matches}


def show_card(
    kb: KnowledgeBase, audience: Audience, slug: str, *, source: str, chat_type: str, lang: str
) -> DebunkCard | None:
    """A published card opened directly (deep link, "did you mean" button), logged as shown."""
    card = kb.card(slug)
    if card is None or card.status != "published":
        return None
    audience.log_check(
        CheckEntry(source, "shown", slug=slug, score=1.0, chat_type=chat_type, lang=lang)
    )
    return card


def popular_cards(kb: KnowledgeBase, audience: Audience, *, limit: int) -> list[DebunkCard]:
    """The most-checked published debunks (then the newest), for an empty inline query."""
    cards = [kb.card(slug) for slug in audience.popular(limit=limit)]
    return [c for c in cards if c is not None and c.status == "published"]


def matching_cards(
    kb: KnowledgeBase, text: str, *, limit: int, cards: CardCache | None = None
) -> list[DebunkCard]:
    """Published cards that match or may match `text`, best first (inline mode)."""
    result = kb.check(text, top=limit)
    slugs = dict.fromkeys(m.slug for m in result.matches if m.decision != "none")
    card_for = cards.card if cards else kb.card
    found = [card_for(slug) for slug in slugs]
    return [c for c in found if c is not None and c.status == "published"]
