"""Tekser's settings: read from the environment and `.env`, every name prefixed `TEKSER_`."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

DEFAULT_DATABASE_URL = f"sqlite:///{Path.cwd() / 'tekser.db'}"
# Public in the source: whoever reads it can compute the webhook secret derived from it and every
# stored user-id hash. Good for a first run on one's own machine, refused wherever it would serve.
DEVELOPMENT_SECRET = "tekser-development-secret"
MIN_SECRET_CHARS = 32
MIN_DISTINCT_SECRET_CHARS = 12  # "a" * 32 is long, not random
MAKE_A_SECRET = "make one with `tekser secret`"


class Settings(BaseSettings):
    """Every knob Tekser has; built once in `main()` and passed down."""

    model_config = SettingsConfigDict(
        env_prefix="TEKSER_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite:///path.db or postgresql+psycopg://user@host/db",
    )
    bot_token: SecretStr | None = Field(default=None, description="Bot token from @BotFather")
    bot_api_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API base URL the token is appended to (self-hosted Bot API servers)",
    )
    bot_api_file_url: str = Field(
        default="https://api.telegram.org/file/bot",
        description="Bot API base URL for file downloads",
    )
    owner_ids: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), description="Comma-separated Telegram user ids of the owners"
    )
    secret: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_SECRET),
        description="Key for the HMAC that stores user ids as keyed hashes; set it in production",
    )
    require_secret: bool = Field(
        default=False,
        description="Refuse to start with the development TEKSER_SECRET in every mode, polling "
        "too (the Docker image sets it)",
    )
    moderator_chat_id: int | None = Field(default=None, description="Moderators' group chat id")

    webhook_url: str | None = Field(default=None, description="Public HTTPS URL: webhook mode")
    webhook_secret: SecretStr | None = Field(
        default=None, description="Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token"
    )
    listen: str = Field(default="0.0.0.0", description="Webhook listen address")
    port: int = Field(default=8443, ge=1, le=65535, description="Webhook listen port")
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Webhook mode: worker processes sharing the port (one per core; more than "
        "one needs PostgreSQL)",
    )

    checks_per_minute: int = Field(default=20, ge=1, description="Checks a user may ask per minute")
    semantic: bool = Field(
        default=True, description="Use the semantic matcher when the `semantic` extra is installed"
    )
    index_dir: str = Field(
        default="",
        description="Directory keeping the built matching index between starts (empty: beside "
        "the SQLite file, or ~/.cache/tekser/index for PostgreSQL; `off`: none)",
    )
    match_threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Confidence for a `match` reply (unset: the value fitted for the mode, "
        "lexical only or semantic)",
    )
    possible_threshold: float | None = Field(
        default=None, ge=0, le=1, description="Confidence for `possible` (unset: fitted)"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO")
    log_format: Literal["text", "json"] = Field(default="text")

    # --- the Telegram bot ---
    forward_grace_seconds: float = Field(
        default=2.0,
        ge=0,
        le=30,
        description="How long a forward waits for the reader's own words, to answer both at once",
    )
    retention_days: int = Field(
        default=90, ge=1, description="Days the check log, reply links and submissions are kept"
    )
    send_rate_per_second: float = Field(
        default=30.0, gt=0, description="Outgoing messages per second (Telegram allows about 30)"
    )
    # 32 keep ~300 sends/s in flight at Telegram's ~0.1 s round trip; more only add connection
    # pool bookkeeping (matching is serialised anyway)
    concurrent_updates: int = Field(
        default=32, ge=1, le=1024, description="Updates the bot works on at the same time"
    )
    # matching takes one thread at a time and SQLite one connection: more threads only fight
    # over the GIL (32 answered ~10% fewer updates a second than 4; 4 also beat 8, semantic too)
    check_threads: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Threads running checks and database calls (matching takes one at a time)",
    )
    # httpcore looks at every idle connection on each request: a few connections carry many sends
    # a second at Telegram's round trip, without PTB's 256 open sockets (bench/README.md)
    bot_api_connections: int = Field(
        default=8, ge=1, le=256, description="HTTP connections kept open to the Bot API"
    )
    bot_api_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="How long a Bot API request may take to connect, send or answer",
    )
    startup_retry_seconds: float = Field(
        default=300.0,
        ge=0,
        description="At start-up an unreachable Bot API is tried again this long, then `run` exits",
    )

    # --- production: HTTP API, webhook path, index sync, link expansion ---
    api_port: int = Field(default=8080, ge=1, le=65535, description="Port of `tekser api`")
    api_requests_per_minute: int = Field(
        default=60, ge=1, description="Requests one API key may make per minute"
    )
    api_max_body_bytes: int = Field(
        default=64 * 1024, ge=1024, description="Largest API request body accepted"
    )
    webhook_path: str = Field(
        default="/telegram",
        pattern=r"^/[A-Za-z0-9._~/-]*$",
        description="Path Telegram posts updates to (the webhook URL ends with it)",
    )
    sync_check_seconds: float = Field(
        default=15.0,
        gt=0,
        description="How often a worker compares the base's version with its index (PostgreSQL)",
    )
    link_preview: bool = Field(
        default=True, description="Fetch a linked article to match its text (SSRF-safe)"
    )

    # --- moderation ---
    moderator_announce_seconds: float = Field(
        default=300.0,
        gt=0,
        description="New submissions are announced in the moderators' chat at most this often",
    )
    moderator_chat_language: Literal["en", "ru", "kk"] = Field(
        default="ru", description="Language of the announcements in the moderators' chat"
    )
    import_max_bytes: int = Field(
        default=20 * 1024 * 1024,
        ge=1024,
        le=20 * 1024 * 1024,
        description="Largest file /import accepts (Telegram bots can download up to 20 MB)",
    )

    # --- pictures ---
    picture_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        le=20 * 1024 * 1024,
        description="Largest picture downloaded for a check (Telegram bots can download 20 MB)",
    )
    ocr_processes: int = Field(
        default=1, ge=1, le=64, description="Processes reading the words in pictures (Tesseract)"
    )
    ocr_languages: str = Field(
        default="rus+kaz+eng",
        pattern=r"^[a-z_]+(\+[a-z_]+)*$",
        description="Tesseract languages of the words read in pictures",
    )

    # --- the public site and channel digests ---
    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
        description="Public base URL of `tekser web` (debunk pages); the bot's cards link there",
    )
    digest_check_seconds: float = Field(
        default=300.0, gt=0, description="How often the bot looks for channel digests that are due"
    )

    @field_validator("owner_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError as exc:
                raise ValueError("must be comma-separated numeric Telegram user ids") from exc
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("bot_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        """`TEKSER_BOT_TOKEN=` (left empty in a .env) means no token, not an invalid one."""
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must start with sqlite:/// or postgresql+psycopg://")
        return value


def index_directory(settings: Settings) -> Path | None:
    """Where the built matching index is kept (None: nowhere, it is built at every start)."""
    if settings.index_dir.strip().lower() == "off":
        return None
    if settings.index_dir.strip():
        return Path(settings.index_dir).expanduser()
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            return None
        return Path(url.database).expanduser().with_name(Path(url.database).name + ".index")
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "tekser" / "index"


def weak_secret(settings: Settings) -> str | None:
    """Why the settings' secrets may not serve the public (one line, saying how to fix it), or
    None: TEKSER_SECRET and an explicit TEKSER_WEBHOOK_SECRET must each be at least 32 random
    characters, and TEKSER_SECRET not the development value."""
    secret = settings.secret.get_secret_value()
    if secret == DEVELOPMENT_SECRET:
        return f"TEKSER_SECRET is the public development value: {MAKE_A_SECRET} and set it."
    if not _random_enough(secret):
        return (
            f"TEKSER_SECRET must be at least {MIN_SECRET_CHARS} random characters: {MAKE_A_SECRET}."
        )
    if settings.webhook_secret is not None:
        webhook = settings.webhook_secret.get_secret_value()
        if not _random_enough(webhook) or not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", webhook):
            return (
                f"TEKSER_WEBHOOK_SECRET must be {MIN_SECRET_CHARS} to 256 random characters "
                f"of A-Z, a-z, 0-9, _ and -: {MAKE_A_SECRET}, or leave it unset to derive "
                "one from TEKSER_SECRET."
            )
    return None


def _random_enough(secret: str) -> bool:
    return len(secret) >= MIN_SECRET_CHARS and len(set(secret)) >= MIN_DISTINCT_SECRET_CHARS


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it in one line."""


def load_settings(**overrides: object) -> Settings:
    """Build Settings from the environment, turning validation errors into one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "TEKSER_" + "_".join(str(p) for p in first["loc"][:1]).upper()
        raise SettingsError(f"Setting {name} is invalid: {first['msg']}") from None
