"""Long polling that confirms an update to Telegram only after it has been handled, and keeps
fetching while slow updates run.

`getUpdates` confirms every update below the `offset` it is called with. PTB's `run_polling` asks
for the next batch as soon as it has queued the last one, so a process killed mid-batch has
confirmed updates it never handled, and they are lost. Here the offset stays at the oldest update
still being handled: everything from it on comes back with each call, the updates already running
or done are passed over, and the new ones start at once (one chat's in order, bot/ordering.py).
So a slow update (a big /import, a slow link) holds up no one else, and what is confirmed is only
what is done; the window of one `getUpdates` answer (`BATCH`) bounds the work in flight. A
process killed mid-batch gets the unconfirmed updates again when it restarts; those it had
answered are skipped (bot/redelivery.py). SIGTERM or SIGINT stops the fetching, lets the updates
in hand finish, confirms them, then stops the Application (which runs the persistence's last
flush and closes its connections).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import partial
from typing import Any

from starlette.applications import Starlette
from telegram import Update
from telegram.error import EndPointNotFound, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.warnings import PTBUserWarning

from bot.lifecycle import running
from bot.web import WebServer, build_server

log = logging.getLogger(__name__)
# getUpdates is called through `do_api_request` on purpose, to keep its answer as JSON
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning)

JSONDict = dict[str, Any]  # one update as the Bot API sends it

POLL_TIMEOUT = 10  # seconds a getUpdates call waits for updates (long polling)
BATCH = 100  # updates one getUpdates answers at most (Telegram's limit): the work in flight
MAX_BACKOFF = 30.0  # seconds between attempts while the Bot API cannot be reached
# while an update runs, getUpdates returns it at once: new ones are looked for this often (or
# as soon as any update is done)
RECHECK_SECONDS = 0.2


async def process(application: Any, update: Update) -> None:
    """Handle one update through the Application's update processor (its concurrency limit and,
    in Tekser, its per-chat order: bot/ordering.py), as PTB's own updater does."""
    await application.update_processor.process_update(update, application.process_update(update))


class InFlight:
    """The updates fetched and not yet confirmed: running, or done behind an older one."""

    def __init__(self, application: Any) -> None:
        self._application = application
        self.running: dict[int, asyncio.Task[None]] = {}
        self._done: set[int] = set()
        self.next_new = 0  # the first update id not seen yet

    @property
    def offset(self) -> int:
        """Where the next getUpdates starts: the oldest running update, else the first new one;
        everything below is done, and is confirmed by that call."""
        return min(self.running, default=self.next_new)

    def start_new(self, updates: list[JSONDict]) -> int:
        """Start the updates not seen before, oldest first; returns how many. Only those are
        decoded: while its oldest update runs, the same window comes back with every call, and
        decoding it again each time cost more than the updates themselves."""
        offset = self.offset
        self._done = {update_id for update_id in self._done if update_id >= offset}
        started = 0
        bot = self._application.bot
        for data in updates:
            update_id = data.get("update_id")
            if not isinstance(update_id, int):
                log.error("getUpdates gave an update without an id: skipped")
                continue
            if update_id in self.running or update_id in self._done or update_id < offset:
                continue
            self.next_new = max(self.next_new, update_id + 1)
            try:
                update = Update.de_json(data, bot)
            except Exception:  # one malformed update must not hold up the ones after it
                log.exception("update %d could not be read: skipped", update_id)
                self._done.add(update_id)
                continue
            bot.insert_callback_data(update)  # as ExtBot.get_updates does
            task = asyncio.create_task(process(self._application, update))
            task.add_done_callback(partial(self._finished, update_id))
            self.running[update_id] = task
            started += 1
        return started

    def _finished(self, update_id: int, task: asyncio.Task[None]) -> None:
        del self.running[update_id]
        self._done.add(update_id)
        if not task.cancelled() and task.exception() is not None:
            log.error("update %d failed", update_id, exc_info=task.exception())

    async def room(self, stop: asyncio.Event, timeout: float, *, full: bool) -> None:
        """Wait until there may be new updates to start: after a full answer, until the oldest
        half of the window is done (only that moves it: fetching again and again after each
        update would spend more than the updates); else until any update is done. At most
        `timeout`, or until `stop` is set."""
        stopping = asyncio.ensure_future(stop.wait())
        if full:
            oldest = sorted(self.running)[: BATCH // 2]
            front = asyncio.ensure_future(asyncio.wait([self.running[i] for i in oldest]))
            waited = {stopping, front}
        else:
            front = None
            waited = {stopping, *self.running.values()}
        try:
            await asyncio.wait(waited, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if front is not None:
                front.cancel()

    async def finish(self) -> None:
        """Let every running update finish."""
        while self.running:
            await asyncio.wait(set(self.running.values()))


async def fetch_updates(
    bot: Any, *, offset: int, limit: int, timeout: int, allowed_updates: list[str] | None
) -> list[JSONDict]:
    """One getUpdates call, its answer left as JSON (see `InFlight.start_new`)."""
    try:
        result = await bot.do_api_request(
            "getUpdates",
            api_kwargs={
                "offset": offset,
                "limit": limit,
                "timeout": timeout,
                "allowed_updates": allowed_updates,
            },
            # the configured read timeout beyond the long-polling wait, as PTB's get_updates
            read_timeout=(bot.request.read_timeout or 0) + timeout,
        )
    except EndPointNotFound as exc:  # getUpdates exists: a 404 means the token was refused
        raise InvalidToken(str(exc)) from exc
    if not isinstance(result, list):
        raise TelegramError(f"getUpdates answered {type(result).__name__}, not a list")
    return [data for data in result if isinstance(data, dict)]


async def poll(
    application: Any, stop: asyncio.Event, *, allowed_updates: list[str] | None = None
) -> None:
    """Fetch updates and start them, confirming only what is done, until `stop` is set."""
    work = InFlight(application)
    backoff = 1.0
    while not stop.is_set():
        fetch = asyncio.ensure_future(
            fetch_updates(
                application.bot,
                offset=work.offset,
                limit=BATCH,
                timeout=0 if work.running else POLL_TIMEOUT,
                allowed_updates=allowed_updates,
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
        if not work.start_new(updates) and work.running:  # nothing new: no busy loop
            await work.room(stop, RECHECK_SECONDS, full=len(updates) >= BATCH)
    await work.finish()
    if work.next_new:  # confirm what was handled so that a restart does not handle it again
        with contextlib.suppress(TelegramError):
            await fetch_updates(
                application.bot, offset=work.next_new, limit=1, timeout=0, allowed_updates=None
            )


class LocalServer(WebServer):
    """The HTTP server beside polling, which owns SIGTERM and SIGINT itself."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@asynccontextmanager
async def serving_locally(app: Starlette | None, port: int) -> AsyncIterator[None]:
    """`app` (the API with /healthz and /readyz) on 127.0.0.1:`port` while the bot polls: a
    container's health check asks it there, and nothing outside the machine reaches it. A port
    in use costs those endpoints, not the bot."""
    if app is None:
        yield
        return
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(64)
    except OSError as exc:
        sock.close()
        log.warning("no /healthz or /readyz: 127.0.0.1:%d is taken (%s)", port, exc.strerror)
        yield
        return
    server = LocalServer(build_server(app, host="127.0.0.1", port=port).config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield
    finally:
        server.should_exit = True
        await serving
        sock.close()


async def serve_polling(
    application: Any,
    *,
    allowed_updates: list[str] | None = None,
    local_app: Starlette | None = None,
    local_port: int = 0,
) -> None:
    """Run the Application's life cycle (as `run_polling` does) around :func:`poll`, with
    `local_app` served on 127.0.0.1:`local_port` meanwhile."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with running(application):
            await application.bot.delete_webhook()  # a webhook left by webhook mode blocks polling
            async with serving_locally(local_app, local_port):
                await poll(application, stop, allowed_updates=allowed_updates)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
