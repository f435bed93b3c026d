"""Changing a debunk through the moderators' services on SQLite and PostgreSQL: version-checked
edits, refused changes that write nothing, the matcher kept in step, the audit log."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import select

from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.moderation import editing
from knowledge.moderation.audit import Actor
from knowledge.moderation.editing import EditError, StaleEdit
from knowledge.moderation.service import Moderation
from tests.e2e.pack import BAIKONUR, BIOLABS, FIVE_G
from tests.knowledge.moderation.support import ALICE, BOB


def test_an_edit_against_an_old_version_is_refused_naming_who_changed_it(
    service: Moderation,
) -> None:
    first = service.debunks.change(
        editing.set_text, slug=BIOLABS, field="disproof", lang="en", text="New disproof.",
        actor=ALICE, expected_version=1,
    )  # fmt: skip
    assert first.version == 2 and first.corrects_card
    with pytest.raises(StaleEdit) as refused:
        service.debunks.change(
            editing.set_text, slug=BIOLABS, field="title", lang="en", text="Bob's title",
            actor=BOB, expected_version=1,
        )  # fmt: skip
    assert (refused.value.by, refused.value.current, refused.value.expected) == ("Alice", 2, 1)
    card = service.debunks.card(BIOLABS)
    assert card is not None and card.version == 2 and card.titles["en"] != "Bob's title"


def test_concurrent_edits_of_one_version_let_exactly_one_through(service: Moderation) -> None:
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def edit(number: int) -> None:
        start.wait()
        try:
            service.debunks.change(
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
    card = service.debunks.card(FIVE_G)
    assert card is not None and card.version == 2


def test_a_refused_change_writes_nothing(service: Moderation, kb: KnowledgeBase) -> None:
    with pytest.raises(EditError) as duplicate:
        service.debunks.change(
            editing.add_wording,
            slug=FIVE_G,
            text="  5G TOWERS spread the coronavirus ",
            actor=ALICE,
        )
    assert duplicate.value.code == "duplicate"
    card = service.debunks.card(FIVE_G)
    assert card is not None and len(card.claims) == 2
    only = next(iter(card.claims)).text
    for claim in list(card.claims)[1:]:
        wording_id = _wording_id(kb, claim.text)
        service.debunks.change(
            editing.remove_child, slug=FIVE_G, kind="wording", child_id=wording_id, actor=ALICE,
            expected_version=None,
        )  # fmt: skip
    with pytest.raises(EditError) as last:
        service.debunks.change(
            editing.remove_child, slug=FIVE_G, kind="wording", child_id=_wording_id(kb, only),
            actor=ALICE, expected_version=None,
        )  # fmt: skip
    assert last.value.code == "invalid" and "claims" in last.value.details["where"]
    card = service.debunks.card(FIVE_G)
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
    service.debunks.change(editing.add_wording, slug=BAIKONUR, text=wording, actor=ALICE)
    assert kb.check(wording).matches[0].slug == BAIKONUR
    assert kb.check(wording).verdict == "match"
    service.debunks.change(editing.set_status, slug=BAIKONUR, status="retired", actor=ALICE)
    assert BAIKONUR not in kb.matcher
    service.debunks.change(editing.set_status, slug=BAIKONUR, status="published", actor=ALICE)
    assert kb.check(wording).matches[0].slug == BAIKONUR


def test_the_audit_log_keeps_what_changed_before_and_after(
    service: Moderation, kb: KnowledgeBase
) -> None:
    service.debunks.change(editing.set_verdict, slug=FIVE_G, verdict="misleading", actor=ALICE,
                   expected_version=1)  # fmt: skip
    service.debunks.change(editing.set_tags, slug=FIVE_G, tags=["5g", "health"], actor=BOB,
                   expected_version=2)  # fmt: skip
    events = service.debunks.history(FIVE_G)
    assert [(e.action, e.actor_name, e.version) for e in events] == [
        ("edit-tags", "Bob", 3),
        ("edit-verdict", "Alice", 2),
    ]
    assert (events[1].before, events[1].after) == ({"verdict": "false"}, {"verdict": "misleading"})
    assert (events[0].before, events[0].after) == ({"tags": []}, {"tags": ["5g", "health"]})
