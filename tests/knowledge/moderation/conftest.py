"""The moderators' services on the seeded knowledge base (tests/knowledge/conftest.py)."""

from __future__ import annotations

import pytest

from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.moderation.service import Moderation
from tests.knowledge.moderation.support import OWNER_ID, SECRET


@pytest.fixture
def service(kb: KnowledgeBase) -> Moderation:
    return Moderation.compose(kb, owner_ids={OWNER_ID}, secret=SECRET)
