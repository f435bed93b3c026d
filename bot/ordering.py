"""Updates of one chat are handled one after another, in the order they came; different chats
concurrently (up to `TEKSER_CONCURRENT_UPDATES`); an update handled before is skipped.

Why: a reader who forwards a post and at once writes "is this true?" sends two updates a few
milliseconds apart. Handled side by side, the words could look for the held forward before the
forward has been stored, and both would be answered on their own. PTB starts the handling of
each update in the order it arrived; the per-chat lock taken first thing keeps that order.
An update waiting for its chat's turn holds none of the concurrent slots, so one chat flooding
the bot behind a slow update does not hold up the others.
Polling (`bot/polling.py`) and the webhook (`bot/web.py`) hand every update to this processor,
as PTB's own updater does; `bot/persistence.py` relies on it to read a chat's state only once
the chat's previous update is done.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.redelivery import HandledUpdates
from knowledge import metrics

ADMITTED = 100_000  # updates admitted at once (waiting for their chat or running): a safety cap


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
    first served), at most `max_concurrent_updates` running; with `handled`, updates handled
    before (by any worker) are skipped and every handled one is recorded."""

    def __init__(self, max_concurrent_updates: int, *, handled: HandledUpdates | None = None):
        # PTB's own limit (`max_concurrent_updates`) would count updates waiting for their chat
        # too: it only caps what is admitted at once; `running` limits what runs
        super().__init__(ADMITTED)
        self._running = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}
        self._handled = handled

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        handled = self._handled if update_id is not None else None
        async with self._turn(chat_of(update)):
            if handled is not None and update_id is not None and await handled.handled(update_id):
                if inspect.iscoroutine(coroutine):
                    coroutine.close()  # never started: nothing to clean up
                return
            metrics.UPDATES.labels(type=metrics.update_type(update)).inc()
            async with self._running:
                with metrics.UPDATE_SECONDS.time():
                    await coroutine
            if handled is not None and update_id is not None:
                handled.done(update_id)

    @asynccontextmanager
    async def _turn(self, chat: int | None) -> AsyncIterator[None]:
        """The chat's turn (at once for updates without a chat)."""
        if chat is None:
            yield
            return
        lock, users = self._locks.get(chat, (asyncio.Lock(), 0))
        self._locks[chat] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat]
            if users == 1:
                del self._locks[chat]  # no one else waits: the chat's entry goes
            else:
                self._locks[chat] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Write the last records of handled updates; the locks go with their last update."""
        if self._handled is not None:
            await self._handled.flush()
