"""Fixtures for the knowledge tests: a knowledge base seeded with the end-to-end pack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.matching.matcher import Matcher
from tests.e2e.pack import pack_entries


@pytest.fixture
def kb(database_url: str) -> Iterator[KnowledgeBase]:
    """The four debunks of tests/e2e/pack.py on SQLite and PostgreSQL, loaded into a matcher
    (a test module may define its own `kb` instead)."""
    base = KnowledgeBase.open(database_url, matcher=Matcher())
    base.import_entries(pack_entries())
    yield base
    base.close()
