"""Channel digest subscriptions on both databases: what a digest holds, one claim per due
digest however many workers ask, a failed post carried into the next attempt, retired never."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, col

from bot.bootstrap import open_knowledge
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.debunks.tables import Debunk
from knowledge.formats.pack import parse_pack
from knowledge.newsroom import digests
from knowledge.settings import Settings

CHANNEL = -100555
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def kb(database_url: str) -> Iterator[KnowledgeBase]:
    settings = Settings(_env_file=None, database_url=database_url, semantic=False)  # type: ignore[call-arg]
    base = open_knowledge(settings)
    yield base
    base.close()


def add(kb: KnowledgeBase, slug: str, *, at: datetime, status: str = "published") -> None:
    entry = {
        "slug": slug,
        "verdict": "false",
        "title": {"en": slug.replace("-", " ")},
        "disproof": {"en": "No."},
        "claims": [{"lang": "en", "text": slug.replace("-", " ")}],
        "status": status,
    }
    kb.import_entries(parse_pack({"format": "debunk-pack/1", "debunks": [entry]}).debunks)
    with kb.session() as session:
        session.execute(update(Debunk).where(col(Debunk.slug) == slug).values(updated_at=at))
        session.commit()


def subscribe(kb: KnowledgeBase, frequency: str = "daily") -> None:
    with kb.session() as session:
        digests.subscribe(session, chat_id=CHANNEL, title="News", frequency=frequency,
                          lang="ru", now=START)  # fmt: skip
        session.commit()


def claim(kb: KnowledgeBase, now: datetime) -> digests.Digest | None:
    with kb.session() as session:
        digest = digests.claim(session, chat_id=CHANNEL, now=now)
        session.commit()
    return digest


def test_a_digest_lists_published_debunks_changed_since_the_last_one(kb: KnowledgeBase) -> None:
    add(kb, "before-subscribing", at=START - timedelta(hours=1))
    subscribe(kb)
    add(kb, "new-one", at=START + timedelta(hours=2))
    add(kb, "retired-one", at=START + timedelta(hours=3), status="retired")
    assert claim(kb, START + timedelta(hours=23)) is None  # not due yet
    digest = claim(kb, START + timedelta(days=1))
    assert digest is not None and [c.slug for c in digest.cards] == ["new-one"]
    with kb.session() as session:
        digests.posted(session, digest=digest, now=START + timedelta(days=1))
        session.commit()
    add(kb, "next-day", at=START + timedelta(days=1, hours=1))
    second = claim(kb, START + timedelta(days=2))
    assert second is not None and [c.slug for c in second.cards] == ["next-day"]


def test_a_due_digest_is_claimed_once_however_many_workers_ask(kb: KnowledgeBase) -> None:
    subscribe(kb)
    now = START + timedelta(days=1)
    with Session(kb.engine) as first, Session(kb.engine) as second:
        taken = [digests.claim(first, chat_id=CHANNEL, now=now)]
        first.commit()
        taken.append(digests.claim(second, chat_id=CHANNEL, now=now))
        second.commit()
    assert [d is not None for d in taken] == [True, False]
    with kb.session() as session:
        assert digests.due(session, now=now) == []  # claimed: not offered again
        # a worker that died holding the claim frees it after a while
        later = now + digests.CLAIM_EXPIRES + timedelta(seconds=1)
        assert digests.due(session, now=later) == [CHANNEL]


def test_a_failed_post_is_tried_again_with_the_same_debunks(kb: KnowledgeBase) -> None:
    subscribe(kb, "weekly")
    add(kb, "waiting", at=START + timedelta(days=1))
    due = START + timedelta(days=7)
    digest = claim(kb, due)
    assert digest is not None and [c.slug for c in digest.cards] == ["waiting"]
    with kb.session() as session:
        wait = digests.failed(session, chat_id=CHANNEL, now=due)
        session.commit()
    assert wait == digests.FIRST_RETRY
    assert claim(kb, due + timedelta(minutes=1)) is None  # not before the retry is due
    again = claim(kb, due + wait)
    assert again is not None and [c.slug for c in again.cards] == ["waiting"]


def test_off_ends_the_subscription(kb: KnowledgeBase) -> None:
    subscribe(kb)
    with kb.session() as session:
        assert digests.unsubscribe(session, chat_id=CHANNEL)
        session.commit()
        assert not digests.unsubscribe(session, chat_id=CHANNEL)
    assert claim(kb, START + timedelta(days=30)) is None
