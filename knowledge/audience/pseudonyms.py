"""People and chats are never stored by their Telegram id: `keyed_hash` turns an id into an
HMAC-SHA256 under the deployment's secret, so tables join per person without naming anyone."""

from __future__ import annotations

import hashlib
import hmac


def keyed_hash(secret: str, value: int | str) -> str:
    """The HMAC-SHA256 (hex) of a Telegram id under the deployment's secret."""
    return hmac.new(secret.encode(), str(value).encode(), hashlib.sha256).hexdigest()
