"""Short transactions on one engine, as every service runs them: `read` in a session, `write`
committed, and run again on fresh data when SQLite refuses a writer whose snapshot went stale."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

T = TypeVar("T")
WRITE_ATTEMPTS = 3


class Transactions:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def read(self, fn: Callable[[Session], T]) -> T:
        with self.session() as session:
            return fn(session)

    def write(self, fn: Callable[[Session], T]) -> T:
        """Run `fn` in a transaction and commit. SQLite refuses a writer whose snapshot went
        stale under a concurrent commit ("database is locked"): then it runs again on fresh data
        (where a version check refuses what became stale)."""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                with self.session() as session:
                    result = fn(session)
                    session.commit()
                    return result
            except OperationalError as exc:
                if "locked" not in str(exc.orig) or attempt + 1 == WRITE_ATTEMPTS:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")
