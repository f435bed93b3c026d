"""Shared fixtures: databases (a SQLite file, a throw-away PostgreSQL database), each a copy of a
template migrated once per session, and empty ones for the migration tests; tests marked `ocr`
skip where Tesseract's language data is missing, except in CI."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from knowledge.db.engines import create_engine_for, migrate
from knowledge.images.ocr import OcrUnavailable, tessdata_path

POSTGRES_ADMIN_URL = os.environ.get(
    "TEKSER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
POSTGRES_BASE = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tesseract comes from the system's packages (`.ci/run` installs them): without them the
    tests that read pictures skip with the reason, as the PostgreSQL tests do, except in CI."""
    try:
        tessdata_path()
    except OcrUnavailable as missing:
        if os.environ.get("CI"):
            return
        skip = pytest.mark.skip(reason=str(missing))
        for item in items:
            if item.get_closest_marker("ocr"):
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _own_index_directory(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test keeps the matcher index it builds in a directory of its own (and the processes
    it starts with it): in the user's cache, one test's saved index and vectors would meet
    another test's base of the same content."""
    monkeypatch.setenv("TEKSER_INDEX_DIR", str(tmp_path_factory.mktemp("index")))


def _admin() -> Engine:
    return create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")


def _create_postgres_database(template: str | None = None) -> str:
    """A new PostgreSQL database (a copy of `template` when given); skips the test when the
    server is not there, except in CI."""
    name = f"tekser_test_{uuid.uuid4().hex[:12]}"
    admin = _admin()
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    except OperationalError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc.orig}")
    finally:
        admin.dispose()
    return name


def _drop_postgres_database(name: str) -> None:
    admin = _admin()
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _migrated(url: str) -> None:
    engine = create_engine_for(url)
    try:
        migrate(engine)
    finally:
        engine.dispose()  # SQLite: checkpoints the WAL into the file, so a copy is complete


class _Templates:
    """Databases migrated once per session; each test gets a copy (migrating from empty costs
    more than a copy, and far more on a loaded machine)."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._sqlite: Path | None = None
        self._postgres: str | None = None

    def sqlite_copy(self, target: Path) -> str:
        if self._sqlite is None:
            template = self._directory / "template.db"
            _migrated(f"sqlite:///{template}")
            self._sqlite = template
        shutil.copyfile(self._sqlite, target)
        return f"sqlite:///{target}"

    def postgres_copy(self) -> Iterator[str]:
        if self._postgres is None:
            template = _create_postgres_database()
            _migrated(f"{POSTGRES_BASE}/{template}")
            self._postgres = template
        name = _create_postgres_database(template=self._postgres)
        try:
            yield f"{POSTGRES_BASE}/{name}"
        finally:
            _drop_postgres_database(name)

    def close(self) -> None:
        if self._postgres is not None:
            _drop_postgres_database(self._postgres)


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Templates]:
    templates = _Templates(tmp_path_factory.mktemp("templates"))
    yield templates
    templates.close()


def _empty_postgres_database() -> Iterator[str]:
    name = _create_postgres_database()
    try:
        yield f"{POSTGRES_BASE}/{name}"
    finally:
        _drop_postgres_database(name)


@pytest.fixture
def sqlite_url(tmp_path: Path, database_templates: _Templates) -> str:
    """A migrated SQLite database file of the test's own."""
    return database_templates.sqlite_copy(tmp_path / "tekser.db")


@pytest.fixture
def postgres_url(database_templates: _Templates) -> Iterator[str]:
    """A migrated PostgreSQL database of the test's own, dropped afterwards."""
    yield from database_templates.postgres_copy()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, database_templates: _Templates
) -> Iterator[str]:
    """Each storage test runs on SQLite and on PostgreSQL (migrated databases)."""
    if request.param == "sqlite":
        yield database_templates.sqlite_copy(tmp_path / "tekser.db")
    else:
        yield from database_templates.postgres_copy()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database without any table, on SQLite and on PostgreSQL: for the migrations' tests."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        yield from _empty_postgres_database()


@pytest.fixture
def migrated_engine(database_url: str) -> Iterator[Engine]:
    """An engine on `database_url` with every migration applied."""
    engine = create_engine_for(database_url)
    migrate(engine)
    yield engine
    engine.dispose()
