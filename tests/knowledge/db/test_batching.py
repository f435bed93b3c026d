"""Group commit (knowledge/db/batching.py): the calls of one moment share one round, each caller
gets its own answer, and one item's failure is its own."""

from __future__ import annotations

import asyncio
import threading

import pytest

from knowledge.db.batching import Batched


async def test_calls_made_while_one_runs_share_the_next_round_and_get_their_own_answers() -> None:
    rounds: list[list[int]] = []
    first_may_end = threading.Event()

    def call(items: list[int]) -> list[int | BaseException]:
        rounds.append(items)
        if len(rounds) == 1:
            first_may_end.wait(5)
        return [ValueError(f"bad {i}") if i < 0 else i * 10 for i in items]

    batched: Batched[int, int] = Batched(call)
    first = asyncio.create_task(batched(1))
    await asyncio.sleep(0.05)  # round one is running in its thread
    later = [asyncio.create_task(batched(i)) for i in (2, -3, 4)]
    await asyncio.sleep(0.05)
    first_may_end.set()
    assert await first == 10
    results = await asyncio.gather(*later, return_exceptions=True)
    assert results[0] == 20 and results[2] == 40
    assert isinstance(results[1], ValueError) and str(results[1]) == "bad -3"
    assert rounds == [[1], [2, -3, 4]]  # three callers, one round


async def test_a_failed_round_reaches_its_callers_and_the_next_round_runs() -> None:
    calls = 0

    def call(items: list[str]) -> list[str]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database gone")
        return [item.upper() for item in items]

    batched: Batched[str, str] = Batched(call)
    with pytest.raises(ConnectionError):
        await batched("a")
    assert await batched("b") == "B"
    await batched.drain()
