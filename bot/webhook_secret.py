"""The secret Telegram sends with each webhook update, derived from the settings: the webhook
server checks it and the logging hides it, so it lives apart from both (light to import)."""

from __future__ import annotations

import hashlib
import hmac

from knowledge.settings import Settings

__all__ = ["webhook_secret_token"]


def webhook_secret_token(settings: Settings) -> str:
    """The secret Telegram must send with each update: TEKSER_WEBHOOK_SECRET, or one derived
    from TEKSER_SECRET (the same on every worker, so any worker accepts any update)."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    key = settings.secret.get_secret_value().encode()
    return hmac.new(key, b"telegram-webhook", hashlib.sha256).hexdigest()
