"""Schema migrations on SQLite and PostgreSQL: from empty, from every earlier revision, and in
step with the models."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import knowledge.db.migrations.env_tables  # noqa: F401  (every table on SQLModel.metadata)
from knowledge.db.engines import MIGRATIONS, alembic_config, create_engine_for, current_revision

REVISIONS = [r.revision for r in reversed(list(ScriptDirectory(str(MIGRATIONS)).walk_revisions()))]


def test_revisions_form_one_line() -> None:
    script = ScriptDirectory(str(MIGRATIONS))
    assert len(script.get_heads()) == 1
    assert REVISIONS[0] == "0001"


@pytest.mark.parametrize("start", REVISIONS)
def test_upgrade_from_each_revision_reaches_head(empty_database_url: str, start: str) -> None:
    engine = create_engine_for(empty_database_url)
    config = alembic_config(engine)
    command.upgrade(config, start)
    assert current_revision(engine) == start
    command.upgrade(config, "head")
    assert current_revision(engine) == REVISIONS[-1]
    engine.dispose()


def test_downgrade_to_empty_and_back(empty_database_url: str) -> None:
    engine = create_engine_for(empty_database_url)
    config = alembic_config(engine)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    assert current_revision(engine) is None
    command.upgrade(config, "head")
    assert current_revision(engine) == REVISIONS[-1]
    engine.dispose()


def test_migrations_match_the_models(empty_database_url: str) -> None:
    engine = create_engine_for(empty_database_url)
    command.upgrade(alembic_config(engine), "head")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == []
