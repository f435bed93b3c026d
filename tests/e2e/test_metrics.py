"""/metrics describes the bot: its updates, checks and errors are counted where they happen."""

from __future__ import annotations

import asyncio
import time

from knowledge import metrics
from tests.e2e.conftest import Running
from tests.support.standin import TgUser

BIOLABS_RU = "Американские биолаборатории в Казахстане распространяют болезни!!!"


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


async def reaches(value: float, name: str, **labels: str) -> float:
    """The sample once it reaches `value` (the reply is sent before its handler returns)."""
    deadline = time.monotonic() + 10
    while sample(name, **labels) < value and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return sample(name, **labels)


async def test_a_readers_check_is_counted_as_an_update_and_a_check(
    bot: Running, reader: TgUser
) -> None:
    updates = sample("tekser_updates_total", type="message")
    handled = sample("tekser_update_seconds_count")
    matches = sample("tekser_checks_total", verdict="match", source="private")
    timed = sample("tekser_check_seconds_count", source="bot")

    await bot.reply(reader, BIOLABS_RU)

    assert sample("tekser_updates_total", type="message") == updates + 1
    assert await reaches(handled + 1, "tekser_update_seconds_count") >= handled + 1
    assert sample("tekser_checks_total", verdict="match", source="private") == matches + 1
    assert sample("tekser_check_seconds_count", source="bot") == timed + 1
    assert b'tekser_checks_total{source="private",verdict="match"}' in metrics.render()
