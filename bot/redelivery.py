"""Updates Telegram delivers again are not answered twice: each update id is looked up before it
is handled and recorded once it is done (knowledge/db/handled_updates.py, shared by workers).

A process killed mid-batch in polling mode, or a webhook retried on another worker, gets updates
it (or a sibling) already answered. Lookups and records of the updates in flight at the same
moment share one query and one transaction in a worker thread, so the bookkeeping costs a few
statements per burst, not two round trips per update.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from knowledge.db.batching import Batched
from knowledge.db.handled_updates import handled_among, record_handled

log = logging.getLogger(__name__)

RECENT = 10_000  # update ids remembered in memory (a few minutes of a busy bot's traffic)


class HandledUpdates:
    """The shared record of the update ids one bot handled, asked and written in groups."""

    def __init__(self, engine: Engine, bot_id: int) -> None:
        self._lookup: Batched[int, bool] = Batched(partial(_handled, engine, bot_id))
        self._record: Batched[int, None] = Batched(partial(_record, engine, bot_id))
        self._recording: set[asyncio.Task[None]] = set()
        self._recent: dict[int, None] = {}  # handled here lately, oldest first: no query needed

    async def handled(self, update_id: int) -> bool:
        """Whether the update was handled before; if the database cannot tell, it was not (an
        answer twice beats no answer)."""
        if update_id in self._recent:
            return True
        try:
            return await self._lookup(update_id)
        except SQLAlchemyError as exc:
            log.warning("could not look up update %d: %s", update_id, exc.__class__.__name__)
            return False

    def done(self, update_id: int) -> None:
        """Record the update as handled, soon (the caller does not wait for the write)."""
        self._recent[update_id] = None
        if len(self._recent) > RECENT:
            del self._recent[next(iter(self._recent))]
        task = asyncio.create_task(self._store(update_id))
        self._recording.add(task)
        task.add_done_callback(self._recording.discard)

    async def _store(self, update_id: int) -> None:
        try:
            await self._record(update_id)
        except SQLAlchemyError as exc:
            log.warning("could not record update %d: %s", update_id, exc.__class__.__name__)

    async def flush(self) -> None:
        """Wait for every record asked for (at shutdown, before the database closes)."""
        if self._recording:
            await asyncio.gather(*self._recording, return_exceptions=True)
        await self._record.drain()


def _handled(engine: Engine, bot_id: int, update_ids: list[int]) -> list[bool]:
    found = handled_among(engine, bot_id, update_ids)
    return [update_id in found for update_id in update_ids]


def _record(engine: Engine, bot_id: int, update_ids: list[int]) -> list[None]:
    record_handled(engine, bot_id, update_ids)
    return [None] * len(update_ids)


def bot_id(token: str) -> int:
    """The bot's numeric id: the part of its token before the colon (0 for a malformed token,
    which the Bot API refuses anyway)."""
    prefix = token.partition(":")[0]
    return int(prefix) if prefix.isdigit() else 0
