"""The one place that wires the Telegram application: services, handlers (in order), the error
handler, start-up work (command lists per language) and the daily clean-up job."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from telegram import BotCommandScopeAllGroupChats
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackContext,
    ContextTypes,
)

from bot.ordering import ChatOrderedUpdateProcessor
from bot.persistence import WorkerPersistence
from handlers import errors
from handlers.context import Services, TekserContext, install
from handlers.i18n import DEFAULT_LANGUAGE, LANGUAGES, translator
from handlers.moderation import assembly as moderation
from handlers.public import buttons, checks, commands, fallback, groups, inline
from handlers.public import views as render
from handlers.public.limits import CheckLimiter
from knowledge.audience.held_forwards import ForwardHolds
from knowledge.audience.service import Audience
from knowledge.db import shared_state
from knowledge.debunks.checking import CardCache
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.links.preview import DatabasePreviewCache, LinkExpander
from knowledge.settings import Settings

log = logging.getLogger(__name__)

TekserApplication = Application[Any, TekserContext, Any, Any, Any, Any]

# Every handler lives in group 0, where the first handler whose filters accept an update takes it;
# so the order below is the order of precedence.
HANDLER_MODULES = (
    commands,  # /start /help /about /privacy /language and the language buttons: commands first,
    #            so "/help" is never read as a claim
    groups,  # /settings (group admins)
    moderation,  # moderators' commands and conversations (/add, /edit, /queue, ...): before
    #              `checks`, so a moderator's conversation input wins over public checks; its
    #              HANDLERS also hold group -1/1 handlers around "send to fact-checkers"
    checks,  # /check, private texts, captions, forwards and edits, mentions, automatic checks
    buttons,  # 👍/👎, "did you mean" candidates, "send to fact-checkers"
    inline,  # inline queries and chosen inline results
    fallback,  # last: a hint for whatever else arrives in a private chat; the rest is ignored
)
GROUP_MAX_RATE = 20  # Telegram: about 20 messages a minute in one group
PURGE_EVERY = timedelta(days=1)
POOL_TIMEOUT_SECONDS = 10.0  # a send waits this long for a free connection (PTB's default: 1)
FORWARD_SWEEP_EVERY = timedelta(seconds=2)


def build_application(settings: Settings, kb: KnowledgeBase) -> TekserApplication:
    """The PTB Application for `settings`, talking to `settings.bot_api_url`, with every handler."""
    if settings.bot_token is None:
        raise ValueError("TEKSER_BOT_TOKEN is not set")
    secret = settings.secret.get_secret_value()
    # moderators' conversations survive restarts and continue on any worker (bot/persistence.py)
    persistence = WorkerPersistence(kb.engine, secret=secret)
    application = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value())
        .base_url(settings.bot_api_url)
        .base_file_url(settings.bot_api_file_url)
        .context_types(ContextTypes(context=TekserContext))
        .rate_limiter(
            AIORateLimiter(
                overall_max_rate=settings.send_rate_per_second,
                overall_time_period=1,
                group_max_rate=GROUP_MAX_RATE,
                group_time_period=60,
                max_retries=2,
            )
        )
        .concurrent_updates(ChatOrderedUpdateProcessor(settings.concurrent_updates))
        .connection_pool_size(settings.bot_api_connections)
        .pool_timeout(POOL_TIMEOUT_SECONDS)
        .post_init(on_startup)
        .persistence(persistence)
        .build()
    )
    audience = Audience(kb.engine, secret=secret)
    # shared by every worker through the database: the per-reader quota and the link cache
    limiter = CheckLimiter(kb.engine, per_minute=settings.checks_per_minute, key=audience.key)
    links = LinkExpander(cache=DatabasePreviewCache(kb.engine)) if settings.link_preview else None
    holds = ForwardHolds(kb.engine)  # so the reader's words may reach any worker
    cards = CardCache.primed(kb)  # every published card, read once at start-up
    services = Services(settings, kb, audience, limiter, cards, holds, links=links)
    install(application, services)
    for module in HANDLER_MODULES:
        application.add_handlers(module.HANDLERS)
    # Around all of the above (groups -100 and 100): before any handler looks at an update, load
    # the sender's language, the chat's settings and the moderator's conversation step from the
    # database (another worker may have changed them); afterwards write a new step at once.
    application.add_handlers(persistence.handlers())
    application.add_error_handler(errors.on_error)
    return application


async def on_startup(application: TekserApplication) -> None:
    """Size the worker threads, register the command menus per language and schedule the daily
    clean-up."""
    workers = application.bot_data["services"].settings.check_threads
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tekser-check")
    )
    bot = application.bot
    groups_scope = BotCommandScopeAllGroupChats()
    for lang in (*LANGUAGES, None):
        tr = translator(lang or DEFAULT_LANGUAGE)
        await bot.set_my_commands(render.bot_commands(tr), language_code=lang)
        await bot.set_my_commands(
            render.bot_commands(tr, group=True), scope=groups_scope, language_code=lang
        )
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            purge_expired, interval=PURGE_EVERY, first=timedelta(minutes=1), name="purge"
        )
        application.job_queue.run_repeating(  # forwards whose worker died in their grace period
            checks.release_overdue_forwards, interval=FORWARD_SWEEP_EVERY, name="forwards"
        )


async def purge_expired(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Delete check records, reply links and submissions past the retention period."""
    services: Services = context.application.bot_data["services"]
    days = services.settings.retention_days
    removed = await asyncio.to_thread(services.audience.purge, days=days)
    log.info("retention: removed %d rows older than %d days", removed, days)
    expired = await asyncio.to_thread(shared_state.purge_expired, services.kb.engine)
    log.info("shared state: removed %d expired quotas, link previews and conversations", expired)
