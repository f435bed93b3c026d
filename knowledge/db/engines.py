"""Database engines and schema migrations (Alembic, batch mode on SQLite)."""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import DisconnectionError
from sqlmodel import create_engine

MIGRATIONS = Path(__file__).parent / "migrations"
PING_AFTER_IDLE_SECONDS = 10.0
IDLE_SINCE = "tekser_idle_since"  # a pooled connection's record: when it was last given back


def create_engine_for(
    url: str, *, connections: int = 5, ping_after: float = PING_AFTER_IDLE_SECONDS
) -> Engine:
    """An engine for a SQLite file or a PostgreSQL URL, with foreign keys enforced on SQLite.

    Statement parameters are never part of an error's message (`hide_parameters`): they hold
    Telegram ids beside their keyed hashes, and error messages end up in logs.

    PostgreSQL: `connections` stay open in the pool (as many as threads use it at once: past
    the pool, every session would open and close a connection of its own); one idle for
    `ping_after` seconds is checked before use. SQLite: one connection, which
    the process's threads take in turn. SQLite lets one writer in at a time and makes the others
    retry after sleeping at least a millisecond; with several checking threads those sleeps,
    not the statements, set the pace (a single connection answered ~25% more updates a second).
    """
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")  # a pool of its own kind
        pool = {} if memory else {"pool_size": 1, "max_overflow": 0}
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            hide_parameters=True,
            **pool,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    engine = create_engine(url, pool_size=connections, max_overflow=10, hide_parameters=True)
    _ping_after_idle(engine, seconds=ping_after)
    return engine


def _ping_after_idle(engine: Engine, *, seconds: float) -> None:
    """Before a pooled connection that sat idle for `seconds` is used, check that the server
    still has it (a restart, an idle timeout, a proxy closed it); a dead one is replaced before
    any statement fails on it. SQLAlchemy's `pool_pre_ping` does this on every checkout: a
    round trip of its own for each of the three or four transactions of every update."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop(IDLE_SINCE, None)
        if idle_since is None or time.monotonic() - idle_since < seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the driver's own error for a closed connection
            raise DisconnectionError(f"pooled connection lost: {exc}") from exc


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[None]:
    """Only one process at a time runs the block (a PostgreSQL advisory lock named `name`), so
    workers started together do not migrate or seed the same database twice. On SQLite, which
    serves one process, the block just runs."""
    if engine.dialect.name != "postgresql":
        yield
        return
    key = zlib.crc32(f"tekser:{name}".encode())
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.commit()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (the newest by default), one process at a time."""
    with exclusive(engine, "migrate"):
        command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()
