"""The database-backed PTB persistence: conversations and data that survive a restart."""

from __future__ import annotations

from telegram.ext import PersistenceInput

from bot.persistence import DatabasePersistence
from knowledge.db.engines import create_engine_for, migrate


async def test_conversations_survive_a_new_persistence_on_the_same_database(
    database_url: str,
) -> None:
    engine = create_engine_for(database_url)
    migrate(engine)
    first = DatabasePersistence(engine)
    await first.update_conversation("moderation", (10, 10), "add-title")
    await first.update_conversation("moderation", (-100, 11), "edit-menu")
    await first.update_conversation("other", (10, 10), "x")
    await first.update_conversation("moderation", (-100, 11), None)  # ended: forgotten
    again = DatabasePersistence(engine)
    assert await again.get_conversations("moderation") == {(10, 10): "add-title"}
    assert await again.get_conversations("nothing") == {}
    assert not again.store_data.user_data  # conversations only, unless asked for more
    engine.dispose()


async def test_user_chat_and_bot_data_when_asked_for(database_url: str) -> None:
    engine = create_engine_for(database_url)
    migrate(engine)
    everything = PersistenceInput(bot_data=True, chat_data=True, user_data=True)
    store = DatabasePersistence(engine, store_data=everything)
    await store.update_user_data(7, {"lang": "kk"})
    await store.update_chat_data(-5, {"auto": True})
    await store.update_bot_data({"n": 1})
    await store.update_user_data(8, {"lang": "en"})
    await store.drop_user_data(8)
    again = DatabasePersistence(engine, store_data=everything)
    assert await again.get_user_data() == {7: {"lang": "kk"}}
    assert await again.get_chat_data() == {-5: {"auto": True}}
    assert await again.get_bot_data() == {"n": 1}
    assert await again.get_callback_data() is None
    engine.dispose()
