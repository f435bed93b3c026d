"""The schema's conventions, for the migrations to share: columns are NOT NULL unless said
otherwise, timestamps carry their time zone, hashes are hex digests, Telegram ids are 64-bit,
child rows go with their parent; tables and their indexes are created and dropped together.
Indexes are named as Alembic names them (`ix_<table>_<column>`) and made in batch mode, which
SQLite needs to alter a table and PostgreSQL ignores.

Migrations are history: a revision must build the same schema every time it runs, so what these
functions produce must never change. A new convention gets a new function."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import sqlalchemy as sa
from alembic import op


def id_column() -> sa.Column:
    """`id`, the surrogate key the database numbers itself."""
    return sa.Column("id", sa.Integer(), nullable=False)


def integer(name: str, *, nullable: bool = False, key: bool = False) -> sa.Column:
    """A 32-bit integer; `key`: part of a primary key whose values come from elsewhere, so the
    database must not number them."""
    return _column(name, sa.Integer(), nullable=nullable, key=key)


def telegram_id(name: str, *, nullable: bool = False, key: bool = False) -> sa.Column:
    """A Telegram user, chat, message or update id (they exceed 32 bits); `key` as in `integer`."""
    return _column(name, sa.BigInteger(), nullable=nullable, key=key)


def reference(name: str, target: str, *, key: bool = False) -> sa.Column:
    """An integer pointing at `target` ("table.column"); the row is deleted with its target."""
    cascade = sa.ForeignKey(target, ondelete="CASCADE")
    return _column(name, sa.Integer(), cascade, nullable=False, key=key)


def string(name: str, length: int | None = None, *, nullable: bool = False) -> sa.Column:
    """Text, at most `length` characters when given."""
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def digest(name: str) -> sa.Column:
    """A SHA-256 or keyed (HMAC) digest in hex (of a user or chat id, an API key, a URL, a text)."""
    return sa.Column(name, sa.String(length=64), nullable=False)


def timestamp(name: str, *, nullable: bool = False) -> sa.Column:
    """A moment, with its time zone."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def json(name: str, *, nullable: bool = False) -> sa.Column:
    """A JSON document."""
    return sa.Column(name, sa.JSON(), nullable=nullable)


def create_table(
    name: str,
    *columns: sa.Column | sa.Constraint,
    primary_key: Sequence[str] = ("id",),
    indexes: Sequence[str] = (),
    unique: Collection[str] = (),
) -> None:
    """The table, then one index per column of `indexes` (unique for those also in `unique`)."""
    op.create_table(name, *columns, sa.PrimaryKeyConstraint(*primary_key))
    if indexes:
        create_indexes(name, *indexes, unique=unique)


def drop_table(name: str, *, indexes: Sequence[str] = ()) -> None:
    """Undo `create_table`: its indexes, last made first, then the table."""
    if indexes:
        drop_indexes(name, *reversed(indexes))
    op.drop_table(name)


def create_child_table(
    name: str, parent: str, *columns: sa.Column | sa.Constraint, indexes: Sequence[str] = ()
) -> None:
    """A table whose rows belong to rows of `parent`: the surrogate `id`, then `<parent>_id`
    (indexed; a row is deleted with its parent), then `columns`."""
    key = f"{parent}_id"
    create_table(
        name, id_column(), reference(key, f"{parent}.id"), *columns, indexes=(key, *indexes)
    )


def drop_child_table(name: str, parent: str, *, indexes: Sequence[str] = ()) -> None:
    """Undo `create_child_table`."""
    drop_table(name, indexes=(f"{parent}_id", *indexes))


def create_indexes(table: str, *columns: str, unique: Collection[str] = ()) -> None:
    """One index per column (unique for the columns in `unique`)."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            name = batch_op.f(f"ix_{table}_{column}")
            batch_op.create_index(name, [column], unique=column in unique)


def drop_indexes(table: str, *columns: str) -> None:
    """Drop the indexes `create_indexes` made on these columns."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))


def _column(
    name: str, type_: sa.types.TypeEngine, *args: sa.ForeignKey, nullable: bool, key: bool
) -> sa.Column:
    if key:
        return sa.Column(name, type_, *args, autoincrement=False, nullable=nullable)
    return sa.Column(name, type_, *args, nullable=nullable)
