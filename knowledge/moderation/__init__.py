"""Moderation: roles, edits of a debunk, drafts, the review queue, deliveries of cards to readers,
the audit log and statistics; `service.py` runs each use case in its own transaction."""
