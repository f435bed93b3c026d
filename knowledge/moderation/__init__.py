"""Moderation, one module per use case, each with its service: roles, debunks (editing), the
review queue, exchange (import/export), statistics, drafts (desks); `Moderation` holds them all."""
