"""Updates of one chat are handled one after another, in the order they came; different chats
concurrently (up to `TEKSER_CONCURRENT_UPDATES`).

Why: a reader who forwards a post and at once writes "is this true?" sends two updates a few
milliseconds apart. Handled side by side, the words could look for the held forward before the
forward has been stored, and both would be answered on their own. PTB starts the handling of
each update in the order it arrived; the per-chat lock taken first thing keeps that order.
Polling (`bot/polling.py`) and the webhook (`bot/web.py`) hand every update to this processor,
as PTB's own updater does; `bot/persistence.py` relies on it to read a chat's state only once
the chat's previous update is done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def chat_of(update: object) -> int | None:
    """The chat whose updates must keep their order: the update's chat, else its sender (inline
    queries; a private chat's id is its user's); None for updates with neither."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """PTB's update processor, one update at a time per chat (asyncio locks are first come,
    first served)."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = chat_of(update)
        if chat is None:
            await coroutine
            return
        lock, users = self._locks.get(chat, (asyncio.Lock(), 0))
        self._locks[chat] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[chat]
            if users == 1:
                del self._locks[chat]  # no one else waits: the chat's entry goes
            else:
                self._locks[chat] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release: the locks go with their last update."""
