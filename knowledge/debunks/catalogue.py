"""The moderators' view of the base: every debunk whatever its status, searched and paged."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils
from sqlalchemy import func
from sqlmodel import Session, col, select

from knowledge.debunks.tables import ClaimPhrasing, Debunk

PAGE_SIZE = 8
FIND_LIMIT = 8
FIND_CUTOFF = 60.0


@dataclass(frozen=True)
class Listing:
    """One line of a list or search result."""

    id: int
    slug: str
    status: str
    verdict: str
    titles: Mapping[str, str]
    version: int
    score: float = 0.0


@dataclass(frozen=True)
class Page:
    items: list[Listing]
    page: int  # 0-based
    pages: int
    total: int


def listing(debunk: Debunk, score: float = 0.0) -> Listing:
    return Listing(
        debunk.id or 0, debunk.slug, debunk.status, debunk.verdict,
        dict(debunk.titles), debunk.version, score,
    )  # fmt: skip


def list_page(
    session: Session, *, status: str | None = None, page: int = 0, size: int = PAGE_SIZE
) -> Page:
    """Debunks newest first, one page of them (the page is clamped to those that exist)."""
    count = select(func.count()).select_from(Debunk)
    query = select(Debunk).order_by(col(Debunk.updated_at).desc(), col(Debunk.id).desc())
    if status is not None:
        count = count.where(Debunk.status == status)
        query = query.where(Debunk.status == status)
    total = int(session.exec(count).one())
    pages = max(1, -(-total // size))
    page = min(max(page, 0), pages - 1)
    rows = session.exec(query.offset(page * size).limit(size))
    return Page([listing(d) for d in rows], page, pages, total)


def find(session: Session, *, text: str, limit: int = FIND_LIMIT) -> list[Listing]:
    """Debunks whose slug, titles or wordings resemble `text` (drafts and retired included)."""
    query = text.strip()
    if not query:
        return []
    debunks = {d.id: d for d in session.exec(select(Debunk)) if d.id is not None}
    fields: dict[tuple[int, int], str] = {}
    for debunk_id, debunk in debunks.items():
        for n, value in enumerate([debunk.slug.replace("-", " "), *debunk.titles.values()]):
            fields[(debunk_id, n)] = value
    for claim in session.exec(select(ClaimPhrasing)):
        fields[(claim.debunk_id, 1000 + (claim.id or 0))] = claim.text
    scores: dict[int, float] = {}
    for _, score, key in process.extract(
        query, fields, scorer=fuzz.WRatio, processor=utils.default_process,
        limit=limit * 20, score_cutoff=FIND_CUTOFF,
    ):  # fmt: skip
        if query.casefold() in fields[key].casefold():
            score += 10
        scores[key[0]] = max(scores.get(key[0], 0.0), score)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], debunks[item[0]].slug))[:limit]
    return [listing(debunks[debunk_id], score) for debunk_id, score in ranked]


def by_id(session: Session, *, debunk_id: int) -> Debunk | None:
    return session.get(Debunk, debunk_id)
