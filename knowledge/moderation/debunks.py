"""Moderators' use cases on the base's debunks: reading one as moderators see it, finding and
listing, changing one (`knowledge.moderation.editing`), and creating one from a finished draft.
Every change reaches the matcher at once (`KnowledgeBase.refresh`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from knowledge.db.transactions import Transactions
from knowledge.debunks import catalogue, storage
from knowledge.debunks.cards import DebunkCard
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.debunks.tables import ClaimPhrasing, Source
from knowledge.moderation import audit, drafts, editing, review
from knowledge.moderation.audit import Actor, AuditEvent
from knowledge.moderation.drafts import DraftDebunk
from knowledge.moderation.editing import Change
from knowledge.moderation.review import QueueGroup


@dataclass(frozen=True)
class Row:
    """A wording or source as /show and /edit list them (with its id, for removal)."""

    id: int
    label: str  # language of a wording, title of a source
    text: str  # the wording, or the source's URL


@dataclass(frozen=True)
class Details:
    """A debunk as moderators see it."""

    id: int
    card: DebunkCard
    wordings: tuple[Row, ...]
    sources: tuple[Row, ...]
    created_at: datetime
    updated_at: datetime
    last: AuditEvent | None


def _slug(text: str) -> str:
    return text.strip().lower()


class Debunks:
    def __init__(self, tx: Transactions, kb: KnowledgeBase) -> None:
        self.tx = tx
        self.kb = kb

    # ---------------------------------------------------------------- reading

    def card(self, slug: str) -> DebunkCard | None:
        return self.kb.card(_slug(slug))

    def details(self, slug: str) -> Details | None:
        def fn(session: Session) -> Details | None:
            debunk = storage.get_debunk(session, slug=_slug(slug))
            card = storage.debunk_card(session, slug=_slug(slug))
            if debunk is None or card is None or debunk.id is None:
                return None
            wordings = session.exec(
                select(ClaimPhrasing).where(ClaimPhrasing.debunk_id == debunk.id)
            )
            sources = session.exec(select(Source).where(Source.debunk_id == debunk.id))
            return Details(
                id=debunk.id,
                card=card,
                wordings=tuple(Row(w.id or 0, w.lang, w.text) for w in wordings),
                sources=tuple(Row(s.id or 0, s.title, s.url) for s in sources),
                created_at=debunk.created_at,
                updated_at=debunk.updated_at,
                last=audit.last_change(session, slug=debunk.slug),
            )

        return self.tx.read(fn)

    def slug_of(self, debunk_id: int) -> str | None:
        listing = self.listing(debunk_id)
        return listing.slug if listing is not None else None

    def listing(self, debunk_id: int) -> catalogue.Listing | None:
        def fn(session: Session) -> catalogue.Listing | None:
            debunk = catalogue.by_id(session, debunk_id=debunk_id)
            return catalogue.listing(debunk) if debunk is not None else None

        return self.tx.read(fn)

    def history(self, slug: str, *, limit: int = 15) -> list[AuditEvent]:
        return self.tx.read(lambda s: audit.history(s, slug=_slug(slug), limit=limit))

    def find(self, text: str) -> list[catalogue.Listing]:
        return self.tx.read(lambda s: catalogue.find(s, text=text))

    def page(self, *, status: str | None, page: int) -> catalogue.Page:
        return self.tx.read(lambda s: catalogue.list_page(s, status=status, page=page))

    def suggest_slug(self, title: str) -> str:
        return self.tx.read(lambda s: editing.unique_slug(s, base=editing.slugify(title)))

    def slug_free(self, slug: str) -> bool:
        return self.tx.read(lambda s: storage.get_debunk(s, slug=slug) is None)

    # ---------------------------------------------------------------- changing

    def change(self, edit: Callable[..., Change], **kwargs: Any) -> Change:
        """Run one `knowledge.moderation.editing` function in its own transaction; refresh the
        matcher."""
        result = self.tx.write(lambda session: edit(session, **kwargs))
        self.kb.refresh(result.slug)
        return result

    def create(self, draft: DraftDebunk, *, status: str, actor: Actor) -> Change:
        """A new debunk from a finished draft; the queue items it answers are linked to it and
        the moderator's draft is done with."""

        def fn(session: Session) -> Change:
            if not draft.slug:
                base = editing.slugify(draft.titles.get("en") or next(iter(draft.titles.values())))
                draft.slug = editing.unique_slug(session, base=base)
            result = editing.create_debunk(session, draft=draft, status=status, actor=actor)
            groups: dict[int, QueueGroup] = {}
            for submission_id in draft.submission_ids:
                group = review.group_of(session, submission_id=submission_id)
                if group is not None:
                    groups[group.head] = group
            for group in groups.values():
                review.link_group(session, group=group, slug=result.slug, actor=actor)
            drafts.save_draft(session, user_id=actor.user_id, draft=None)
            return result

        result = self.tx.write(fn)
        self.kb.refresh(result.slug)
        return result
