"""The per-reader limit on checks: a sliding one-minute window, and one notice per window."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum


class Allowance(Enum):
    ALLOWED = "allowed"
    NOTIFY = "notify"  # over the limit: tell the reader once
    SILENT = "silent"  # over the limit and already told


class CheckLimiter:
    """At most `per_minute` checks per key in any `window` seconds."""

    def __init__(
        self,
        per_minute: int,
        *,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.window = window
        self._clock = clock
        self._taken: dict[int, deque[float]] = {}
        self._told: dict[int, float] = {}
        self._calls = 0

    def take(self, key: int) -> Allowance:
        now = self._clock()
        self._calls += 1
        if self._calls % 1024 == 0:
            self._forget_idle(now)
        taken = self._taken.setdefault(key, deque())
        while taken and now - taken[0] >= self.window:
            taken.popleft()
        if len(taken) < self.per_minute:
            taken.append(now)
            self._told.pop(key, None)
            return Allowance.ALLOWED
        if key in self._told and now - self._told[key] < self.window:
            return Allowance.SILENT
        self._told[key] = now
        return Allowance.NOTIFY

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, q in self._taken.items() if not q or now - q[-1] >= self.window]:
            del self._taken[key]
            self._told.pop(key, None)
