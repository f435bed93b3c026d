"""The Application's life cycle, shared by polling and webhook mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any


@asynccontextmanager
async def running(application: Any) -> AsyncIterator[None]:
    """What `run_polling`/`run_webhook` do around their loop: initialize, post_init, start;
    then stop, post_stop, shutdown, post_shutdown, whatever happened inside."""
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        try:
            yield
        finally:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
