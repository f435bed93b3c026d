"""Cards sent to readers, remembered for corrections for thirty days and then purged."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from knowledge.audience.service import Audience, CardsSent
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.debunks.tables import utcnow
from knowledge.moderation.deliveries import CardRecipient
from knowledge.moderation.service import Moderation
from tests.e2e.pack import FIVE_G


def test_recipients_are_kept_thirty_days(service: Moderation, kb: KnowledgeBase) -> None:
    with kb.session() as session:
        session.add(CardRecipient(slug=FIVE_G, chat_id=8, lang="ru",
                                  sent_at=utcnow() - timedelta(days=31)))  # fmt: skip
        session.commit()
    audience = Audience(kb.engine, secret="s")
    audience.record(sent=CardsSent(7, (FIVE_G, FIVE_G), "kk"))
    audience.record(sent=CardsSent(7, (FIVE_G,), "en"))
    assert [(r.chat_id, r.lang) for r in service.queue.recipients(FIVE_G)] == [(7, "en")]
    with kb.session() as session:
        assert {r.chat_id for r in session.exec(select(CardRecipient))} == {7, 8}
    audience.purge(days=90)  # the bot's daily retention clean-up
    with kb.session() as session:
        assert {r.chat_id for r in session.exec(select(CardRecipient))} == {7}  # 8 purged
