"""Importing and exporting the base as moderators and the command line do it: an import's plan,
the import itself with one audit event per debunk it changed (a debunk the file would make
poorer, without claim wordings it holds, is kept as it is unless told to replace it), and the
base as a file."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from sqlmodel import Session, col, select

from knowledge.db.transactions import Transactions
from knowledge.debunks import storage
from knowledge.debunks.knowledge_base import KnowledgeBase, in_batches
from knowledge.debunks.storage import ImportSummary
from knowledge.debunks.tables import Debunk
from knowledge.formats.pack import PackDebunk
from knowledge.formats.registry import Format, render_export
from knowledge.moderation import audit, editing
from knowledge.moderation.audit import Actor

AUDITED_BEFORE = 200  # imports up to this size keep the "before" of every updated debunk


class Exchange:
    def __init__(self, tx: Transactions, kb: KnowledgeBase) -> None:
        self.tx = tx
        self.kb = kb

    def plan_import(self, debunks: Sequence[PackDebunk], *, replace: bool = False) -> ImportSummary:
        """What an import would do (created, updated, unchanged, kept), writing nothing."""
        return self.tx.read(partial(_plan, debunks=debunks, replace=replace))

    def apply_import(
        self, actor: Actor, debunks: Sequence[PackDebunk], *, replace: bool = False
    ) -> ImportSummary:
        """Upsert through the knowledge base (which keeps every worker's matcher in step), then
        one audit event per created or updated debunk, with its state before and after. Without
        `replace`, the debunks the file would make poorer are left alone and listed as kept."""

        def prepare(session: Session) -> tuple[ImportSummary, dict[str, dict[str, Any] | None]]:
            plan = _plan(session, debunks=debunks, replace=replace)
            if len(plan.updated) > AUDITED_BEFORE:
                return plan, {}
            return plan, {slug: editing.snapshot(session, slug=slug) for slug in plan.updated}

        plan, before = self.tx.read(prepare)
        applied = [entry for entry in debunks if entry.slug not in plan.kept]
        summary = self.kb.import_entries(applied)
        summary.kept = plan.kept

        def audited(batch: Sequence[PackDebunk], session: Session) -> None:
            slugs = [entry.slug for entry in batch]
            changed = select(Debunk.slug, Debunk.version).where(col(Debunk.slug).in_(slugs))
            versions = dict(session.exec(changed).all())
            for entry in batch:
                audit.record(
                    session, actor=actor, action="import", slug=entry.slug,
                    version=versions[entry.slug], before=before.get(entry.slug),
                    after=entry.canonical(),
                )  # fmt: skip

        changed = set(summary.changed)
        for batch in in_batches([entry for entry in applied if entry.slug in changed]):
            self.tx.write(partial(audited, batch))  # a transaction per batch: readers go on
        return summary

    def export(self, fmt: Format) -> tuple[str, int]:
        """The base as a file's text, and how many debunks it holds (ClaimReview: published)."""
        statuses = ("published",) if fmt == "claimreview" else None
        entries = self.kb.export_entries(statuses=statuses)
        return render_export(entries, fmt=fmt), len(entries)


def _plan(session: Session, *, debunks: Sequence[PackDebunk], replace: bool) -> ImportSummary:
    """The storage's plan; unless `replace`, an update that would drop claim wordings the base
    holds becomes "kept": a file exported before moderators added wordings (or a partial one)
    must not quietly undo their work."""
    summary = storage.plan_import(session, entries=debunks)
    if not replace:
        summary.kept, summary.dropping = summary.dropping, {}
        summary.updated = [slug for slug in summary.updated if slug not in summary.kept]
    return summary
