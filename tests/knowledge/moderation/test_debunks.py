"""Creating a debunk from a moderator's finished draft: the queue items it answers are linked
and their senders get the card."""

from __future__ import annotations

import pytest
from sqlmodel import select

from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.moderation.deliveries import CardRecipient, SubmitterContact
from knowledge.moderation.drafts import DraftDebunk
from knowledge.moderation.editing import EditError
from knowledge.moderation.service import Moderation
from tests.knowledge.moderation.support import ALICE, submit


def test_a_finished_draft_becomes_a_debunk_and_answers_its_submissions(
    service: Moderation, kb: KnowledgeBase
) -> None:
    first = submit(kb, 500, "Дачи пенсионеров конфискуют", lang="ru", ago=5)
    second = submit(kb, 501, "дачи  пенсионеров конфискуют")
    contacts = [(first, 500), (second, 501)]
    for sub_id, chat in contacts:
        with kb.session() as session:
            session.add(SubmitterContact(submission_id=sub_id, chat_id=chat))
            session.commit()
    draft = DraftDebunk(
        claim="Дачи пенсионеров конфискуют", lang="ru", verdict="false",
        titles={"ru": "Дачи конфискуют"}, disproofs={"ru": "Такого закона нет."},
        sources=[{"url": "https://factcheck.kz/d", "title": "FC"}], submission_ids=[first],
    )  # fmt: skip
    service.desks.save_draft(ALICE.user_id, draft)
    change = service.debunks.create(draft, status="published", actor=ALICE)
    assert change.slug == "dachi-konfiskuyut" and change.status == "published"
    assert service.desks.draft(ALICE.user_id) is None
    deliveries = service.queue.pending_deliveries(change.slug)
    assert sorted(d.chat_id for d in deliveries) == [500, 501]
    assert {d.lang for d in deliveries} == {"ru", "en"}
    for delivery in deliveries:
        service.queue.delivered(delivery, sent=True)
    assert service.queue.pending_deliveries(change.slug) == []
    with kb.session() as session:
        assert session.exec(select(SubmitterContact)).all() == []
        assert len(session.exec(select(CardRecipient)).all()) == 2
    assert sorted(r.chat_id for r in service.queue.recipients(change.slug)) == [500, 501]


def test_an_incomplete_draft_is_refused(service: Moderation) -> None:
    draft = DraftDebunk(claim="x claim", lang="en", verdict="false", titles={"en": "T"})
    with pytest.raises(EditError) as refused:
        service.debunks.create(draft, status="published", actor=ALICE)
    assert refused.value.code == "invalid"
