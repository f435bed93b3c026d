"""Inline mode: `@bot <text>` in any chat lists up to ten debunk cards; an empty query lists the
most-checked ones; a chosen card is counted."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import InlineQueryResultsButton, Update
from telegram.ext import BaseHandler, ChosenInlineResultHandler, InlineQueryHandler

from handlers.context import TekserContext, reader_translator
from handlers.public import views as render
from handlers.public.incoming import clean_text
from handlers.public.limits import Allowance
from knowledge.audience.service import CheckEntry
from knowledge.debunks import checking as answers

CACHE_SECONDS = 30
MAX_QUERY = 256  # Telegram's limit on inline queries


async def on_inline_query(update: Update, context: TekserContext) -> None:
    """`@bot <text>`: matching cards; `@bot` alone: the most-checked cards."""
    query = update.inline_query
    assert query is not None
    tr = await reader_translator(context, query.from_user)
    text = clean_text(query.query, MAX_QUERY)
    if not text:
        cards = await asyncio.to_thread(
            answers.popular_cards, context.kb, context.audience, limit=render.INLINE_RESULTS
        )
    elif await context.services.limiter.take(query.from_user.id) is Allowance.ALLOWED:
        cards = await asyncio.to_thread(
            answers.matching_cards,
            context.kb,
            text,
            limit=render.INLINE_RESULTS,
            cards=context.services.cards,
        )
    else:
        cards = []
    username, page_base = context.bot.username, context.settings.public_url
    results = render.inline_results(cards, tr, bot_username=username, page_base=page_base)
    button = (
        None
        if results
        else InlineQueryResultsButton(
            render.inline_nothing_button_text(tr), start_parameter="inline"
        )
    )
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=True, button=button)


async def on_chosen_result(update: Update, context: TekserContext) -> None:
    """A card chosen from inline results and sent to a chat: count it for "most checked"."""
    chosen = update.chosen_inline_result
    assert chosen is not None
    if chosen.result_id not in context.kb.matcher:
        return
    shown = CheckEntry("inline", "shown", slug=chosen.result_id, score=1.0)
    await asyncio.to_thread(context.audience.log_check, shown)


HANDLERS: list[BaseHandler[Update, Any, Any]] = [
    InlineQueryHandler(on_inline_query),
    ChosenInlineResultHandler(on_chosen_result),
]
