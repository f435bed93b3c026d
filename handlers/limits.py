"""The per-reader limit on checks, shared by every worker through the database: at most
`per_minute` checks in a reader's one-minute window, and one notice when they first go over it.

A window starts at the reader's first check after the previous one ran out. Each check costs one
statement (`knowledge.shared_state.take_check`, an atomic upsert returning the count), so workers
behind one load balancer count together and never both let the one-too-many through.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from enum import Enum

from sqlalchemy import Engine
from sqlmodel import Session

from knowledge.shared_state import take_check

WINDOW_SECONDS = 60.0


class Allowance(Enum):
    ALLOWED = "allowed"
    NOTIFY = "notify"  # over the limit: tell the reader once
    SILENT = "silent"  # over the limit and already told


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
