"""Logging for every Tekser process: one line per record, JSON when TEKSER_LOG_FORMAT=json, plain
text otherwise, and never a secret: the bot token, TEKSER_SECRET, the webhook secret and the
database password are replaced by [REDACTED] wherever they would appear (message, arguments,
traceback, extra fields) — a URL with the token in it (httpx logs every Bot API call) included;
so is anything shaped like a bot token, a newsroom API key, a bearer credential or a URL's
password. Uncaught exceptions (main thread, other threads, "exception ignored") are logged
through the same filter instead of being printed raw (telegram's InvalidToken names the token).
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import Any, TextIO
from urllib.parse import quote

from pythonjsonlogger.json import JsonFormatter
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.webhook_secret import webhook_secret_token
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


# Secrets known by their shape, whatever the settings: a bot token (id:secret), a newsroom API
# key (knowledge.newsroom.api_keys), an Authorization credential, the password in a URL.
_SHAPED = (
    (re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}"), REDACTED),
    (re.compile(r"\btk_[A-Za-z0-9_-]{20,}"), REDACTED),
    (re.compile(r"(?i)\b(bearer\s+)[^\s'\",]+"), rf"\1{REDACTED}"),
    (re.compile(r"(://[^/\s:@]*:)[^/\s@]+@"), rf"\1{REDACTED}@"),
)


class RedactSecrets(logging.Filter):
    """Replaces known secret values, and anything shaped like a secret, in a record before any
    handler formats it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        variants = set()
        for secret in secrets:
            # a bot token's secret half shows up alone too (the id before ":" is public)
            for value in {secret, secret.partition(":")[2]}:
                if len(value) >= MIN_SECRET_CHARS:
                    variants.update({value, quote(value, safe=""), quote(value, safe="/:")})
        self.secrets = sorted(variants, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        for pattern, replacement in _SHAPED:
            text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
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
    log_uncaught_exceptions()
    return redact


def log_uncaught_exceptions() -> None:
    """Tracebacks Python would print raw (an exception leaving the main thread or another
    thread, one it has to ignore) go through the logging handler and so its redaction."""
    log = logging.getLogger("tekser")

    def main_thread(
        kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        log.critical("uncaught exception", exc_info=(kind, exc, tb))

    def other_thread(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "?"
        log.critical(
            "uncaught exception in thread %s",
            name,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )

    def unraisable(args: Any) -> None:
        exc = args.exc_value
        info = (type(exc), exc, args.exc_traceback) if exc is not None else None
        log.error("%s: %r", args.err_msg or "Exception ignored in", args.object, exc_info=info)

    sys.excepthook = main_thread
    threading.excepthook = other_thread
    sys.unraisablehook = unraisable
