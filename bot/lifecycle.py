"""The Application's life cycle, shared by polling and webhook mode, and the event loop it runs
on."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from telegram.error import InvalidToken, NetworkError

log = logging.getLogger(__name__)

FIRST_PAUSE_SECONDS = 1.0
MAX_PAUSE_SECONDS = 30.0
DEFAULT_STARTUP_RETRY_SECONDS = 300.0
TOKEN_REFUSED = (
    "The Bot API refused the token: check TEKSER_BOT_TOKEN (@BotFather shows it with /token)."
)


def run_event_loop(main: Coroutine[Any, Any, None]) -> None:
    """`asyncio.run(main)`, on uvloop when it is installed: its sockets, timers and thread
    hand-offs cost the bot a tenth less CPU per update than asyncio's own loop."""
    try:
        import uvloop
    except ImportError:  # not on every platform (Windows)
        asyncio.run(main)
        return
    uvloop.run(main)


@asynccontextmanager
async def running(application: Any) -> AsyncIterator[None]:
    """What `run_polling`/`run_webhook` do around their loop: initialize, post_init, start;
    then stop, post_stop, shutdown, post_shutdown, whatever happened inside."""
    await initialize(application)
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


async def initialize(application: Any) -> None:
    """`application.initialize()` (its first Bot API call), tried again with growing pauses
    while the Bot API cannot be reached, one log line per failed attempt; after
    TEKSER_STARTUP_RETRY_SECONDS the process stops with one line. A refused token stops it at
    once."""
    give_up_after = _startup_retry_seconds(application)
    deadline = time.monotonic() + give_up_after
    pause = FIRST_PAUSE_SECONDS
    attempt = 1
    while True:
        try:
            await application.initialize()
            return
        except InvalidToken:
            await application.bot.request.shutdown()  # its connections, before the process ends
            raise SystemExit(TOKEN_REFUSED) from None
        except NetworkError as exc:  # TimedOut too
            reason = str(exc) or exc.__class__.__name__
            left = deadline - time.monotonic()
            if left <= 0:
                await application.bot.request.shutdown()
                raise SystemExit(
                    f"Cannot reach the Bot API ({reason}) after trying for {give_up_after:.0f} s: "
                    "check the network, or TEKSER_BOT_API_URL."
                ) from None
            log.warning(
                "Bot API unreachable (%s): attempt %d failed, next in %.0f s",
                reason,
                attempt,
                min(pause, left),
            )
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, MAX_PAUSE_SECONDS)
            attempt += 1


def _startup_retry_seconds(application: Any) -> float:
    services = application.bot_data.get("services")
    settings = getattr(services, "settings", None)
    return float(getattr(settings, "startup_retry_seconds", DEFAULT_STARTUP_RETRY_SECONDS))
