"""Database plumbing: engines, Alembic migrations, upserts for both dialects, and the short-lived
state workers share there (the framework's rows, the link-preview cache, their daily expiry)."""
