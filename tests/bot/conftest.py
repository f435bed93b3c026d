"""Fixtures for the bot tests: the seeded knowledge base a module's `settings` name."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.bootstrap import open_knowledge
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.settings import Settings


@pytest.fixture
def kb(settings: Settings) -> Iterator[KnowledgeBase]:
    """The base at `settings.database_url` holding the seed pack (each module using it defines
    `settings`, or its own `kb`)."""
    base = open_knowledge(settings)
    base.seed_if_empty()
    yield base
    base.close()
