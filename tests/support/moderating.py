"""A moderator's change in tests, made as the bot makes it (without going through Telegram)."""

from __future__ import annotations

from typing import Any

from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.moderation.audit import SHELL


def moderate(kb: KnowledgeBase, edit: Any, **kwargs: Any) -> None:
    """A moderator's change as the bot makes it: one transaction, then the index refreshed."""
    with kb.session() as session:
        change = edit(session, actor=SHELL, expected_version=None, **kwargs)
        session.commit()
    kb.refresh(change.slug)
