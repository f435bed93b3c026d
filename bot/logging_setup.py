"""Logging for every Tekser process: one line per record, JSON when TEKSER_LOG_FORMAT=json, plain
text otherwise, and never a secret: the bot token, TEKSER_SECRET, the webhook secret and the
database password are replaced by [REDACTED] wherever they would appear (message, arguments,
traceback, extra fields) — a URL with the token in it (httpx logs every Bot API call) included.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TextIO
from urllib.parse import quote

from pythonjsonlogger.json import JsonFormatter
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from knowledge.settings import Settings

REDACTED = "[REDACTED]"
MIN_SECRET_CHARS = 6  # shorter values would garble ordinary words; no real secret is that short
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
_QUIET_LOGGERS = ("httpx", "httpcore")  # a line per HTTP request is noise at INFO


class RedactSecrets(logging.Filter):
    """Replaces known secret values in a record before any handler formats it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        variants = set()
        for secret in secrets:
            if len(secret) >= MIN_SECRET_CHARS:
                variants.update({secret, quote(secret, safe=""), quote(secret, safe="/:")})
        self.secrets = sorted(variants, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: keep what can be shown, redacted
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD_ATTRIBUTES and isinstance(value, str):
                setattr(record, name, self.redact(value))
        return True


def secrets_of(settings: Settings) -> list[str]:
    """Every secret value the settings hold."""
    from bot.web import webhook_secret_token

    found = [settings.secret.get_secret_value(), webhook_secret_token(settings)]
    if settings.bot_token is not None:
        found.append(settings.bot_token.get_secret_value())
    try:
        password = make_url(settings.database_url).password
    except ArgumentError:
        password = None
    if password:
        found.append(str(password))
    return found


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        ["levelname", "name", "message"],
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
        json_ensure_ascii=False,
    )


def configure_logging(settings: Settings, *, stream: TextIO | None = None) -> RedactSecrets:
    """Route all logging to one stream handler (stderr), formatted and redacted per settings."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(json_formatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    redact = RedactSecrets(secrets_of(settings))
    handler.addFilter(redact)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    logging.captureWarnings(True)
    return redact
