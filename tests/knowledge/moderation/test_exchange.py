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


def test_an_import_keeps_a_richer_debunk_unless_told_to_replace_it(
    service: Moderation, kb: KnowledgeBase
) -> None:
    biolabs, *others = pack_entries()
    stored = len(biolabs.claims)
    assert stored > 1
    poorer = biolabs.model_copy(update={"claims": biolabs.claims[:1], "tags": ["edited"]})
    fresh = others[0].model_copy(update={"slug": "a-new-debunk-from-the-file"})

    plan = service.exchange.plan_import([poorer, fresh])
    assert (plan.created, plan.updated, plan.kept) == (
        ["a-new-debunk-from-the-file"],
        [],
        {BIOLABS: (stored - 1, stored)},
    )
    summary = service.exchange.apply_import(ALICE, [poorer, fresh])
    assert summary.kept == {BIOLABS: (stored - 1, stored)} and summary.updated == []
    card = kb.card(BIOLABS)
    assert card is not None and len(card.claims) == stored and card.version == 1
    assert "a-new-debunk-from-the-file" in kb.matcher  # the rest of the file was imported
    with kb.session() as session:
        audited = session.exec(select(AuditEvent.slug).where(AuditEvent.action == "import")).all()
    assert audited == ["a-new-debunk-from-the-file"]

    assert service.exchange.plan_import([poorer], replace=True).updated == [BIOLABS]
    summary = service.exchange.apply_import(ALICE, [poorer], replace=True)
    assert (summary.updated, summary.kept) == ([BIOLABS], {})
    card = kb.card(BIOLABS)
    assert card is not None and len(card.claims) == 1 and card.version == 2
