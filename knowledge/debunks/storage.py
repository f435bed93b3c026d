"""Reading and writing debunks. Every function takes a session and keyword arguments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Date, String, func, literal, literal_column, null, true, union_all
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, delete, select

from knowledge.debunks.cards import ClaimText, DebunkCard, PictureRef, SourceRef
from knowledge.debunks.tables import Appearance, ClaimPhrasing, Debunk, Source, utcnow
from knowledge.formats.pack import PackDebunk, pack_entry
from knowledge.images.tables import DebunkPicture
from knowledge.matching.matcher import DebunkEntry

EXISTING_CHUNK = 500
ChildTable = type[ClaimPhrasing | Source | Appearance | DebunkPicture]
CHILD_TABLES: tuple[tuple[ChildTable, str], ...] = (
    (ClaimPhrasing, "claims"),
    (Source, "sources"),
    (Appearance, "appearances"),
    (DebunkPicture, "pictures"),
)


@dataclass
class ImportSummary:
    """What an import did (or would do): slugs per outcome, and rejected entries with reasons."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # updated debunks whose stored claim wordings the entry lacks: slug -> (dropped, stored)
    dropping: dict[str, tuple[int, int]] = field(default_factory=dict)
    # those of them an import leaves as they are rather than make poorer (same counts)
    kept: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def changed(self) -> list[str]:
        return self.created + self.updated


def get_debunk(session: Session, *, slug: str) -> Debunk | None:
    return session.exec(select(Debunk).where(Debunk.slug == slug)).first()


def count_debunks(session: Session, *, status: str | None = None) -> int:
    query = select(func.count()).select_from(Debunk)
    if status is not None:
        query = query.where(Debunk.status == status)
    return int(session.exec(query).one())


def export_entries(
    session: Session, *, statuses: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """Debunks as `debunk-pack/1` entries, ordered by slug."""
    wanted = col(Debunk.status).in_(list(statuses)) if statuses is not None else true()
    return [pack_entry(card) for card in _cards(session, wanted, order=col(Debunk.slug))]


def _write_children(session: Session, debunk_id: int, entry: PackDebunk) -> None:
    session.add_all(
        ClaimPhrasing(debunk_id=debunk_id, lang=c.lang, text=c.text) for c in entry.claims
    )
    session.add_all(
        Source(
            debunk_id=debunk_id,
            url=s.url,
            title=s.title,
            publisher=s.publisher,
            published=s.published,
        )
        for s in entry.sources
    )
    session.add_all(Appearance(debunk_id=debunk_id, url=url) for url in entry.appearances)
    session.add_all(
        DebunkPicture(
            debunk_id=debunk_id, kind=p.kind, hash=p.hash, crops=list(p.crops), name=p.name,
            url=p.url or "",
        )
        for p in entry.pictures
    )  # fmt: skip


def _fill(debunk: Debunk, entry: PackDebunk) -> None:
    debunk.verdict = entry.verdict
    debunk.status = entry.status
    debunk.titles = dict(entry.title)
    debunk.disproofs = dict(entry.disproof)
    debunk.tags = list(entry.tags)
    debunk.published = entry.published


def plan_import(session: Session, *, entries: Sequence[PackDebunk]) -> ImportSummary:
    """Compare entries with the base by slug without writing: created / updated / unchanged."""
    summary = ImportSummary()
    existing = _existing(session, slugs=[e.slug for e in entries])
    for entry in entries:
        current = existing.get(entry.slug)
        if current is None:
            summary.created.append(entry.slug)
        elif current == entry.canonical():
            summary.unchanged.append(entry.slug)
        else:
            summary.updated.append(entry.slug)
            stored = {(c["lang"], c["text"]) for c in current.get("claims", [])}
            dropped = stored - {(c.lang, c.text) for c in entry.claims}
            if dropped:
                summary.dropping[entry.slug] = (len(dropped), len(stored))
    return summary


def _existing(session: Session, *, slugs: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The stored entries with these slugs, read a few hundred slugs at a time (a statement's
    parameters are limited)."""
    wanted = list(dict.fromkeys(slugs))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), EXISTING_CHUNK):
        chunk = col(Debunk.slug).in_(wanted[start : start + EXISTING_CHUNK])
        found.update((card.slug, pack_entry(card)) for card in _cards(session, chunk))
    return found


def apply_import(session: Session, *, entries: Sequence[PackDebunk]) -> ImportSummary:
    """Upsert entries by slug in the session (the caller commits). Unchanged ones stay untouched."""
    summary = plan_import(session, entries=entries)
    changed = set(summary.changed)
    if not changed:
        return summary
    by_slug = {d.slug: d for d in session.exec(select(Debunk).where(col(Debunk.slug).in_(changed)))}
    updated_ids = [d.id for d in by_slug.values() if d.id is not None]
    for model, _ in CHILD_TABLES:
        session.execute(delete(model).where(col(model.debunk_id).in_(updated_ids)))
    fresh: list[tuple[Debunk, PackDebunk]] = []
    for entry in entries:
        if entry.slug not in changed:
            continue
        debunk = by_slug.get(entry.slug)
        if debunk is None:
            debunk = Debunk(slug=entry.slug, verdict=entry.verdict)
            fresh.append((debunk, entry))
        else:
            debunk.version += 1
            debunk.updated_at = utcnow()
            _write_children(session, debunk.id or 0, entry)
        _fill(debunk, entry)
        session.add(debunk)
    session.flush()
    for debunk, entry in fresh:
        _write_children(session, debunk.id or 0, entry)
    session.flush()
    return summary


# Cards are read with Core statements (rows, not ORM objects): the bot loads one on every match
# whose card is not cached, and every published one at start-up
# (knowledge.debunks.checking.CardCache).
_CARD_COLUMNS = (
    "id",
    "slug",
    "verdict",
    "status",
    "titles",
    "disproofs",
    "tags",
    "published",
    "version",
    "updated_at",
    "created_at",
)


@dataclass
class _CardKids:
    claims: list[ClaimText] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    appearances: list[str] = field(default_factory=list)
    pictures: list[PictureRef] = field(default_factory=list)


def _card_rows(where: Any, *, limit: int | None = None, order: Any = None) -> Any:
    """The card columns of the debunks `where` says, newest first unless `order` says else."""
    table = Debunk.__table__  # type: ignore[attr-defined]
    query = sa_select(*(table.c[name] for name in _CARD_COLUMNS)).where(where)
    query = query.order_by(table.c.id.desc() if order is None else order)
    return query.limit(limit) if limit is not None else query


def _card_children(session: Session, *, ids: Any, sources: bool = True) -> dict[int, _CardKids]:
    """Claims, sources (unless `sources` is False: the matcher needs none) and appearances of
    the debunks whose id is in `ids` (a list or a subquery), oldest first: one UNION ALL."""
    claims = ClaimPhrasing.__table__  # type: ignore[attr-defined]
    refs = Source.__table__  # type: ignore[attr-defined]
    seen = Appearance.__table__  # type: ignore[attr-defined]
    none = null().cast(String)
    no_date = null().cast(Date)
    parts = [
        sa_select(literal(0), claims.c.id, claims.c.debunk_id, claims.c.lang, claims.c.text, none,
                  no_date).where(claims.c.debunk_id.in_(ids)),
        sa_select(literal(2), seen.c.id, seen.c.debunk_id, seen.c.url, none, none, no_date)
        .where(seen.c.debunk_id.in_(ids)),
    ]  # fmt: skip
    if sources:
        parts.append(
            sa_select(literal(1), refs.c.id, refs.c.debunk_id, refs.c.url, refs.c.title,
                      refs.c.publisher, refs.c.published).where(refs.c.debunk_id.in_(ids))
        )  # fmt: skip
    found: dict[int, _CardKids] = defaultdict(_CardKids)
    ordered = union_all(*parts).order_by(literal_column("1"), literal_column("2"))
    for kind, _, debunk_id, a, b, c, day in session.execute(ordered):
        kids = found[debunk_id]
        if kind == 0:
            kids.claims.append(ClaimText(a, b))
        elif kind == 1:
            kids.sources.append(SourceRef(a, b, c, day))
        else:
            kids.appearances.append(a)
    if sources:  # a card's pictures (the matcher needs none): one more statement
        rows = session.execute(
            sa_select(DebunkPicture).where(col(DebunkPicture.debunk_id).in_(ids))
            .order_by(col(DebunkPicture.id))
        ).scalars()  # fmt: skip
        for picture in rows:
            found[picture.debunk_id].pictures.append(
                PictureRef(picture.kind, picture.hash, tuple(picture.crops), picture.name,
                           picture.url)
            )  # fmt: skip
    return found


def _card(row: Any, kids: _CardKids) -> DebunkCard:
    return DebunkCard(
        slug=row.slug,
        verdict=row.verdict,
        status=row.status,
        titles=dict(row.titles),
        disproofs=dict(row.disproofs),
        sources=tuple(kids.sources),
        claims=tuple(kids.claims),
        appearances=tuple(kids.appearances),
        pictures=tuple(kids.pictures),
        tags=tuple(row.tags),
        published=row.published,
        version=row.version,
        updated=row.updated_at,
        created=row.created_at,
    )


def debunk_card(session: Session, *, slug: str) -> DebunkCard | None:
    """One debunk's card, in two statements."""
    row = session.execute(_card_rows(col(Debunk.slug) == slug)).first()
    if row is None:
        return None
    return _card(row, _card_children(session, ids=[row.id]).get(row.id, _CardKids()))


def published_slugs(session: Session, *, limit: int | None = None) -> list[str]:
    """Slugs of published debunks (with `limit`, the newest that many)."""
    table = Debunk.__table__  # type: ignore[attr-defined]
    query = sa_select(table.c.slug).where(table.c.status == "published").order_by(table.c.id.desc())
    return list(session.scalars(query.limit(limit) if limit is not None else query))


def _cards(
    session: Session, where: Any, *, limit: int | None = None, order: Any = None
) -> list[DebunkCard]:
    """The cards of the debunks `where` says, in two statements."""
    wanted = _card_rows(where, limit=limit, order=order)
    rows = session.execute(wanted).all()
    kids = _card_children(session, ids=sa_select(wanted.subquery().c.id).scalar_subquery())
    return [_card(row, kids.get(row.id, _CardKids())) for row in rows]


def published_cards(session: Session, *, limit: int | None = None) -> list[DebunkCard]:
    """Every published debunk's card (with `limit`, the newest that many), in two statements."""
    return _cards(session, col(Debunk.status) == "published", limit=limit)


def published_entries(session: Session) -> list[DebunkEntry]:
    """Every published debunk, as the matcher is fed (plain rows, as for the cards: a 10k base
    loads in a third of the time ORM objects took)."""
    table = Debunk.__table__  # type: ignore[attr-defined]
    published = table.c.status == "published"
    ids = sa_select(table.c.id).where(published).scalar_subquery()
    kids = _card_children(session, ids=ids, sources=False)
    rows = session.execute(
        sa_select(table.c.id, table.c.slug, table.c.verdict, table.c.titles)
        .where(published)
        .order_by(table.c.id)
    )
    return [
        DebunkEntry(
            slug=slug,
            verdict=verdict,
            titles=dict(titles),
            claims=tuple(kids[debunk_id].claims),
            appearances=tuple(kids[debunk_id].appearances),
        )
        for debunk_id, slug, verdict, titles in rows
    ]


def matcher_entry(session: Session, *, slug: str) -> DebunkEntry | None:
    """The matcher's view of one debunk; None when it must not be matched (absent, unpublished)."""
    card = debunk_card(session, slug=slug)
    if card is None or card.status != "published":
        return None
    return DebunkEntry(
        slug=card.slug,
        verdict=card.verdict,
        titles=dict(card.titles),
        claims=card.claims,
        appearances=card.appearances,
    )


def _changed(since: datetime | None, until: datetime | None) -> Any:
    where = col(Debunk.status) == "published"
    if since is not None:
        where = where & (col(Debunk.updated_at) > since)
    if until is not None:
        where = where & (col(Debunk.updated_at) <= until)
    return where


def recently_updated_cards(
    session: Session, *, limit: int, since: datetime | None = None, until: datetime | None = None
) -> list[DebunkCard]:
    """Published debunks by last change, newest first (feeds, digests); with `since` and
    `until`, only those changed after the one and not after the other."""
    order = col(Debunk.updated_at).desc()
    return _cards(session, _changed(since, until), limit=limit, order=order)


def count_changed(session: Session, *, since: datetime, until: datetime) -> int:
    """How many published debunks changed after `since` and not after `until`."""
    query = select(func.count()).select_from(Debunk).where(_changed(since, until))
    return int(session.exec(query).one())


def published_stamps(session: Session) -> list[tuple[str, datetime]]:
    """(slug, last change) of every published debunk, by slug (the sitemap)."""
    table = Debunk.__table__  # type: ignore[attr-defined]
    query = (
        sa_select(table.c.slug, table.c.updated_at)
        .where(table.c.status == "published")
        .order_by(table.c.slug)
    )
    return [(slug, updated) for slug, updated in session.execute(query)]
