"""The moderators' service: roles, edits, drafts, the review queue, import and statistics, each
call one short transaction. Every change to a debunk reaches the matcher at once
(`KnowledgeBase.refresh`) and the audit log in the same transaction as the change.

Every method blocks on the database: async callers run them with `asyncio.to_thread`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from knowledge.audience.tables import keyed_hash
from knowledge.debunks import catalogue, storage
from knowledge.debunks.cards import DebunkCard
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.debunks.storage import ImportSummary
from knowledge.debunks.tables import ClaimPhrasing, Debunk, Source
from knowledge.formats.pack import PackDebunk
from knowledge.formats.registry import Format, render_export
from knowledge.moderation import audit, deliveries, drafts, editing, review, roles, statistics
from knowledge.moderation.audit import Actor, AuditEvent
from knowledge.moderation.deliveries import Delivery
from knowledge.moderation.drafts import DraftDebunk
from knowledge.moderation.editing import Change, EditError
from knowledge.moderation.review import QueueGroup
from knowledge.moderation.roles import Moderator

T = TypeVar("T")
WRITE_ATTEMPTS = 3
AUDITED_BEFORE = 200  # imports up to this size keep the "before" of every updated debunk


class NotAllowed(Exception):
    """The acting moderator's role does not allow this (e.g. an admin revoking an admin)."""


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


@dataclass(frozen=True)
class LinkResult:
    slug: str
    linked: int  # submissions answered
    wording_added: bool
    published: bool  # the submitters get the card now (else once it is published)


class Moderation:
    def __init__(self, kb: KnowledgeBase, *, owner_ids: Collection[int], secret: str) -> None:
        self.kb = kb
        self.owner_ids = frozenset(owner_ids)
        self._secret = secret

    def _session(self) -> Session:
        return Session(self.kb.engine, expire_on_commit=False)

    def _read(self, fn: Callable[[Session], T]) -> T:
        with self._session() as session:
            return fn(session)

    def _write(self, fn: Callable[[Session], T]) -> T:
        """Run `fn` in a transaction and commit. SQLite refuses a writer whose snapshot went
        stale under a concurrent commit ("database is locked"): then it runs again on fresh data
        (where a version check refuses what became stale)."""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                with self._session() as session:
                    result = fn(session)
                    session.commit()
                    return result
            except OperationalError as exc:
                if "locked" not in str(exc.orig) or attempt + 1 == WRITE_ATTEMPTS:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def user_hash(self, user_id: int) -> str:
        return keyed_hash(self._secret, user_id)

    # ---------------------------------------------------------------- roles

    def role(self, user_id: int, *, name: str = "") -> str | None:
        """The role `user_id` holds right now (and the name Telegram shows is remembered)."""

        def fn(session: Session) -> str | None:
            roles.remember_name(session, user_id=user_id, name=name)
            return roles.role_of(session, user_id=user_id, owner_ids=self.owner_ids)

        return self._write(fn)

    def grant(self, actor: Actor, *, user_id: int, role: str, name: str = "") -> Moderator:
        def fn(session: Session) -> Moderator:
            mine = roles.role_of(session, user_id=actor.user_id, owner_ids=self.owner_ids)
            theirs = roles.role_of(session, user_id=user_id, owner_ids=self.owner_ids)
            if user_id == actor.user_id or not (
                roles.may_manage(mine, theirs) and roles.may_manage(mine, role)
            ):
                raise NotAllowed(role)
            before = {"role": theirs} if theirs else None
            row = roles.grant(
                session, user_id=user_id, role=role, granted_by=actor.user_id, name=name
            )
            audit.record(
                session, actor=actor, action="grant", before=before,
                after={"user_id": user_id, "role": role},
            )  # fmt: skip
            return row

        return self._write(fn)

    def revoke(self, actor: Actor, *, user_id: int) -> Moderator | None:
        def fn(session: Session) -> Moderator | None:
            mine = roles.role_of(session, user_id=actor.user_id, owner_ids=self.owner_ids)
            theirs = roles.role_of(session, user_id=user_id, owner_ids=self.owner_ids)
            if theirs is None:
                return None
            if user_id == actor.user_id or not roles.may_manage(mine, theirs):
                raise NotAllowed(theirs)
            row = roles.revoke(session, user_id=user_id)
            audit.record(
                session, actor=actor, action="revoke",
                before={"user_id": user_id, "role": theirs}, after=None,
            )  # fmt: skip
            return row

        return self._write(fn)

    def moderators(self) -> list[Moderator]:
        return self._read(roles.list_moderators)

    # ---------------------------------------------------------------- reading the base

    def card(self, slug: str) -> DebunkCard | None:
        return self.kb.card(slug.strip().lower())

    def details(self, slug: str) -> Details | None:
        def fn(session: Session) -> Details | None:
            debunk = storage.get_debunk(session, slug=slug.strip().lower())
            card = storage.debunk_card(session, slug=slug.strip().lower())
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

        return self._read(fn)

    def slug_of(self, debunk_id: int) -> str | None:
        def fn(session: Session) -> str | None:
            debunk = catalogue.by_id(session, debunk_id=debunk_id)
            return debunk.slug if debunk is not None else None

        return self._read(fn)

    def history(self, slug: str, *, limit: int = 15) -> list[AuditEvent]:
        return self._read(lambda s: audit.history(s, slug=slug.strip().lower(), limit=limit))

    def find(self, text: str) -> list[catalogue.Listing]:
        return self._read(lambda s: catalogue.find(s, text=text))

    def page(self, *, status: str | None, page: int) -> catalogue.Page:
        return self._read(lambda s: catalogue.list_page(s, status=status, page=page))

    # ---------------------------------------------------------------- changing the base

    def change(self, edit: Callable[..., Change], **kwargs: Any) -> Change:
        """Run one `knowledge.moderation.editing` function in its own transaction; refresh the
        matcher."""
        result = self._write(lambda session: edit(session, **kwargs))
        self.kb.refresh(result.slug)
        return result

    def create(self, draft: DraftDebunk, *, status: str, actor: Actor) -> Change:
        """A new debunk from a finished draft; the queue items it answers are linked to it."""

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

        result = self._write(fn)
        self.kb.refresh(result.slug)
        return result

    def suggest_slug(self, title: str) -> str:
        return self._read(lambda s: editing.unique_slug(s, base=editing.slugify(title)))

    def slug_free(self, slug: str) -> bool:
        return self._read(lambda s: storage.get_debunk(s, slug=slug) is None)

    # ---------------------------------------------------------------- desks

    def draft(self, user_id: int) -> DraftDebunk | None:
        return self._read(lambda s: drafts.load_draft(s, user_id=user_id))

    def save_draft(self, user_id: int, draft: DraftDebunk | None) -> None:
        self._write(lambda s: drafts.save_draft(s, user_id=user_id, draft=draft))

    def task(self, user_id: int) -> dict[str, Any]:
        return self._read(lambda s: drafts.load_task(s, user_id=user_id))

    def save_task(self, user_id: int, task: dict[str, Any] | None) -> None:
        self._write(lambda s: drafts.save_task(s, user_id=user_id, task=task))

    # ---------------------------------------------------------------- the queue

    def queue(self) -> list[QueueGroup]:
        return self._read(review.pending_groups)

    def group(self, submission_id: int) -> QueueGroup | None:
        return self._read(lambda s: review.group_of(s, submission_id=submission_id))

    def link(
        self, actor: Actor, *, submission_id: int, slug: str, add_wording: bool
    ) -> LinkResult | None:
        """Answer a pending group with a debunk (its text becoming a new wording unless not
        wanted). None when the group was decided meanwhile."""

        def fn(session: Session) -> tuple[LinkResult | None, bool]:
            group = review.group_of(session, submission_id=submission_id)
            if group is None:
                return None, False
            debunk = editing.require(session, slug=slug)
            added = False
            if add_wording and not _has_wording(session, debunk.id or 0, group.text):
                editing.add_wording(session, slug=slug, text=group.text[: editing.WORDING_MAX],
                                    actor=actor)  # fmt: skip
                added = True
            review.link_group(session, group=group, slug=debunk.slug, actor=actor)
            published = debunk.status == "published"
            return LinkResult(debunk.slug, group.count, added, published), added

        result, added = self._write(fn)
        if added and result is not None:
            self.kb.refresh(result.slug)
        return result

    def candidates(self, text: str, *, top: int = 5) -> list[tuple[catalogue.Listing, float]]:
        """Published debunks the matcher finds closest to `text`, with their scores."""
        result = self.kb.check(text, top=top)
        scores = {m.slug: m.score for m in result.matches}

        def fn(session: Session) -> list[tuple[catalogue.Listing, float]]:
            rows = session.exec(select(Debunk).where(col(Debunk.slug).in_(list(scores))))
            found = [(catalogue.listing(d), scores[d.slug]) for d in rows]
            return sorted(found, key=lambda pair: -pair[1])

        return self._read(fn) if scores else []

    def listing(self, debunk_id: int) -> catalogue.Listing | None:
        def fn(session: Session) -> catalogue.Listing | None:
            debunk = catalogue.by_id(session, debunk_id=debunk_id)
            return catalogue.listing(debunk) if debunk is not None else None

        return self._read(fn)

    def spam_senders(self, submission_id: int) -> list[int]:
        """The submissions dismissed together with `submission_id` (to block their senders)."""
        return self._read(
            lambda s: review.same_text_ids(s, submission_id=submission_id, status="dismissed")
        )

    def dismiss(self, actor: Actor, *, submission_id: int, reason: str) -> QueueGroup | None:
        def fn(session: Session) -> QueueGroup | None:
            group = review.group_of(session, submission_id=submission_id)
            if group is not None:
                review.dismiss_group(session, group=group, reason=reason, actor=actor)
            return group

        return self._write(fn)

    def block(self, actor: Actor, *, submission_ids: Sequence[int]) -> int:
        return self._write(
            lambda s: review.block_submitters(s, submission_ids=submission_ids, actor=actor)
        )

    def unblock(self, actor: Actor, *, block_id: int) -> review.BlockedSubmitter | None:
        return self._write(lambda s: review.unblock(s, block_id=block_id, actor=actor))

    def blocks(self) -> list[review.BlockedSubmitter]:
        return self._read(review.list_blocks)

    def is_blocked(self, user_id: int) -> bool:
        return self._read(lambda s: review.is_blocked(s, user_hash=self.user_hash(user_id)))

    def record_contact(self, user_id: int, *, text: str, chat_id: int) -> bool:
        return self._write(
            lambda s: review.record_contact(
                s, user_hash=self.user_hash(user_id), text=text, chat_id=chat_id
            )
        )

    def pending_deliveries(self, slug: str) -> list[Delivery]:
        return self._read(lambda s: review.pending_deliveries(s, slug=slug))

    def delivered(self, delivery: Delivery, *, sent: bool) -> None:
        """After sending (or failing to send for good) a card: forget contacts, remember who
        got it (for corrections)."""

        def fn(session: Session) -> None:
            if delivery.submission_ids:
                review.mark_delivered(session, submission_ids=delivery.submission_ids)
            if sent:
                deliveries.record_recipients(
                    session, chat_id=delivery.chat_id, slugs=[delivery.slug], lang=delivery.lang
                )

        self._write(fn)

    def record_recipients(self, chat_id: int, *, slugs: Sequence[str], lang: str) -> None:
        """For the public bot: remember that a chat was sent these cards (for corrections)."""
        self._write(
            lambda s: deliveries.record_recipients(s, chat_id=chat_id, slugs=slugs, lang=lang)
        )

    def recipients(self, slug: str) -> list[Delivery]:
        return self._read(lambda s: deliveries.recent_recipients(s, slug=slug))

    def take_announcement(self) -> review.Announcement | None:
        return self._write(review.take_announcement)

    def pending_count(self) -> int:
        return self._read(review.pending_count)

    # ---------------------------------------------------------------- import, export, stats

    def plan_import(self, debunks: Sequence[PackDebunk]) -> ImportSummary:
        return self._read(lambda s: storage.plan_import(s, entries=debunks))

    def apply_import(self, actor: Actor, debunks: Sequence[PackDebunk]) -> ImportSummary:
        """Upsert through the knowledge base (which keeps every worker's matcher in step), then
        one audit event per created or updated debunk, with its state before and after."""

        def before_of(session: Session) -> dict[str, dict[str, Any] | None]:
            updated = storage.plan_import(session, entries=debunks).updated
            if len(updated) > AUDITED_BEFORE:
                return {}
            return {slug: editing.snapshot(session, slug=slug) for slug in updated}

        before = self._read(before_of)
        summary = self.kb.import_entries(debunks)

        def audited(session: Session) -> None:
            changed = select(Debunk).where(col(Debunk.slug).in_(summary.changed))
            versions = {d.slug: d.version for d in session.exec(changed)}
            for entry in debunks:
                if entry.slug in versions:
                    audit.record(
                        session, actor=actor, action="import", slug=entry.slug,
                        version=versions[entry.slug], before=before.get(entry.slug),
                        after=entry.canonical(),
                    )  # fmt: skip

        if summary.changed:
            self._write(audited)
        return summary

    def export(self, fmt: Format) -> tuple[str, int]:
        """The base as a file's text, and how many debunks it holds (ClaimReview: published)."""
        statuses = ("published",) if fmt == "claimreview" else None
        entries = self.kb.export_entries(statuses=statuses)
        return render_export(entries, fmt=fmt), len(entries)

    def stats(self) -> statistics.Stats:
        return self._read(lambda s: statistics.collect(s))

    def titles(self, slugs: Sequence[str]) -> dict[str, DebunkCard]:
        cards = {slug: self.kb.card(slug) for slug in dict.fromkeys(slugs)}
        return {slug: card for slug, card in cards.items() if card is not None}


def _has_wording(session: Session, debunk_id: int, text: str) -> bool:
    wanted = review.queue_key(text)
    texts = session.exec(select(ClaimPhrasing.text).where(ClaimPhrasing.debunk_id == debunk_id))
    return any(review.queue_key(t) == wanted for t in texts)


__all__ = ["Change", "EditError", "LinkResult", "Moderation", "NotAllowed"]
