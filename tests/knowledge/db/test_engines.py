"""knowledge/db/engines.py: a pooled PostgreSQL connection the server dropped while it sat idle is
replaced before anything runs on it; SQLite's threads share one connection in turn; an error
never shows a statement's parameters."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.pool import NullPool

from knowledge.db.engines import create_engine_for


def backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def terminate(url: str, pid: int) -> None:
    """What a server restart or an idle timeout does to a pooled connection."""
    admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


@pytest.mark.postgres
def test_a_connection_dropped_while_idle_is_replaced_before_use(postgres_url: str) -> None:
    engine = create_engine_for(postgres_url, connections=1, ping_after=0.0)
    first = backend_pid(engine)
    terminate(postgres_url, first)
    assert backend_pid(engine) != first  # no error: a new connection took its place
    engine.dispose()


@pytest.mark.postgres
def test_a_busy_connection_is_not_checked_so_a_dropped_one_fails_once(postgres_url: str) -> None:
    """The check costs a round trip: connections in steady use skip it (the other side of the
    test above, and why it exists)."""
    engine = create_engine_for(postgres_url, connections=1, ping_after=3600.0)
    terminate(postgres_url, backend_pid(engine))
    with pytest.raises(OperationalError):
        backend_pid(engine)
    assert backend_pid(engine) > 0  # the pool let the dead connection go
    engine.dispose()


def test_sqlite_threads_take_its_one_connection_in_turn(sqlite_url: str) -> None:
    """SQLite admits one writer at a time and makes the others sleep and retry: the process's
    threads queue for a single connection instead, and every write lands."""
    engine = create_engine_for(sqlite_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE hits (n INTEGER)"))

    def write(n: int) -> None:
        for _ in range(20):
            with engine.begin() as connection:
                connection.execute(text("INSERT INTO hits VALUES (:n)"), {"n": n})

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM hits")).scalar_one() == 160
    assert engine.pool.size() == 1
    engine.dispose()


def test_database_errors_do_not_show_statement_parameters(database_url: str) -> None:
    """Parameters hold Telegram ids next to their keyed hashes: an error (which ends up in a
    log) must not pair them."""
    engine = create_engine_for(database_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE reader (user_hash TEXT UNIQUE, user_id BIGINT)"))
        connection.execute(text("INSERT INTO reader VALUES ('h-4f2a', 424242)"))
    with pytest.raises(IntegrityError) as failure, engine.begin() as connection:
        connection.execute(
            text("INSERT INTO reader VALUES (:user_hash, :user_id)"),
            {"user_hash": "h-4f2a", "user_id": 777001},
        )
    # (PostgreSQL itself names the conflicting key, a hash here, never the other values)
    assert "777001" not in str(failure.value)
    assert "parameters hidden" in str(failure.value)
    engine.dispose()
