"""Database plumbing: engines and pools, Alembic migrations, and the state several workers share
(conversation steps, quotas, link cache) kept in the database."""
