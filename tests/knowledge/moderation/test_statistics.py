"""/stats from the check log and the votes."""

from __future__ import annotations

from datetime import timedelta

from knowledge.audience.check_log import CheckRecord
from knowledge.audience.votes import FeedbackVote
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.debunks.tables import utcnow
from knowledge.moderation.service import Moderation
from tests.e2e.pack import BIOLABS, FIVE_G


def test_statistics(service: Moderation, kb: KnowledgeBase) -> None:
    now = utcnow()
    with kb.session() as session:
        for verdict, slug, days in [
            ("match", FIVE_G, 0), ("match", FIVE_G, 3), ("possible", BIOLABS, 0),
            ("none", None, 10), ("shown", BIOLABS, 1), ("none", None, 40),
        ]:  # fmt: skip
            session.add(CheckRecord(source="private", verdict=verdict, slug=slug, lang="ru",
                                    created_at=now - timedelta(days=days)))  # fmt: skip
        session.add(FeedbackVote(slug=FIVE_G, user_hash="a", vote=1))
        session.add(FeedbackVote(slug=FIVE_G, user_hash="b", vote=-1))
        session.commit()
    stats = service.statistics.stats()
    assert (stats.today, stats.week, stats.month) == (2, 3, 4)
    assert stats.verdicts == {"match": 2, "possible": 1, "none": 1}
    assert stats.top == [(FIVE_G, 2), (BIOLABS, 1)]
    assert [(f.slug, f.up, f.down) for f in stats.feedback] == [(FIVE_G, 1, 1)]
    assert len(stats.daily) == 30 and stats.daily[-1].match == 1 and stats.daily[-1].possible == 1
    assert sum(d.total for d in stats.daily) == 4
