"""Moderators' use cases on the glossary: listing, adding and removing the groups of ru/kk/en
equivalents that join the shipped glossary (knowledge.debunks.terms).  Every change is audited and
reaches every worker's matcher at once (`KnowledgeBase.reload_glossary`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from knowledge.db.transactions import Transactions
from knowledge.debunks import terms
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.debunks.terms import TermGroup
from knowledge.moderation import audit
from knowledge.moderation.audit import Actor


class Terms:
    def __init__(self, tx: Transactions, kb: KnowledgeBase) -> None:
        self.tx = tx
        self.kb = kb

    def groups(self) -> Sequence[TermGroup]:
        return self.tx.read(terms.term_groups)

    def add(self, actor: Actor, text: str) -> TermGroup:
        """Store the group written in ``text``; TermError (one line) when it cannot be."""
        words = terms.parse_group(text)

        def write(session: Session) -> TermGroup:
            row = terms.add_term_group(session, words=words, added_by=actor.user_id)
            audit.record(session, actor=actor, action="term.add", after={"id": row.id, **words})
            return row

        row = self.tx.write(write)
        self.kb.reload_glossary()
        return row

    def remove(self, actor: Actor, group_id: int) -> TermGroup | None:
        """Delete a stored group; None when there is none of that number."""

        def write(session: Session) -> TermGroup | None:
            row = terms.remove_term_group(session, group_id=group_id)
            if row is not None:
                audit.record(
                    session, actor=actor, action="term.remove", before={"id": row.id, **row.words}
                )
            return row

        row = self.tx.write(write)
        if row is not None:
            self.kb.reload_glossary()
        return row
