"""The knowledge base on SQLite and on PostgreSQL: migrations, upserts, export, the live matcher."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import inspect

from knowledge.db.engines import create_engine_for, current_revision, head_revision, migrate
from knowledge.debunks.knowledge_base import KnowledgeBase, seed_pack
from knowledge.formats.pack import PackDebunk, parse_pack
from knowledge.matching.matcher import Matcher
from tests.knowledge.formats.test_formats import ENTRY, pack


def entries(*raw: dict[str, Any]) -> list[PackDebunk]:
    parsed = parse_pack(pack(*raw))
    assert parsed.problems == []
    return parsed.debunks


@pytest.fixture
def kb(database_url: str) -> KnowledgeBase:
    base = KnowledgeBase.open(database_url, matcher=Matcher())
    yield base
    base.close()


def test_migrations_create_every_table(empty_database_url: str) -> None:
    engine = create_engine_for(empty_database_url)
    migrate(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"debunk", "claimphrasing", "source", "appearance", "textembedding"} <= tables
    assert current_revision(engine) == head_revision()
    migrate(engine)  # a second upgrade is a no-op
    engine.dispose()


def test_import_twice_changes_nothing_the_second_time(kb: KnowledgeBase) -> None:
    first = kb.import_entries(seed_pack())
    assert len(first.created) == len(seed_pack()) and first.updated == []
    second = kb.import_entries(seed_pack())
    assert second.created == [] and second.updated == []
    assert len(second.unchanged) == len(seed_pack())


def test_export_then_import_into_an_empty_base_reproduces_it(
    kb: KnowledgeBase, sqlite_url: str
) -> None:
    kb.import_entries(seed_pack() + entries(ENTRY | {"slug": "a-draft", "status": "draft"}))
    exported = kb.export_entries()
    other = KnowledgeBase.open(sqlite_url.replace("tekser.db", "other.db"), matcher=Matcher())
    parsed = parse_pack(pack(*exported))
    assert parsed.problems == []
    other.import_entries(parsed.debunks)
    assert other.export_entries() == exported
    assert [e.canonical() for e in parsed.debunks] == exported
    other.close()


def test_update_replaces_children_and_bumps_version(kb: KnowledgeBase) -> None:
    kb.import_entries(entries(ENTRY))
    changed = copy.deepcopy(ENTRY)
    changed["claims"] = [{"lang": "en", "text": "NATO base in Almaty"}]
    changed["sources"] = []
    summary = kb.import_entries(entries(changed))
    assert summary.updated == ["nato-centre-almaty"]
    card = kb.card("nato-centre-almaty")
    assert card is not None
    assert card.version == 2
    assert [c.text for c in card.claims] == ["NATO base in Almaty"]
    assert card.sources == ()


def test_dry_run_writes_nothing(kb: KnowledgeBase) -> None:
    summary = kb.import_entries(entries(ENTRY), dry_run=True)
    assert summary.created == ["nato-centre-almaty"]
    assert kb.card("nato-centre-almaty") is None
    assert kb.published_count() == 0


def test_matcher_follows_imports_and_retirement(kb: KnowledgeBase) -> None:
    assert kb.check("В Алматы открыли центр НАТО").verdict == "none"
    kb.import_entries(entries(ENTRY))
    result = kb.check("В Алматы открыли центр НАТО")
    assert result.matches[0].slug == "nato-centre-almaty"
    assert result.verdict == "match"
    kb.import_entries(entries(ENTRY | {"status": "retired"}))
    assert all(
        m.slug != "nato-centre-almaty" for m in kb.check("В Алматы открыли центр НАТО").matches
    )
    assert kb.published_count() == 0


def test_seed_if_empty_only_once(kb: KnowledgeBase) -> None:
    assert kb.seed_if_empty() == len(seed_pack())
    assert kb.seed_if_empty() == 0


def test_reopen_loads_published_debunks(database_url: str) -> None:
    first = KnowledgeBase.open(database_url, matcher=Matcher())
    first.import_entries(entries(ENTRY))
    first.close()
    second = KnowledgeBase.open(database_url, matcher=Matcher())
    assert second.check("NATO peacekeeping centre opened in Almaty").matches[0].slug == (
        "nato-centre-almaty"
    )
    second.close()
