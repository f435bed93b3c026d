"""Who acts in the moderation tests, and a reader's submission put straight into the queue."""

from __future__ import annotations

from datetime import timedelta

from knowledge.audience.pseudonyms import keyed_hash
from knowledge.audience.submissions import Submission
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.debunks.tables import utcnow
from knowledge.moderation.audit import Actor

OWNER_ID = 1
ALICE = Actor(10, "Alice")
BOB = Actor(11, "Bob")
SECRET = "unit-secret"


def submit(kb: KnowledgeBase, user_id: int, text: str, *, lang: str = "en", ago: int = 0) -> int:
    with kb.session() as session:
        row = Submission(
            user_hash=keyed_hash(SECRET, user_id), lang=lang, text=text,
            created_at=utcnow() - timedelta(minutes=ago),
        )  # fmt: skip
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id
