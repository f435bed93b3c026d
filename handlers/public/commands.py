"""Reader commands: /start (a `d-<slug>` payload opens that card), /help, /language, /privacy,
/about; and the language buttons."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from handlers.context import LANGUAGE_KEY, TekserContext, reader_translator, send_reply
from handlers.i18n import LANGUAGES, Translator, translator
from handlers.public import callback_data as callbacks
from handlers.public import command_views as views
from handlers.public import views as render
from handlers.public.views import Reply
from knowledge.debunks import checking as answers

NEW = filters.UpdateType.MESSAGE


async def on_start(update: Update, context: TekserContext) -> None:
    """/start, or a deep link t.me/<bot>?start=d-<slug> that opens one card."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None
    tr = await reader_translator(context, user)
    slug = callbacks.parse_card_payload(context.args[0]) if context.args else None
    if slug is None:
        reply = views.start_reply(tr, count=len(context.kb.matcher))
    else:
        card = await asyncio.to_thread(
            answers.show_card, context.kb, context.audience, slug,
            source="deep-link", chat_type=chat.type, lang=tr.lang,
        )  # fmt: skip
        username, page_base = context.bot.username, context.settings.public_url
        reply = (
            render.card_reply(card, tr, bot_username=username, page_base=page_base)
            if card
            else render.card_missing_reply(tr)
        )
    await send_reply(context, chat.id, reply)


async def _answer(
    update: Update, context: TekserContext, make: Callable[[Translator], Reply]
) -> None:
    """A command's answer, in the reader's language, in their chat."""
    assert update.effective_chat is not None
    tr = await reader_translator(context, update.effective_user)
    await send_reply(context, update.effective_chat.id, make(tr))


async def on_help(update: Update, context: TekserContext) -> None:
    """/help: how to use Tekser in private chats, groups and inline."""
    username = context.bot.username
    await _answer(update, context, lambda tr: views.help_reply(tr, bot_username=username))


async def on_about(update: Update, context: TekserContext) -> None:
    """/about: what Tekser is and how many debunks it knows."""
    count = len(context.kb.matcher)
    await _answer(update, context, lambda tr: views.about_reply(tr, count=count))


async def on_privacy(update: Update, context: TekserContext) -> None:
    """/privacy: what is stored and for how long."""
    days = context.settings.retention_days
    await _answer(update, context, lambda tr: views.privacy_reply(tr, retention_days=days))


async def on_forgetme(update: Update, context: TekserContext) -> None:
    """/forgetme (private chat): delete everything stored about the reader."""
    assert update.effective_user is not None
    removed = await asyncio.to_thread(context.audience.forget, update.effective_user.id)
    if context.user_data is not None:
        context.user_data.clear()  # the remembered language goes too
    await _answer(update, context, lambda tr: views.forgotten_reply(tr, removed=removed))


async def on_language(update: Update, context: TekserContext) -> None:
    """/language: buttons en / ru / kk."""
    await _answer(update, context, views.language_prompt)


async def on_language_chosen(update: Update, context: TekserContext) -> None:
    """A language button: remember the choice for this reader and confirm in that language."""
    query = update.callback_query
    assert query is not None and query.data is not None
    lang = callbacks.parse_language(query.data)
    if lang not in LANGUAGES:
        await query.answer()
        return
    await asyncio.to_thread(context.audience.set_language, query.from_user.id, lang)
    if context.user_data is not None:
        context.user_data[LANGUAGE_KEY] = lang
    reply = views.language_chosen(translator(lang))
    await query.answer()
    await query.edit_message_text(reply.text, parse_mode=ParseMode.HTML)


HANDLERS: list[BaseHandler[Update, Any, Any]] = [
    CommandHandler("start", on_start, filters=NEW),
    CommandHandler("help", on_help, filters=NEW),
    CommandHandler("about", on_about, filters=NEW),
    CommandHandler("privacy", on_privacy, filters=NEW),
    CommandHandler("language", on_language, filters=NEW),
    CommandHandler("forgetme", on_forgetme, filters=NEW & filters.ChatType.PRIVATE),
    CallbackQueryHandler(on_language_chosen, pattern=callbacks.LANGUAGE_PATTERN),
]
