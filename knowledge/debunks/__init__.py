"""Debunks: their tables and queries, the cards shown to readers, the `KnowledgeBase` (database plus
live matcher), checking a message against it, and keeping workers in sync."""
