"""PTB persistence in Tekser's own database, so conversations (a moderator's /add halfway through)
survive a restart of the bot.

Conversation steps are always stored; per-user, per-chat and bot data only when `store_data`
asks for them. The framework hands changes over every `update_interval` seconds and once more
when the application stops.
"""

from __future__ import annotations

import asyncio
import json
from copy import deepcopy
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session
from telegram.ext import BasePersistence, PersistenceInput

from knowledge import bot_state

UPDATE_INTERVAL = 1.0  # seconds: a crash loses at most this much of a conversation
CONVERSATIONS_ONLY = PersistenceInput(
    bot_data=False, chat_data=False, user_data=False, callback_data=False
)

Data = dict[Any, Any]
ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]


def conversation_kind(name: str) -> str:
    return f"conversation:{name}"


def key_text(key: ConversationKey) -> str:
    return json.dumps(list(key))


def key_tuple(text: str) -> ConversationKey:
    return tuple(json.loads(text))


class DatabasePersistence(BasePersistence[Data, Data, Data]):
    """Stores PTB's state as JSON rows of the `botstate` table."""

    def __init__(
        self,
        engine: Engine,
        *,
        store_data: PersistenceInput = CONVERSATIONS_ONLY,
        update_interval: float = UPDATE_INTERVAL,
    ) -> None:
        super().__init__(store_data=store_data, update_interval=update_interval)
        self.engine = engine

    # ---------------------------------------------------------------- blocking helpers

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def _load_kind(self, kind: str) -> dict[str, Any]:
        with self._session() as session:
            return bot_state.load_kind(session, kind=kind)

    def _store(self, kind: str, key: str, data: Any) -> None:
        with self._session() as session:
            if data is None:
                bot_state.drop(session, kind=kind, key=key)
            else:
                bot_state.store(session, kind=kind, key=key, data=data)
            session.commit()

    async def _ids(self, kind: str) -> dict[int, Data]:
        rows = await asyncio.to_thread(self._load_kind, kind)
        return {int(key): dict(value or {}) for key, value in rows.items()}

    # ---------------------------------------------------------------- reading

    async def get_user_data(self) -> dict[int, Data]:
        return await self._ids("user")

    async def get_chat_data(self) -> dict[int, Data]:
        return await self._ids("chat")

    async def get_bot_data(self) -> Data:
        data = await asyncio.to_thread(self._load_kind, "bot")
        return dict(data.get("", None) or {})

    async def get_callback_data(self) -> CDCData | None:
        return None  # arbitrary callback data is not used

    async def get_conversations(self, name: str) -> ConversationDict:
        rows = await asyncio.to_thread(self._load_kind, conversation_kind(name))
        return {key_tuple(key): state for key, state in rows.items()}

    # ---------------------------------------------------------------- writing

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        await asyncio.to_thread(self._store, conversation_kind(name), key_text(key), new_state)

    async def update_user_data(self, user_id: int, data: Data) -> None:
        await asyncio.to_thread(self._store, "user", str(user_id), deepcopy(data))

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        await asyncio.to_thread(self._store, "chat", str(chat_id), deepcopy(data))

    async def update_bot_data(self, data: Data) -> None:
        await asyncio.to_thread(self._store, "bot", "", deepcopy(data))

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        await asyncio.to_thread(self._store, "chat", str(chat_id), None)

    async def drop_user_data(self, user_id: int) -> None:
        await asyncio.to_thread(self._store, "user", str(user_id), None)

    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        return None

    async def refresh_bot_data(self, bot_data: Data) -> None:
        return None

    async def flush(self) -> None:
        return None  # every update is written when it is handed over
