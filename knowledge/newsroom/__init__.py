"""What newsrooms use outside Telegram: API keys for the HTTP API and their request counts."""
