"""The moderators' services, one per use case, each call one short transaction: roles, the
base's debunks, the review queue, import and export, statistics, each moderator's desk, and the
glossary's terms.

Every method blocks on the database: async callers run them with `asyncio.to_thread`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from knowledge.db.transactions import Transactions
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.moderation.debunks import Debunks
from knowledge.moderation.drafts import Desks
from knowledge.moderation.exchange import Exchange
from knowledge.moderation.review import ReviewQueue
from knowledge.moderation.roles import Roles
from knowledge.moderation.statistics import Statistics
from knowledge.moderation.terms import Terms


@dataclass(frozen=True)
class Moderation:
    roles: Roles
    debunks: Debunks
    queue: ReviewQueue
    exchange: Exchange
    statistics: Statistics
    desks: Desks
    terms: Terms

    @classmethod
    def compose(cls, kb: KnowledgeBase, *, owner_ids: Collection[int], secret: str) -> Moderation:
        tx = Transactions(kb.engine)
        return cls(
            roles=Roles(tx, owner_ids=owner_ids),
            debunks=Debunks(tx, kb),
            queue=ReviewQueue(tx, kb, secret=secret),
            exchange=Exchange(tx, kb),
            statistics=Statistics(tx, kb),
            desks=Desks(tx),
            terms=Terms(tx, kb),
        )
