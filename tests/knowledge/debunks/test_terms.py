"""Glossary terms moderators add: checked as written, stored, audited, and read by the matcher at
once, so a message in one language meets a debunk written only in another."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from handlers.moderation.terms_views import problem_text
from knowledge.debunks import terms
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.debunks.terms import TermError, parse_group
from knowledge.formats.pack import PackDebunk
from knowledge.matching.matcher import Matcher
from knowledge.moderation.audit import Actor, AuditEvent
from knowledge.moderation.service import Moderation

EDITOR = Actor(7001, "Editor")
MEASLES = PackDebunk.model_validate(
    {
        "slug": "measles-vaccine-infertility",
        "verdict": "false",
        "title": {"ru": "Прививка от кори вызывает бесплодие"},
        "disproof": {"ru": "Ни одно исследование этого не показало."},
        "claims": [{"lang": "ru", "text": "Детская прививка вызывает бесплодие у девочек"}],
    }
)
KAZAKH_MESSAGE = "Қызылшаға қарсы екпе бедеулік тудырады"  # the measles jab causes infertility
GROUPS = (
    "ru: прививка, вакцина; kk: екпе, вакцина; en: vaccine",
    "ru: бесплодие\nkk: бедеулік\nen: infertility",
    "ru: корь; kk: қызылша; en: measles",
)


@pytest.fixture
def kb(tmp_path: Path) -> Iterator[KnowledgeBase]:
    base = KnowledgeBase.open(f"sqlite:///{tmp_path / 'terms.db'}", matcher=Matcher())
    base.import_entries([MEASLES])
    yield base
    base.close()


@pytest.fixture
def moderation(kb: KnowledgeBase) -> Moderation:
    return Moderation.compose(kb, owner_ids=(), secret="s" * 32)


def offered(kb: KnowledgeBase, text: str) -> bool:
    result = kb.check(text)
    return result.verdict != "none" and result.matches[0].slug == MEASLES.slug


def test_a_group_is_read_language_by_language() -> None:
    assert parse_group(GROUPS[0]) == {
        "ru": ["прививка", "вакцина"],
        "kk": ["екпе", "вакцина"],
        "en": ["vaccine"],
    }
    assert parse_group("EN: COVID-19 ;; ru: ковид, ковид") == {"en": ["COVID-19"], "ru": ["ковид"]}


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("прививка, вакцина", "language", "Start each part with its language"),
        ("de: Impfung; ru: прививка", "language", "(not de: Impfung)"),
        ("ru: прививка; ru: вакцина", "twice", "ru: is given twice"),
        ("ru: ; en: vaccine", "empty", "ru: lists no word"),
        ("ru: " + ", ".join(f"слово{i}" for i in range(9)), "too-many", "at most 8"),
        ("ru: детская прививка; en: vaccine", "not-a-word", "детская прививка is not one word"),
        ("ru: <b>; en: bold", "not-a-word", "<b> is not one word"),
        ("ru: и; en: and", "common", "и is too common"),
        ("   ", "format", "Write the group as"),
        ("en: vaccine", "single", "at least two words"),
    ],
)
def test_a_group_that_cannot_be_stored_says_why_in_one_line(
    text: str, code: str, line: str
) -> None:
    with pytest.raises(TermError) as raised:
        parse_group(text)
    assert raised.value.code == code
    said = problem_text(raised.value)  # what a moderator (in English) and the command line read
    assert line in said and "\n" not in said


def test_added_terms_let_a_kazakh_message_meet_a_russian_debunk_until_removed(
    kb: KnowledgeBase, moderation: Moderation
) -> None:
    assert not offered(kb, KAZAKH_MESSAGE)
    rows = [moderation.terms.add(EDITOR, group) for group in GROUPS]
    assert offered(kb, KAZAKH_MESSAGE)
    assert [row.id for row in moderation.terms.groups()] == [row.id for row in rows]
    for row in rows:
        assert row.id is not None and moderation.terms.remove(EDITOR, row.id) is not None
    assert not offered(kb, KAZAKH_MESSAGE)
    assert moderation.terms.remove(EDITOR, rows[0].id or 0) is None  # gone already
    with kb.session() as session:
        actions = [e.action for e in session.exec(select(AuditEvent)).all()]
    assert actions == ["term.add"] * 3 + ["term.remove"] * 3


def test_a_restart_reads_the_stored_terms(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'restart.db'}"
    first = KnowledgeBase.open(url, matcher=Matcher())
    first.import_entries([MEASLES])
    for group in GROUPS:
        Moderation.compose(first, owner_ids=(), secret="s" * 32).terms.add(EDITOR, group)
    first.close()
    again = KnowledgeBase.open(url, matcher=Matcher())
    try:
        assert offered(again, KAZAKH_MESSAGE)
    finally:
        again.close()


def test_a_refused_group_stores_nothing(kb: KnowledgeBase, moderation: Moderation) -> None:
    with pytest.raises(TermError):
        moderation.terms.add(EDITOR, "ru: и; en: and")
    assert moderation.terms.groups() == []
    with kb.session() as session:
        assert session.exec(select(AuditEvent)).all() == []


def test_a_full_glossary_refuses_one_more_group(
    moderation: Moderation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(terms, "MAX_GROUPS", 2)
    moderation.terms.add(EDITOR, GROUPS[0])
    moderation.terms.add(EDITOR, GROUPS[1])
    with pytest.raises(TermError) as raised:
        moderation.terms.add(EDITOR, GROUPS[2])
    assert problem_text(raised.value) == "The base holds 2 groups already; remove one first."
    assert len(moderation.terms.groups()) == 2
