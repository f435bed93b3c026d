"""Running the bot: long polling by default, a webhook when TEKSER_WEBHOOK_URL is set."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from telegram import Update

from bot.app import build_application
from bot.bootstrap import open_knowledge
from bot.polling import serve_polling
from bot.settings import Settings
from bot.web import build_server, build_web_app, serve_telegram_webhook, webhook_secret_token
from knowledge.query_batching import BatchingEmbedder, RecentQueries
from knowledge.service import KnowledgeBase
from knowledge.sync import DebunkSync

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


def open_knowledge_base(settings: Settings) -> KnowledgeBase:
    """The knowledge base as the settings describe it, seeded from the bundled pack if empty."""
    kb = open_knowledge(settings, seed=True)  # seeded before loading: every worker sees it
    if kb.matcher.embedder is not None:  # a post seen before is not embedded again; concurrent
        kb.matcher.embedder = RecentQueries(BatchingEmbedder(kb.matcher.embedder))  # ones batched
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
    kb = open_knowledge_base(settings)
    sync = DebunkSync(kb, check_interval=settings.sync_check_seconds).start()
    application = build_application(settings, kb)
    try:
        if settings.webhook_url:
            log.info("webhook mode: listening on %s:%d", settings.listen, settings.port)
            options = webhook_options(settings)
            web = build_web_app(
                settings, kb, telegram_app=application, webhook_path=options["url_path"]
            )
            server = build_server(web, host=settings.listen, port=settings.port)
            asyncio.run(
                serve_telegram_webhook(
                    application,
                    server,
                    webhook_url=options["webhook_url"],
                    secret_token=options["secret_token"],
                    allowed_updates=ALLOWED_UPDATES,
                )
            )
        else:
            log.info("polling %s", urlsplit(settings.bot_api_url).netloc)
            asyncio.run(serve_polling(application, allowed_updates=ALLOWED_UPDATES))
    finally:
        sync.stop()
        kb.close()
