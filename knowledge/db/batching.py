"""Group commit: the database calls that many updates in flight ask for at the same moment run as
one call, in one worker thread and one transaction, instead of one round trip each.

In a burst every update logs its check, takes its quota and records that it was handled; one
thread hop and one commit per update cost more than the statements themselves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

I = TypeVar("I")  # noqa: E741 - an item asked for
R = TypeVar("R")


class Batched(Generic[I, R]):
    """`call(items)` run in a worker thread for every item asked for while the previous call
    ran. `call` answers each item in order: a result, or an exception for that item alone (one
    bad row must not fail its neighbours); an exception raised by `call` reaches every caller
    of that round."""

    def __init__(self, call: Callable[[list[I]], Sequence[R | BaseException]]) -> None:
        self._call = call
        self._waiting: list[tuple[I, asyncio.Future[R]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def __call__(self, item: I) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run())
        return await future  # a caller that gives up cancels its own answer, not the round

    async def _run(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                answers = await asyncio.to_thread(self._call, [item for item, _ in batch])
            except Exception as exc:  # every caller of this round hears of it
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), answer in zip(batch, answers, strict=True):
                if future.done():
                    continue
                if isinstance(answer, BaseException):
                    future.set_exception(answer)
                else:
                    future.set_result(answer)

    async def drain(self) -> None:
        """Wait until every call asked for has run."""
        while self._runner is not None and not self._runner.done():
            await asyncio.wait({self._runner})
