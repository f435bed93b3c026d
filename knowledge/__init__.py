"""Everything Tekser knows and decides, without Telegram: debunks and their storage, matching,
exchange formats, readers' data, moderation, link expansion, the database and the settings."""
