"""Logs: JSON lines or plain text, and never a secret in them."""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from bot.logging_setup import REDACTED, configure_logging
from bot.webhook_secret import webhook_secret_token
from knowledge.newsroom.api_keys import new_key
from knowledge.settings import Settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = "hmac-secret-of-this-deployment"
DB_PASSWORD = "pg-password-42"


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "secret": SECRET,
        "database_url": f"postgresql+psycopg://tekser:{DB_PASSWORD}@db.internal/tekser",
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    hooks = (sys.excepthook, threading.excepthook, sys.unraisablehook)
    yield
    sys.excepthook, threading.excepthook, sys.unraisablehook = hooks
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, old in quiet.items():
        logging.getLogger(name).setLevel(old)


def logged(settings: Settings, emit: Any) -> str:
    stream = io.StringIO()
    configure_logging(settings, stream=stream)
    emit(logging.getLogger("tekser.test"))
    return stream.getvalue()


def test_json_lines_when_asked() -> None:
    out = logged(
        make_settings(log_format="json"),
        lambda log: log.warning("checked %d messages", 3, extra={"chat_type": "private"}),
    )
    record = json.loads(out)
    assert record["level"] == "WARNING" and record["logger"] == "tekser.test"
    assert record["message"] == "checked 3 messages"
    assert record["chat_type"] == "private"
    assert record["time"].endswith("+00:00")


def test_the_format_comes_from_tekser_log_format(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEKSER_LOG_FORMAT", "json")
    out = logged(Settings(_env_file=None), lambda log: log.error("Ошибка: қате"))  # type: ignore[call-arg]
    assert json.loads(out)["message"] == "Ошибка: қате"


def test_plain_text_otherwise() -> None:
    out = logged(make_settings(), lambda log: log.error("something broke"))
    assert out.rstrip().endswith("ERROR tekser.test: something broke")
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)


def test_levels_follow_the_setting() -> None:
    out = logged(make_settings(log_level="WARNING"), lambda log: log.info("chatter"))
    assert out == ""


def emit_every_way(log: logging.Logger) -> None:
    log.info("token is " + TOKEN)
    log.info("HTTP Request: POST https://api.telegram.org/bot%s/getUpdates", TOKEN)
    log.info("url-encoded: https://x.example/?t=%s", TOKEN.replace(":", "%3A"))
    log.info("the secret: %r", SECRET)
    log.info("connecting", extra={"dsn": f"postgresql://tekser:{DB_PASSWORD}@db/x"})
    try:
        raise RuntimeError(f"failed with {TOKEN} and {SECRET}")
    except RuntimeError:
        log.exception("request failed")
    log.info("stack", stack_info=True)


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_secrets_never_reach_the_log(log_format: str) -> None:
    settings = make_settings(log_format=log_format)
    out = logged(settings, emit_every_way)
    assert TOKEN not in out and TOKEN.split(":")[1] not in out.replace(REDACTED, "")
    assert SECRET not in out and DB_PASSWORD not in out
    assert webhook_secret_token(settings) not in out
    assert out.count(REDACTED) >= 6  # token x3, secret, and both in the traceback
    assert "RuntimeError: failed with" in out.replace("\\n", "\n")  # the traceback is still there


def test_the_webhook_secret_is_redacted_too() -> None:
    settings = make_settings(webhook_secret="explicit-webhook-secret")
    out = logged(settings, lambda log: log.info("header explicit-webhook-secret"))
    assert "explicit-webhook-secret" not in out and REDACTED in out


def test_ordinary_words_are_left_alone_even_with_a_tiny_secret() -> None:
    out = logged(make_settings(secret="ab"), lambda log: log.info("about a cab"))
    assert "about a cab" in out


def test_httpx_request_lines_are_quiet_at_info() -> None:
    def emit(_: logging.Logger) -> None:
        logging.getLogger("httpx").info("HTTP Request: GET https://example.com")
        logging.getLogger("httpx").warning("HTTP trouble")

    out = logged(make_settings(), emit)
    assert "HTTP Request" not in out and "HTTP trouble" in out


API_KEY = new_key()


class Unsayable:
    def __del__(self) -> None:
        raise RuntimeError(f"dying with {TOKEN}")


def every_error_path(log: logging.Logger) -> None:
    """Each secret as a log call would carry it, and as Python would print it raw: an uncaught
    exception (telegram's InvalidToken names the token), one in a thread, one it ignores."""
    log.info("The token `%s` was rejected by the server.", TOKEN)
    log.info("API call with Authorization: Bearer %s", API_KEY)
    log.info("API key %s in a message", API_KEY)
    log.warning("bare half %s", TOKEN.split(":")[1])
    log.info("another dsn postgresql+psycopg://someone:%s@elsewhere/db", DB_PASSWORD)
    try:
        raise ValueError(f"{TOKEN} {SECRET} {API_KEY} {DB_PASSWORD}")
    except ValueError:
        log.exception("failed")
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    thread = threading.Thread(target=lambda: (_ for _ in ()).throw(OSError(API_KEY)))
    thread.start()
    thread.join()
    Unsayable()


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_uncaught_exceptions_and_api_keys_are_redacted_too(log_format: str) -> None:
    settings = make_settings(log_format=log_format, webhook_secret="explicit-webhook-secret")
    out = logged(settings, every_error_path)
    for secret in (TOKEN, TOKEN.split(":")[1], SECRET, DB_PASSWORD, API_KEY, API_KEY[3:]):
        assert secret not in out
    for visible in ("rejected by the server", "uncaught exception", "OSError", "dying with"):
        assert visible in out  # the events are still there, only the secrets are gone


def test_secrets_are_known_by_their_shape_when_the_settings_do_not_know_them() -> None:
    out = logged(Settings(_env_file=None), every_error_path)  # type: ignore[call-arg]
    assert TOKEN not in out and API_KEY not in out and f":{DB_PASSWORD}@" not in out
