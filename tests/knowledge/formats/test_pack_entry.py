"""One debunk → `debunk-pack/1` entry for every reader of it (knowledge.formats.pack.pack_entry):
export, the import's comparison and the audit log's before/after all equal what was imported."""

from __future__ import annotations

from knowledge.debunks import storage
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.moderation import editing
from tests.e2e.pack import pack_entries


def test_a_stored_debunk_reads_back_as_the_entry_it_was_imported_from(kb: KnowledgeBase) -> None:
    imported = {entry.slug: entry.canonical() for entry in pack_entries()}
    exported = {entry["slug"]: entry for entry in kb.export_entries()}
    assert exported == imported
    with kb.session() as session:
        snapshots = {slug: editing.snapshot(session, slug=slug) for slug in imported}
        plan = storage.plan_import(session, entries=pack_entries())
    assert snapshots == imported
    assert sorted(plan.unchanged) == sorted(imported) and not plan.changed
