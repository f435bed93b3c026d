"""At the default log level a running bot logs what happens to it, not its timers."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tests.e2e.conftest import Running


async def test_the_job_scheduler_is_quiet_at_the_default_level(
    bot: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await asyncio.sleep(4.5)  # the forward sweep runs every 2 s
    scheduler = [r.getMessage() for r in caplog.records if r.name.startswith("apscheduler")]
    assert scheduler == []
