"""The moderators' service on a real database (SQLite and PostgreSQL): version-checked edits, the
audit log, drafts becoming debunks, the queue, blocks and deliveries, imports, statistics."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from knowledge.audience.service import Audience
from knowledge.audience.tables import CheckRecord, FeedbackVote, Submission, keyed_hash
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.debunks.tables import utcnow
from knowledge.matching.matcher import Matcher
from knowledge.moderation import editing
from knowledge.moderation.audit import Actor, AuditEvent
from knowledge.moderation.deliveries import CardRecipient, SubmitterContact
from knowledge.moderation.drafts import DraftDebunk
from knowledge.moderation.editing import EditError, StaleEdit
from knowledge.moderation.service import Moderation, NotAllowed
from tests.e2e.pack import BAIKONUR, BIOLABS, FIVE_G, pack_entries

OWNER_ID = 1
ALICE = Actor(10, "Alice")
BOB = Actor(11, "Bob")
SECRET = "unit-secret"


@pytest.fixture
def kb(database_url: str) -> Iterator[KnowledgeBase]:
    base = KnowledgeBase.open(database_url, matcher=Matcher())
    base.import_entries(pack_entries())
    yield base
    base.close()


@pytest.fixture
def service(kb: KnowledgeBase) -> Moderation:
    return Moderation(kb, owner_ids={OWNER_ID}, secret=SECRET)


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


def test_an_edit_against_an_old_version_is_refused_naming_who_changed_it(
    service: Moderation,
) -> None:
    first = service.change(
        editing.set_text, slug=BIOLABS, field="disproof", lang="en", text="New disproof.",
        actor=ALICE, expected_version=1,
    )  # fmt: skip
    assert first.version == 2 and first.corrects_card
    with pytest.raises(StaleEdit) as refused:
        service.change(
            editing.set_text, slug=BIOLABS, field="title", lang="en", text="Bob's title",
            actor=BOB, expected_version=1,
        )  # fmt: skip
    assert (refused.value.by, refused.value.current, refused.value.expected) == ("Alice", 2, 1)
    card = service.card(BIOLABS)
    assert card is not None and card.version == 2 and card.titles["en"] != "Bob's title"


def test_concurrent_edits_of_one_version_let_exactly_one_through(service: Moderation) -> None:
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def edit(number: int) -> None:
        start.wait()
        try:
            service.change(
                editing.set_text, slug=FIVE_G, field="title", lang="en", text=f"Title {number}",
                actor=Actor(100 + number, f"Editor {number}"), expected_version=1,
            )  # fmt: skip
            outcomes.append("saved")
        except StaleEdit:
            outcomes.append("stale")

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["saved", "stale", "stale", "stale"]
    card = service.card(FIVE_G)
    assert card is not None and card.version == 2


def test_a_refused_change_writes_nothing(service: Moderation, kb: KnowledgeBase) -> None:
    with pytest.raises(EditError) as duplicate:
        service.change(
            editing.add_wording,
            slug=FIVE_G,
            text="  5G TOWERS spread the coronavirus ",
            actor=ALICE,
        )
    assert duplicate.value.code == "duplicate"
    card = service.card(FIVE_G)
    assert card is not None and len(card.claims) == 2
    only = next(iter(card.claims)).text
    for claim in list(card.claims)[1:]:
        wording_id = _wording_id(kb, claim.text)
        service.change(
            editing.remove_child, slug=FIVE_G, kind="wording", child_id=wording_id, actor=ALICE,
            expected_version=None,
        )  # fmt: skip
    with pytest.raises(EditError) as last:
        service.change(
            editing.remove_child, slug=FIVE_G, kind="wording", child_id=_wording_id(kb, only),
            actor=ALICE, expected_version=None,
        )  # fmt: skip
    assert last.value.code == "invalid" and "claims" in last.value.details["where"]
    card = service.card(FIVE_G)
    assert card is not None and card.version == 2 and [c.text for c in card.claims] == [only]


def _wording_id(kb: KnowledgeBase, text: str) -> int:
    from knowledge.debunks.tables import ClaimPhrasing

    with kb.session() as session:
        row = session.exec(select(ClaimPhrasing).where(ClaimPhrasing.text == text)).one()
        assert row.id is not None
        return row.id


def test_every_change_reaches_matching_at_once(service: Moderation, kb: KnowledgeBase) -> None:
    wording = "Пекин теперь владеет стартовой площадкой в степи"
    assert kb.check(wording).verdict != "match"
    service.change(editing.add_wording, slug=BAIKONUR, text=wording, actor=ALICE)
    assert kb.check(wording).matches[0].slug == BAIKONUR
    assert kb.check(wording).verdict == "match"
    service.change(editing.set_status, slug=BAIKONUR, status="retired", actor=ALICE)
    assert BAIKONUR not in kb.matcher
    service.change(editing.set_status, slug=BAIKONUR, status="published", actor=ALICE)
    assert kb.check(wording).matches[0].slug == BAIKONUR


def test_the_audit_log_keeps_what_changed_before_and_after(
    service: Moderation, kb: KnowledgeBase
) -> None:
    service.change(editing.set_verdict, slug=FIVE_G, verdict="misleading", actor=ALICE,
                   expected_version=1)  # fmt: skip
    service.change(editing.set_tags, slug=FIVE_G, tags=["5g", "health"], actor=BOB,
                   expected_version=2)  # fmt: skip
    events = service.history(FIVE_G)
    assert [(e.action, e.actor_name, e.version) for e in events] == [
        ("edit-tags", "Bob", 3),
        ("edit-verdict", "Alice", 2),
    ]
    assert (events[1].before, events[1].after) == ({"verdict": "false"}, {"verdict": "misleading"})
    assert (events[0].before, events[0].after) == ({"tags": []}, {"tags": ["5g", "health"]})


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
    service.save_draft(ALICE.user_id, draft)
    change = service.create(draft, status="published", actor=ALICE)
    assert change.slug == "dachi-konfiskuyut" and change.status == "published"
    assert service.draft(ALICE.user_id) is None
    deliveries = service.pending_deliveries(change.slug)
    assert sorted(d.chat_id for d in deliveries) == [500, 501]
    assert {d.lang for d in deliveries} == {"ru", "en"}
    for delivery in deliveries:
        service.delivered(delivery, sent=True)
    assert service.pending_deliveries(change.slug) == []
    with kb.session() as session:
        assert session.exec(select(SubmitterContact)).all() == []
        assert len(session.exec(select(CardRecipient)).all()) == 2
    assert sorted(r.chat_id for r in service.recipients(change.slug)) == [500, 501]


def test_an_incomplete_draft_is_refused(service: Moderation) -> None:
    draft = DraftDebunk(claim="x claim", lang="en", verdict="false", titles={"en": "T"})
    with pytest.raises(EditError) as refused:
        service.create(draft, status="published", actor=ALICE)
    assert refused.value.code == "invalid"


def test_the_queue_groups_identical_texts_oldest_first(
    service: Moderation, kb: KnowledgeBase
) -> None:
    later = submit(kb, 1, "Second rumour", ago=1)
    first = submit(kb, 2, "First rumour", ago=10)
    again = submit(kb, 3, "  FIRST   rumour ", ago=2)
    groups = service.queue()
    assert [g.ids for g in groups] == [(first, again), (later,)]
    assert service.group(again) == groups[0]
    result = service.link(ALICE, submission_id=again, slug=BAIKONUR, add_wording=True)
    assert result is not None and (result.linked, result.wording_added) == (2, True)
    assert service.group(first) is None
    assert service.link(ALICE, submission_id=first, slug=BAIKONUR, add_wording=True) is None
    card = service.card(BAIKONUR)
    assert card is not None and "First rumour" in [c.text for c in card.claims]


def test_spam_blocks_by_keyed_hash_and_unblock_reverses(
    service: Moderation, kb: KnowledgeBase
) -> None:
    spam = submit(kb, 66, "BUY NOW")
    submit(kb, 67, "buy now")
    group = service.dismiss(ALICE, submission_id=spam, reason="spam")
    assert group is not None and group.count == 2
    assert service.block(ALICE, submission_ids=service.spam_senders(spam)) == 2
    assert service.is_blocked(66) and service.is_blocked(67) and not service.is_blocked(68)
    blocks = service.blocks()
    assert {b.user_hash for b in blocks} == {keyed_hash(SECRET, 66), keyed_hash(SECRET, 67)}
    assert service.unblock(ALICE, block_id=blocks[0].id or 0) is not None
    assert len(service.blocks()) == 1


def test_announcements_are_claimed_once(service: Moderation, kb: KnowledgeBase) -> None:
    assert service.take_announcement() is None
    submit(kb, 1, "one")
    submit(kb, 2, "two")
    news = service.take_announcement()
    assert news is not None and (news.new, news.pending) == (2, 2)
    assert service.take_announcement() is None
    submit(kb, 3, "three")
    news = service.take_announcement()
    assert news is not None and (news.new, news.pending, news.samples) == (1, 3, ("three",))


def test_roles_are_checked_against_the_stored_role(service: Moderation) -> None:
    assert service.role(OWNER_ID) == "owner"
    service.grant(Actor(OWNER_ID), user_id=20, role="admin", name="Admin")
    service.grant(Actor(20), user_id=21, role="editor")
    with pytest.raises(NotAllowed):
        service.grant(Actor(20), user_id=22, role="admin")
    with pytest.raises(NotAllowed):
        service.grant(Actor(21), user_id=22, role="editor")
    with pytest.raises(NotAllowed):
        service.revoke(Actor(20), user_id=OWNER_ID)
    assert service.role(21, name="Editor Name") == "editor"
    assert [m.name for m in service.moderators()] == ["Admin", "Editor Name"]
    service.revoke(Actor(20), user_id=21)
    assert service.role(21) is None


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
    stats = service.stats()
    assert (stats.today, stats.week, stats.month) == (2, 3, 4)
    assert stats.verdicts == {"match": 2, "possible": 1, "none": 1}
    assert stats.top == [(FIVE_G, 2), (BIOLABS, 1)]
    assert [(f.slug, f.up, f.down) for f in stats.feedback] == [(FIVE_G, 1, 1)]
    assert len(stats.daily) == 30 and stats.daily[-1].match == 1 and stats.daily[-1].possible == 1
    assert sum(d.total for d in stats.daily) == 4


def test_import_is_audited_per_debunk(service: Moderation, kb: KnowledgeBase) -> None:
    entries = pack_entries()
    changed = entries[0].model_copy(update={"verdict": "misleading"})
    summary = service.apply_import(ALICE, [changed, *entries[1:]])
    assert (summary.updated, len(summary.unchanged)) == ([BIOLABS], 3)
    with kb.session() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "import")).one()
    assert event.before == {"verdict": "false"} and event.after == {"verdict": "misleading"}
    assert event.version == 2


def test_recipients_are_kept_thirty_days(service: Moderation, kb: KnowledgeBase) -> None:
    with kb.session() as session:
        session.add(CardRecipient(slug=FIVE_G, chat_id=8, lang="ru",
                                  sent_at=utcnow() - timedelta(days=31)))  # fmt: skip
        session.commit()
    service.record_recipients(7, slugs=[FIVE_G, FIVE_G], lang="kk")
    service.record_recipients(7, slugs=[FIVE_G], lang="en")
    assert [(r.chat_id, r.lang) for r in service.recipients(FIVE_G)] == [(7, "en")]
    with kb.session() as session:
        assert {r.chat_id for r in session.exec(select(CardRecipient))} == {7, 8}
    Audience(kb.engine, secret="s").purge(days=90)  # the bot's daily retention clean-up
    with kb.session() as session:
        assert {r.chat_id for r in session.exec(select(CardRecipient))} == {7}  # 8 purged
