"""A benchmark base on PostgreSQL: a template database holding n debunks, built once, and a
throwaway copy of it for each run (dropped afterwards).

Needs PostgreSQL at TEKSER_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1/test).
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, text  # noqa: E402

from bot.bootstrap import open_knowledge  # noqa: E402
from knowledge.formats.pack import PackDebunk  # noqa: E402
from knowledge.settings import Settings  # noqa: E402

ADMIN_URL = os.environ.get(
    "TEKSER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def database(name: str) -> str:
    """The URL of database `name` on the benchmark's PostgreSQL server."""
    return f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def template_database(source: str, debunks: Sequence[PackDebunk], *, vectors: bool = False) -> str:
    """The name of a database holding `debunks` (built on first use); with `vectors`, also the
    semantic extra's vector of every wording, so that no run has to embed them."""
    name = f"tekser_bench_load_{source}_{len(debunks)}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
        if not exists:
            started = time.monotonic()
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            settings = Settings(_env_file=None, database_url=database(name), semantic=False)  # type: ignore[call-arg]
            kb = open_knowledge(settings, load=False)
            kb.import_entries(debunks)
            kb.close()
            print(f"built {name}: {len(debunks)} debunks in {time.monotonic() - started:.0f} s")
    admin.dispose()
    if vectors:  # embeds and stores only the wordings without a vector yet
        started = time.monotonic()
        settings = Settings(_env_file=None, database_url=database(name), semantic=True)  # type: ignore[call-arg]
        open_knowledge(settings).close()
        if time.monotonic() - started > 10:
            print(f"stored the vectors in {name} in {time.monotonic() - started:.0f} s")
    return name


@contextmanager
def run_database(template: str) -> Iterator[str]:
    """A fresh copy of `template` for one run (its URL), dropped afterwards."""
    name = f"tekser_bench_run_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield database(name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
