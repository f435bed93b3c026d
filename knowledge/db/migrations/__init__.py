"""Alembic migrations of the whole schema (batch mode on SQLite).
`env_tables` imports every module that defines a table."""
