"""Long polling that confirms an update to Telegram only after it has been handled.

`getUpdates` confirms every update below the `offset` it is called with. PTB's `run_polling` asks
for the next batch as soon as it has queued the last one, so a process killed mid-batch has
confirmed updates it never handled, and they are lost. Here a batch is handled first (its updates
concurrently, as the Application's `concurrent_updates` allows) and only the next call confirms
it; a process killed mid-batch gets the same updates again when it restarts. SIGTERM or SIGINT
stops the polling, lets the batch in hand finish, confirms it, then stops the Application (which
runs the persistence's last flush and closes its connections).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.error import Forbidden, InvalidToken, NetworkError, TelegramError

from bot.lifecycle import running

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10  # seconds a getUpdates call waits for updates (long polling)
MAX_BACKOFF = 30.0  # seconds between attempts while the Bot API cannot be reached


async def process(application: Any, update: Update) -> None:
    """Handle one update through the Application's update processor (its concurrency limit and,
    in Tekser, its per-chat order: bot/ordering.py), as PTB's own updater does."""
    await application.update_processor.process_update(update, application.process_update(update))


async def handle_batch(application: Any, updates: Sequence[Update]) -> None:
    """Handle `updates` concurrently; failures went to the error handler and do not stop others."""
    results = await asyncio.gather(
        *(process(application, update) for update in updates), return_exceptions=True
    )
    for update, result in zip(updates, results, strict=True):
        if isinstance(result, BaseException):
            log.error("update %d failed", update.update_id, exc_info=result)


async def poll(
    application: Any, stop: asyncio.Event, *, allowed_updates: list[str] | None = None
) -> None:
    """Fetch, handle, then confirm batches of updates until `stop` is set."""
    offset = 0
    backoff = 1.0
    while not stop.is_set():
        fetch = asyncio.ensure_future(
            application.bot.get_updates(
                offset=offset, timeout=POLL_TIMEOUT, allowed_updates=allowed_updates
            )
        )
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not fetch.done():  # stopped while waiting: nothing fetched is lost
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, TelegramError):
                await fetch
            break
        try:
            updates = fetch.result()
        except (InvalidToken, Forbidden):
            raise
        except (NetworkError, TelegramError) as exc:  # Bot API away or a conflict: try again
            log.warning("getUpdates failed (%s); again in %.0f s", exc, backoff)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)
            continue
        backoff = 1.0
        if updates:
            await handle_batch(application, updates)
            offset = updates[-1].update_id + 1
    if offset:  # confirm the last batch so that a restart does not handle it again
        with contextlib.suppress(TelegramError):
            await application.bot.get_updates(offset=offset, timeout=0, limit=1)


async def serve_polling(application: Any, *, allowed_updates: list[str] | None = None) -> None:
    """Run the Application's life cycle (as `run_polling` does) around :func:`poll`."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with running(application):
            await application.bot.delete_webhook()  # a webhook left by webhook mode blocks polling
            await poll(application, stop, allowed_updates=allowed_updates)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
