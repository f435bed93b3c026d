"""An update whose handling lost its database connection (a PostgreSQL restart or fail-over, a
connection cut while it sat in the pool) is handled once more before the reader hears of any
failure: SQLAlchemy drops the pool's dead connections on the first such error, so the second
attempt runs on fresh ones. Only an attempt that sent nothing yet is repeated, so a reader never
gets an answer twice; past that, the error handler tells the reader as before."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError, DisconnectionError
from telegram import Update
from telegram.ext import AIORateLimiter, Application, Job

log = logging.getLogger(__name__)

# Bot API methods that only read: calling them tells the reader nothing
READ_ONLY_METHODS = frozenset({"getMe", "getChat", "getChatMember", "getChatAdministrators"})


@dataclass
class Attempt:
    """One handling of one update: whether it may still be repeated."""

    open: bool = True  # the handling is under way (not a task it left behind)
    sent: bool = False  # something went to Telegram that a reader may see
    repeat: bool = False  # lost its connection before sending: handle the update again


ATTEMPT: ContextVar[Attempt | None] = ContextVar("tekser_update_attempt", default=None)


def lost_connection(error: BaseException) -> bool:
    """Whether `error` (or what caused it) is a database connection that went away."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DisconnectionError):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__ or current.__context__
    return False


class SendAwareRateLimiter(AIORateLimiter):
    """PTB's rate limiter, noting in the current attempt that something was sent."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        attempt = ATTEMPT.get()
        if attempt is not None and endpoint not in READ_ONLY_METHODS:
            attempt.sent = True
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )


class RetryingApplication(Application):
    """PTB's Application, handling an update once more after a lost database connection."""

    async def process_update(self, update: object) -> None:
        attempt = Attempt()
        token = ATTEMPT.set(attempt)
        try:
            await super().process_update(update)
            if attempt.repeat:
                retry = Attempt(sent=True)  # the last attempt: its errors are told
                ATTEMPT.set(retry)
                try:
                    await super().process_update(update)
                finally:
                    retry.open = False
        finally:
            attempt.open = False
            ATTEMPT.reset(token)

    async def process_error(
        self,
        update: object | None,
        error: Exception,
        job: Job[Any] | None = None,
        coroutine: Any = None,
    ) -> bool:
        attempt = ATTEMPT.get()
        if (
            attempt is not None
            and attempt.open
            and not attempt.sent
            and isinstance(update, Update)
            and lost_connection(error)
        ):
            attempt.repeat = True
            log.warning(
                "update %d lost its database connection: handling it again", update.update_id
            )
            return True  # no further handlers in this attempt; the next one runs them all
        return await super().process_error(update, error, job, coroutine)
