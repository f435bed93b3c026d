"""What every handler reaches through its context: the knowledge base, the audience tables, the
settings and the per-reader limiter; plus the few steps all answers share (choosing the reader's
language, sending a reply and remembering it, editing it later)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from telegram import Chat, Message, ReplyParameters, User
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackContext, ExtBot

from handlers.i18n import Translator, choose_language, translator
from handlers.lengths import fit_html
from handlers.public.limits import CheckLimiter
from handlers.public.views import NO_PREVIEW, Reply
from knowledge.audience.held_forwards import ForwardHolds
from knowledge.audience.service import AnswerRecord, Audience, CardsSent, CheckEntry
from knowledge.db.batching import Batched
from knowledge.debunks.checking import CardCache
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.images.service import Pictures
from knowledge.links.preview import LinkExpander
from knowledge.moderation.service import Moderation
from knowledge.newsroom.api_keys import ApiKeys
from knowledge.settings import Settings

log = logging.getLogger(__name__)

SERVICES_KEY = "services"
LANGUAGE_KEY = "lang"  # user_data: the stored choice (None = none stored), cached
AUTO_KEY = "auto"  # chat_data: whether the group turned on automatic checks, cached


@dataclass
class Services:
    """Everything handlers call, composed once by `bot.services.compose_services` (which the
    command line and the HTTP API use too)."""

    settings: Settings
    kb: KnowledgeBase
    audience: Audience
    limiter: CheckLimiter
    cards: CardCache
    holds: ForwardHolds  # forwards waiting a moment for the reader's words (in the database)
    moderation: Moderation
    api_keys: ApiKeys
    links: LinkExpander | None = None  # fetches articles behind bare links (TEKSER_LINK_PREVIEW)
    pictures: Pictures | None = None  # the picture index and the OCR pool
    # answers' records (check log, reply links, cards sent), the answers of one moment together
    answer_log: Batched[AnswerRecord, None] = field(init=False)

    def __post_init__(self) -> None:
        self.answer_log = Batched(self.audience.record_many)


class TekserContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's context with typed access to Tekser's services."""

    @property
    def services(self) -> Services:
        return self.application.bot_data[SERVICES_KEY]

    @property
    def kb(self) -> KnowledgeBase:
        return self.services.kb

    @property
    def audience(self) -> Audience:
        return self.services.audience

    @property
    def settings(self) -> Settings:
        return self.services.settings


def install(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    application.bot_data[SERVICES_KEY] = services


async def reader_translator(context: TekserContext, user: User | None) -> Translator:
    """The reader's language: their /language choice, else Telegram's, else Russian."""
    if user is None:
        return translator(choose_language(None, None))
    user_data = context.user_data if context.user_data is not None else {}
    if LANGUAGE_KEY not in user_data:
        user_data[LANGUAGE_KEY] = await asyncio.to_thread(context.audience.language, user.id)
    return translator(choose_language(user_data[LANGUAGE_KEY], user.language_code))


async def auto_checks_on(context: TekserContext, chat: Chat) -> bool:
    chat_data = context.chat_data if context.chat_data is not None else {}
    if AUTO_KEY not in chat_data:
        chat_data[AUTO_KEY] = await asyncio.to_thread(context.audience.auto_check, chat.id)
    return bool(chat_data[AUTO_KEY])


async def send_reply(
    context: TekserContext, chat_id: int, reply: Reply, *, reply_to: int | None = None
) -> Message:
    """Send one reply (HTML, no link previews), quoting `reply_to` when given."""
    quote = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    return await context.bot.send_message(
        chat_id,
        fit_html(reply.text),
        parse_mode=ParseMode.HTML,
        reply_markup=reply.markup,
        link_preview_options=NO_PREVIEW,
        reply_parameters=quote,
    )


async def answer_message(
    context: TekserContext,
    message: Message,
    reply: Reply,
    *,
    check: CheckEntry | None = None,
    cards: CardsSent | None = None,
) -> Message:
    """Reply to `message`; remember which of our messages answers it (for edits), log the
    check and remember the `cards` shown to a reader, in one transaction."""
    sent = await send_reply(context, message.chat_id, reply, reply_to=message.message_id)
    link = (message.chat_id, message.message_id, sent.message_id)
    await context.services.answer_log(AnswerRecord(check, link, cards))
    return sent


async def update_answer(
    context: TekserContext,
    message: Message,
    reply: Reply,
    *,
    check: CheckEntry | None = None,
    cards: CardsSent | None = None,
) -> None:
    """After an edit: edit our earlier answer to `message`, or answer it if there is none."""
    earlier = await asyncio.to_thread(
        context.audience.reply_for, message.chat_id, message.message_id
    )
    if earlier is None:
        await answer_message(context, message, reply, check=check, cards=cards)
        return
    try:
        await context.bot.edit_message_text(
            fit_html(reply.text),
            chat_id=message.chat_id,
            message_id=earlier,
            parse_mode=ParseMode.HTML,
            reply_markup=reply.markup,
            link_preview_options=NO_PREVIEW,
        )
    except BadRequest as error:
        if "not modified" not in error.message:
            log.info("earlier answer cannot be edited (%s); answering anew", error.message)
            await answer_message(context, message, reply, check=check, cards=cards)
            return
    if check is not None or cards is not None:
        await context.services.answer_log(AnswerRecord(check, sent=cards))


async def withdraw_answer(context: TekserContext, message: Message) -> None:
    """Delete our answer to `message` (an edit made it no longer repeat a debunked claim)."""
    earlier = await asyncio.to_thread(
        context.audience.reply_for, message.chat_id, message.message_id
    )
    if earlier is None:
        return
    try:
        await context.bot.delete_message(message.chat_id, earlier)
    except BadRequest as error:
        log.info("earlier answer cannot be deleted: %s", error.message)
    await asyncio.to_thread(context.audience.forget_reply, message.chat_id, message.message_id)
