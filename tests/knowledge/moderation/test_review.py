"""The review queue on SQLite and PostgreSQL: groups of identical texts, linking and dismissing,
blocks by keyed hash, announcements claimed once."""

from __future__ import annotations

from knowledge.audience.pseudonyms import keyed_hash
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.moderation.service import Moderation
from tests.e2e.pack import BAIKONUR
from tests.knowledge.moderation.support import ALICE, SECRET, submit


def test_the_queue_groups_identical_texts_oldest_first(
    service: Moderation, kb: KnowledgeBase
) -> None:
    later = submit(kb, 1, "Second rumour", ago=1)
    first = submit(kb, 2, "First rumour", ago=10)
    again = submit(kb, 3, "  FIRST   rumour ", ago=2)
    groups = service.queue.queue()
    assert [g.ids for g in groups] == [(first, again), (later,)]
    assert service.queue.group(again) == groups[0]
    result = service.queue.link(ALICE, submission_id=again, slug=BAIKONUR, add_wording=True)
    assert result is not None and (result.linked, result.wording_added) == (2, True)
    assert service.queue.group(first) is None
    assert service.queue.link(ALICE, submission_id=first, slug=BAIKONUR, add_wording=True) is None
    card = service.debunks.card(BAIKONUR)
    assert card is not None and "First rumour" in [c.text for c in card.claims]


def test_spam_blocks_by_keyed_hash_and_unblock_reverses(
    service: Moderation, kb: KnowledgeBase
) -> None:
    spam = submit(kb, 66, "BUY NOW")
    submit(kb, 67, "buy now")
    group = service.queue.dismiss(ALICE, submission_id=spam, reason="spam")
    assert group is not None and group.count == 2
    assert service.queue.block(ALICE, submission_ids=service.queue.spam_senders(spam)) == 2
    assert (
        service.queue.is_blocked(66)
        and service.queue.is_blocked(67)
        and not service.queue.is_blocked(68)
    )
    blocks = service.queue.blocks()
    assert {b.user_hash for b in blocks} == {keyed_hash(SECRET, 66), keyed_hash(SECRET, 67)}
    assert service.queue.unblock(ALICE, block_id=blocks[0].id or 0) is not None
    assert len(service.queue.blocks()) == 1


def test_announcements_are_claimed_once(service: Moderation, kb: KnowledgeBase) -> None:
    assert service.queue.take_announcement() is None
    submit(kb, 1, "one")
    submit(kb, 2, "two")
    news = service.queue.take_announcement()
    assert news is not None and (news.new, news.pending) == (2, 2)
    assert service.queue.take_announcement() is None
    submit(kb, 3, "three")
    news = service.queue.take_announcement()
    assert news is not None and (news.new, news.pending, news.samples) == (1, 3, ("three",))
