"""What Tekser answers to pictures: a copy of a picture attached to a debunk is a match with the
picture as the evidence; the words read in the pictures, with the caption, are checked like a
typed message (knowledge.debunks.checking)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from knowledge.debunks import checking as answers
from knowledge.debunks.checking import Answer, CardCache, Finding
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.images.index import PictureHit, PictureIndex
from knowledge.images.reading import PictureReading
from knowledge.matching.matcher import MatchResult


@dataclass(frozen=True)
class PictureAnswer:
    answer: Answer
    text: str  # what was checked as text: the caption and the words read
    picture: PictureHit | None = None  # the attached picture the asked one is a copy of


def picture_text(caption: str, readings: Sequence[PictureReading]) -> str:
    """The caption and the words of every picture, as one request."""
    parts = [caption.strip(), *(r.text.strip() for r in readings)]
    return "\n\n".join(p for p in parts if p)


def answer_pictures(
    kb: KnowledgeBase,
    index: PictureIndex,
    readings: Sequence[PictureReading],
    *,
    caption: str = "",
    known: Sequence[PictureHit] = (),
    cards: CardCache | None = None,
) -> PictureAnswer:
    """One answer for pictures sent together (and their caption). `known`: pictures recognised
    already by their Telegram file. Blocking (matching and database reads)."""
    hits = [*known, *(h for r in readings if (h := index.nearest(r.hashes)) is not None)]
    text = picture_text(caption, readings)
    by_text = answers.answer_message(kb, text, cards=cards) if text else Answer("none")
    card_for = cards.card if cards else kb.card
    for hit in sorted(hits, key=lambda h: h.distance):
        card = card_for(hit.slug)
        if card is None or card.status != "published":
            continue  # retired since the picture was attached
        seen = Finding(card, hit.score, "match", passage=hit.name)
        others = [f for f in by_text.findings if f.decision == "match" and f.card.slug != hit.slug]
        return PictureAnswer(Answer("match", (seen, *others)), text, hit)
    return PictureAnswer(by_text, text)


def picture_payload(
    kb: KnowledgeBase,
    index: PictureIndex,
    reading: PictureReading,
    *,
    query: str,
    top: int = 3,
    lang: str = "en",
) -> dict[str, Any]:
    """One picture's check as JSON (`tekser check --image --json`): the same object as a text
    check's (`query` is the picture's name), plus `text`, the words read, and `picture` when it
    is a copy of an attached one (then the first match, with the picture as `matched`)."""
    result = kb.check(reading.text, top=top) if reading.text else MatchResult("", "none", ())
    payload = answers.check_payload(result, kb, lang)
    payload.update(query=query, text=reading.text)
    hit = index.nearest(reading.hashes)
    card = kb.card(hit.slug) if hit is not None else None
    if hit is None or card is None or card.status != "published":
        return payload
    seen = {
        "slug": card.slug,
        "score": hit.score,
        "verdict": card.verdict,
        "decision": "match",
        "title": card.title(lang),
        "matched": f"picture: {hit.name}",
    }
    others = [m for m in payload["matches"] if m["slug"] != card.slug]
    payload.update(
        verdict="match",
        matches=[seen, *others][:top],
        picture={"slug": card.slug, "name": hit.name, "distance": hit.distance},
    )
    return payload
