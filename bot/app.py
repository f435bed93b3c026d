"""The one place that wires the Telegram application: services, handlers (in order), the error
handler, start-up work (command lists per language) and the daily clean-up job."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from telegram import BotCommandScopeAllGroupChats
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackContext,
    ContextTypes,
)

from bot.bot_api_client import AiohttpRequest
from bot.ordering import ChatOrderedUpdateProcessor
from bot.persistence import WorkerPersistence
from bot.redelivery import HandledUpdates, bot_id
from bot.retrying import RetryingApplication, SendAwareRateLimiter
from bot.services import compose_services
from handlers import errors
from handlers.context import Services, TekserContext, install
from handlers.i18n import DEFAULT_LANGUAGE, LANGUAGES, translator
from handlers.moderation import assembly as moderation
from handlers.public import buttons, checks, commands, digest, fallback, groups, inline, photos
from handlers.public.command_views import bot_commands
from knowledge.db.expiry import purge_expired as purge_shared_state
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.settings import Settings

log = logging.getLogger(__name__)

TekserApplication = Application[Any, TekserContext, Any, Any, Any, Any]
Handlers = Sequence[BaseHandler[Any, Any, Any]] | dict[int, Sequence[BaseHandler[Any, Any, Any]]]

GROUP_MAX_RATE = 20  # Telegram: about 20 messages a minute in one group
PURGE_EVERY = timedelta(days=1)
POOL_TIMEOUT_SECONDS = 10.0  # a send waits this long for a free connection (PTB's default: 1)
FORWARD_SWEEP_EVERY = timedelta(seconds=2)


def feature_handlers() -> list[Handlers]:
    """Each feature's handlers, in order of precedence: within a handler group the first handler
    whose filters accept an update takes it. A list goes to group 0; the moderators' mapping
    also holds a handler before the public ones (group -1) and one after them (group 1)."""
    return [
        commands.HANDLERS,  # /start /help /about /privacy /language and the language buttons:
        #                     commands first, so "/help" is never read as a claim
        groups.HANDLERS,  # /settings (group admins)
        digest.HANDLERS,  # /digest daily|weekly|off (channel admins), before channel checks
        moderation.build_handlers(),  # moderators' commands and conversations (/add, /edit,
        #   /queue, ...): before `checks`, so a moderator's conversation input wins over public
        #   checks; groups -1/1 hold the steps around "send to fact-checkers"
        photos.HANDLERS,  # pictures in groups, /check or a mention replying to one: before
        #                   `checks`, which would check a caption alone (private pictures go
        #                   through `checks`, held like forwards, then to `photos.respond`)
        checks.HANDLERS,  # /check, private texts, captions, forwards and edits, mentions, groups
        buttons.HANDLERS,  # 👍/👎, "did you mean" candidates, "send to fact-checkers"
        inline.HANDLERS,  # inline queries and chosen inline results
        fallback.HANDLERS,  # last: a hint for whatever else arrives in a private chat
    ]


def build_application(settings: Settings, kb: KnowledgeBase) -> TekserApplication:
    """The PTB Application for `settings`, talking to `settings.bot_api_url`, with every handler."""
    if settings.bot_token is None:
        raise ValueError("TEKSER_BOT_TOKEN is not set")
    secret = settings.secret.get_secret_value()
    token = settings.bot_token.get_secret_value()
    # moderators' conversations survive restarts and continue on any worker (bot/persistence.py)
    persistence = WorkerPersistence(kb.engine, secret=secret)
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.bot_api_url)
        .base_file_url(settings.bot_api_file_url)
        .context_types(ContextTypes(context=TekserContext))
        .application_class(RetryingApplication)  # again once after a lost database connection
        .rate_limiter(
            SendAwareRateLimiter(
                overall_max_rate=settings.send_rate_per_second,
                overall_time_period=1,
                group_max_rate=GROUP_MAX_RATE,
                group_time_period=60,
                max_retries=2,
            )
        )
        .concurrent_updates(
            # an update Telegram delivers again (after a crash, to another worker) is skipped
            ChatOrderedUpdateProcessor(
                settings.concurrent_updates, handled=HandledUpdates(kb.engine, bot_id(token))
            )
        )
        .request(
            AiohttpRequest(
                connections=settings.bot_api_connections,
                pool_timeout=POOL_TIMEOUT_SECONDS,
                connect_timeout=settings.bot_api_timeout_seconds,
                read_timeout=settings.bot_api_timeout_seconds,
            )
        )
        .get_updates_request(  # one long poll at a time, and the final confirmation
            AiohttpRequest(
                connections=2,
                connect_timeout=settings.bot_api_timeout_seconds,
                read_timeout=settings.bot_api_timeout_seconds,
            )
        )
        .post_init(on_startup)
        .post_shutdown(on_shutdown)
        .persistence(persistence)
        .build()
    )
    services = compose_services(settings, kb)
    services.cards.prime()  # every published card, read once at start-up
    install(application, services)
    for handlers in feature_handlers():
        application.add_handlers(handlers)
    # Around all of the above (groups -100 and 100): before any handler looks at an update, load
    # the sender's language, the chat's settings and the moderator's conversation step from the
    # database (another worker may have changed them); afterwards write a new step at once.
    application.add_handlers(persistence.handlers())
    application.add_error_handler(errors.on_error)
    return application


async def on_shutdown(application: TekserApplication) -> None:
    """Stop the processes reading pictures."""
    pictures = application.bot_data["services"].pictures
    if pictures is not None:
        await asyncio.to_thread(pictures.close)


async def on_startup(application: TekserApplication) -> None:
    """Size the worker threads, register the command menus per language and schedule the daily
    clean-up."""
    settings = application.bot_data["services"].settings
    workers = settings.check_threads
    if settings.log_level != "DEBUG":  # APScheduler logs two lines at every run of every job
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tekser-check")
    )
    bot = application.bot
    groups_scope = BotCommandScopeAllGroupChats()
    for lang in (*LANGUAGES, None):
        tr = translator(lang or DEFAULT_LANGUAGE)
        await bot.set_my_commands(bot_commands(tr), language_code=lang)
        await bot.set_my_commands(
            bot_commands(tr, group=True), scope=groups_scope, language_code=lang
        )
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            purge_expired, interval=PURGE_EVERY, first=timedelta(minutes=1), name="purge"
        )
        application.job_queue.run_repeating(  # forwards whose worker died in their grace period
            checks.release_overdue_forwards, interval=FORWARD_SWEEP_EVERY, name="forwards"
        )
        application.job_queue.run_repeating(  # channel digests that are due (any worker)
            digest.post_due_digests,
            interval=application.bot_data["services"].settings.digest_check_seconds,
            name="digests",
        )


async def purge_expired(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Delete check records, reply links and submissions past the retention period."""
    services: Services = context.application.bot_data["services"]
    days = services.settings.retention_days
    removed = await asyncio.to_thread(services.audience.purge, days=days)
    log.info("retention: removed %d rows older than %d days", removed, days)
    expired = await asyncio.to_thread(purge_shared_state, services.kb.engine)
    log.info("shared state: removed %d expired quotas, link previews and conversations", expired)
