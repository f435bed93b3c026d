"""The framework's state in the database (knowledge/db/bot_state.py), on SQLite and PostgreSQL:
the per-update snapshot and conversation steps that stale workers cannot undo."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot.persistence import DatabasePersistence
from knowledge.audience.chat_settings import set_auto_check
from knowledge.audience.languages import set_language
from knowledge.db import bot_state
from knowledge.db.bot_state import BotState


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    return migrated_engine


def test_the_snapshot_reads_language_settings_and_steps_at_once(engine: Engine) -> None:
    with Session(engine) as session:
        set_language(session, user_hash="u1", lang="kk")
        set_auto_check(session, chat_id=-100, enabled=True, by="a")
        session.add(BotState(kind="conversation:m", key="[-100, 1]", data="add-title"))
        session.commit()
        wanted = [("conversation:m", "[-100, 1]"), ("conversation:m", "[-100, 2]")]
        found = bot_state.load_snapshot(session, user_hash="u1", chat_id=-100, conversations=wanted)
        nobody = bot_state.load_snapshot(session, user_hash="u2", chat_id=5)
        neither = bot_state.load_snapshot(session, user_hash=None, chat_id=None)
    assert (found.language, found.auto_check) == ("kk", True)
    assert list(found.steps) == [("conversation:m", "[-100, 1]")]
    assert found.steps[("conversation:m", "[-100, 1]")].state == "add-title"
    assert (nobody.language, nobody.auto_check, nobody.steps) == (None, False, {})
    assert neither == bot_state.Snapshot()


async def test_a_stale_worker_does_not_end_a_conversation_moved_on_elsewhere(
    engine: Engine,
) -> None:
    stale, fresh = DatabasePersistence(engine), DatabasePersistence(engine)
    await stale.update_conversation("moderation", (10, 10), "add-title")
    assert await fresh.get_conversations("moderation") == {(10, 10): "add-title"}
    await fresh.update_conversation("moderation", (10, 10), "add-disproof")
    await stale.update_conversation("moderation", (10, 10), None)  # e.g. its old timeout fired
    assert await DatabasePersistence(engine).get_conversations("moderation") == {
        (10, 10): "add-disproof"
    }
    await fresh.update_conversation("moderation", (10, 10), None)  # the current version ends
    assert await DatabasePersistence(engine).get_conversations("moderation") == {}
