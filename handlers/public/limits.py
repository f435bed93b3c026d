"""The per-reader limit on checks, shared by every worker through the database: at most
`per_minute` checks in a reader's one-minute window, and one notice when they first go over it.

A window starts at the reader's first check after the previous one ran out. Each check costs one
statement (`knowledge.audience.quotas.take_check`, an atomic upsert returning the count), so
workers behind one load balancer count together and never both let the one-too-many through.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from knowledge.audience import held_forwards
from knowledge.audience.quotas import take_check
from knowledge.db.batching import Batched

WINDOW_SECONDS = 60.0


class Allowance(Enum):
    ALLOWED = "allowed"
    NOTIFY = "notify"  # over the limit: tell the reader once
    SILENT = "silent"  # over the limit and already told


# a request's held forwards, and its allowance when it was counted (None: counted once composed)
Taken = tuple[list[dict[str, Any]], Allowance | None]


def allowance(taken: int, per_minute: int) -> Allowance:
    """What the `taken`-th check of a window gets."""
    if taken <= per_minute:
        return Allowance.ALLOWED
    return Allowance.NOTIFY if taken == per_minute + 1 else Allowance.SILENT


class CheckLimiter:
    """At most `per_minute` checks per reader in their `window`; `key` turns a Telegram id into
    the keyed hash stored instead of it."""

    def __init__(
        self,
        engine: Engine,
        *,
        per_minute: int,
        key: Callable[[int], str],
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.per_minute = per_minute
        self.window = window
        self._key = key
        self._clock = clock
        self._after_forwards: Batched[tuple[int, int], Taken] = Batched(
            self.take_after_forwards_many
        )

    def take_blocking(self, user_id: int) -> Allowance:
        with Session(self.engine) as session:
            taken = take_check(
                session, user_hash=self._key(user_id), now=self._clock(), window=self.window
            )
            session.commit()
        return allowance(taken, self.per_minute)

    async def take(self, user_id: int) -> Allowance:
        """Count one check of `user_id` and say whether it may run."""
        return await asyncio.to_thread(self.take_blocking, user_id)

    def take_after_forwards_blocking(self, user_id: int, *, chat_id: int) -> Taken:
        """In one transaction: take the chat's held forwards (`knowledge.audience.held_forwards`)
        and, when there were none, count one check of `user_id` (None when it was not counted:
        the request is the forwards merged with the reader's message, counted once composed)."""
        (outcome,) = self.take_after_forwards_many([(user_id, chat_id)])
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def take_after_forwards_many(
        self, requests: Sequence[tuple[int, int]]
    ) -> list[Taken | Exception]:
        """`take_after_forwards_blocking` for several (reader, chat) requests in one transaction;
        if that fails, each alone (one request's fault is not its neighbours')."""
        try:
            with Session(self.engine) as session:
                outcomes: list[Taken | Exception] = [
                    self._take_after_forwards(session, user_id, chat_id)
                    for user_id, chat_id in requests
                ]
                session.commit()
            return outcomes
        except SQLAlchemyError as exc:
            if len(requests) == 1:
                return [exc]
            return [out for request in requests for out in self.take_after_forwards_many([request])]

    def _take_after_forwards(self, session: Session, user_id: int, chat_id: int) -> Taken:
        held = held_forwards.take(session, chat_id=chat_id)
        if held:
            return held, None
        taken = take_check(
            session, user_hash=self._key(user_id), now=self._clock(), window=self.window
        )
        return held, allowance(taken, self.per_minute)

    async def take_after_forwards(self, user_id: int, *, chat_id: int) -> Taken:
        """A reader's message that is a request by itself: their held forwards, else whether
        the message may be checked (one database round trip for the two, shared with the other
        readers' requests of that moment)."""
        return await self._after_forwards((user_id, chat_id))
