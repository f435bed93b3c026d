"""Imports by moderators: one audit event per debunk changed, with what changed."""

from __future__ import annotations

from sqlmodel import select

from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.moderation.audit import AuditEvent
from knowledge.moderation.service import Moderation
from tests.e2e.pack import BIOLABS, pack_entries
from tests.knowledge.moderation.support import ALICE


def test_import_is_audited_per_debunk(service: Moderation, kb: KnowledgeBase) -> None:
    entries = pack_entries()
    changed = entries[0].model_copy(update={"verdict": "misleading"})
    summary = service.exchange.apply_import(ALICE, [changed, *entries[1:]])
    assert (summary.updated, len(summary.unchanged)) == ([BIOLABS], 3)
    with kb.session() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "import")).one()
    assert event.before == {"verdict": "false"} and event.after == {"verdict": "misleading"}
    assert event.version == 2
