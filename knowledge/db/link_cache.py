"""The rows behind the link-preview cache every worker shares: one fetch of an article per URL an
hour, whichever worker is asked; a worker that loses the claim on a URL waits for the winner's."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import JSON, Column, Table, delete, or_
from sqlalchemy.sql import ColumnElement
from sqlmodel import Field, Session, SQLModel, col

from knowledge.db.upserts import aware, insert
from knowledge.debunks.tables import utcnow

LINK_OK, LINK_FAILED, LINK_FETCHING = "ok", "failed", "fetching"
LINKS_KEPT = timedelta(hours=2)  # an hour past their use: the daily clean-up removes older ones


class LinkPreviewCache(SQLModel, table=True):
    """One fetch of an article a message linked to, by normalised URL: its text, a failure, or
    a fetch some worker is making right now (so the others wait for it instead of fetching)."""

    url_hash: str = Field(primary_key=True, max_length=64)  # SHA-256 of the normalised URL
    state: str = Field(max_length=10)  # ok | failed | fetching
    url: str = ""  # where the text came from, after redirects
    title: str = ""
    description: str = ""
    paragraphs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    fetched_at: datetime = Field(default_factory=utcnow, index=True)


def url_key(normalised_url: str) -> str:
    return hashlib.sha256(normalised_url.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CachedLink:
    state: str  # ok | failed | fetching
    fetched_at: datetime
    url: str = ""
    title: str = ""
    description: str = ""
    paragraphs: tuple[str, ...] = ()


def cached_link(session: Session, *, url_hash: str) -> CachedLink | None:
    row = session.get(LinkPreviewCache, url_hash)
    if row is None:
        return None
    return CachedLink(
        state=row.state,
        fetched_at=aware(row.fetched_at),
        url=row.url,
        title=row.title,
        description=row.description,
        paragraphs=tuple(row.paragraphs or ()),
    )


def claim_link_fetch(
    session: Session,
    *,
    url_hash: str,
    now: datetime,
    ttl: timedelta,
    failure_ttl: timedelta,
    lease: timedelta,
) -> bool:
    """Mark the URL as being fetched by the caller; False when a fresh result exists or another
    worker's fetch is under way (started less than `lease` ago). One atomic statement."""
    table: Table = LinkPreviewCache.__table__  # type: ignore[attr-defined]
    stale: ColumnElement[bool] = or_(
        (table.c.state == LINK_OK) & (table.c.fetched_at <= now - ttl),
        (table.c.state == LINK_FAILED) & (table.c.fetched_at <= now - failure_ttl),
        (table.c.state == LINK_FETCHING) & (table.c.fetched_at <= now - lease),
    )
    fetching = {"state": LINK_FETCHING, "fetched_at": now}
    statement = (
        insert(session, table)
        .values(url_hash=url_hash, url="", title="", description="", paragraphs=[], **fetching)
        .on_conflict_do_update(index_elements=[table.c.url_hash], set_=fetching, where=stale)
        .returning(table.c.url_hash)
    )
    return session.execute(statement).first() is not None


def store_link(
    session: Session,
    *,
    url_hash: str,
    now: datetime,
    url: str = "",
    title: str = "",
    description: str = "",
    paragraphs: Sequence[str] = (),
    failed: bool = False,
) -> None:
    """The result of a fetch (or, with `failed`, that it gave nothing)."""
    table: Table = LinkPreviewCache.__table__  # type: ignore[attr-defined]
    values = {
        "state": LINK_FAILED if failed else LINK_OK,
        "url": url,
        "title": title,
        "description": description,
        "paragraphs": list(paragraphs),
        "fetched_at": now,
    }
    statement = (
        insert(session, table)
        .values(url_hash=url_hash, **values)
        .on_conflict_do_update(index_elements=[table.c.url_hash], set_=values)
    )
    session.execute(statement)


def purge_expired(session: Session, *, now: datetime) -> int:
    """Delete previews fetched more than two hours before `now`; returns how many."""
    statement = delete(LinkPreviewCache).where(col(LinkPreviewCache.fetched_at) < now - LINKS_KEPT)
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]
