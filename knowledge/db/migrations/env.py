"""Alembic environment: the engine comes from `knowledge.db.engines.alembic_config`."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import knowledge.db.migrations.env_tables  # noqa: F401  (registers every table)

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # plain `alembic` command line: build from the configured URL
    from knowledge.db.engines import create_engine_for

    engine = create_engine_for(config.get_main_option("sqlalchemy.url") or "")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
